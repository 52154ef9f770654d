// The CPU fitness engine for convolutional networks (see cnn.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "tiles.h"

// zero_border clears the border cells of a [c × hp × wp × nb] buffer: a
// buffer is reused by layers of other shapes, so its border holds stale
// values until cleared.
static void zero_border(float *a, int c, int h, int w, int bd, int nb) {
  if (bd == 0) {
    return;
  }
  int hp = h + 2 * bd, wp = w + 2 * bd;
  for (int ch = 0; ch < c; ch++) {
    float *p = a + (int64_t)ch * hp * wp * nb;
    memset(p, 0, sizeof(float) * bd * wp * nb);
    memset(p + (int64_t)(hp - bd) * wp * nb, 0, sizeof(float) * bd * wp * nb);
    for (int y = bd; y < hp - bd; y++) {
      memset(p + (int64_t)y * wp * nb, 0, sizeof(float) * bd * nb);
      memset(p + ((int64_t)y * wp + wp - bd) * nb, 0, sizeof(float) * bd * nb);
    }
  }
}

static void conv(int simd, int nb, const cnn_op *o, const float *src,
                 float *dst, const float *res, int relu, const float *A,
                 const float *bias, const int64_t *off) {
  int swp = o->in_w + 2 * o->in_border;
  int dwp = o->out_w + 2 * o->out_border;
  int ldc = (o->out_h + 2 * o->out_border) * dwp * nb;
  int pan = panels(o->out_c), tiles = nb / NR, k = o->k;
  for (int oy = 0; oy < o->out_h; oy++) {
    int iy = oy * o->stride - o->pad + o->in_border;
    for (int ox = 0; ox < o->out_w; ox++) {
      int ix = ox * o->stride - o->pad + o->in_border;
      const float *at = src + ((int64_t)iy * swp + ix) * nb;
      int64_t q = ((int64_t)(oy + o->out_border) * dwp + ox + o->out_border) * nb;
      for (int r = 0; r < pan; r++) {
        tile_fn tile = tile_pick(simd, o->out_c - r * MR);
        int64_t at_r = q + (int64_t)r * MR * ldc;
        for (int t = 0; t < tiles; t++) {
          tile(k, A + (int64_t)r * MR * k, at + t * NR, off, bias + r * MR,
               dst + at_r + t * NR, ldc, relu,
               res ? res + at_r + t * NR : NULL);
        }
      }
    }
  }
  zero_border(dst, o->out_c, o->out_h, o->out_w, o->out_border, nb);
}

// pool max-pools; its input follows a ReLU, so the zero border stands in
// for PyTorch's -inf padding (a window's maximum is >= 0 either way).
static void pool(int nb, const cnn_op *o, const float *src, float *dst) {
  int shp = o->in_h + 2 * o->in_border, swp = o->in_w + 2 * o->in_border;
  int dhp = o->out_h + 2 * o->out_border, dwp = o->out_w + 2 * o->out_border;
  for (int c = 0; c < o->out_c; c++) {
    const float *s = src + (int64_t)c * shp * swp * nb;
    for (int oy = 0; oy < o->out_h; oy++) {
      for (int ox = 0; ox < o->out_w; ox++) {
        float *d = dst + (((int64_t)c * dhp + oy + o->out_border) * dwp + ox +
                          o->out_border) * nb;
        int y0 = oy * o->stride - o->pad + o->in_border;
        int x0 = ox * o->stride - o->pad + o->in_border;
        for (int j = 0; j < nb; j++) {
          d[j] = 0;
        }
        for (int ky = 0; ky < o->kh; ky++) {
          for (int kx = 0; kx < o->kw; kx++) {
            const float *v = s + ((int64_t)(y0 + ky) * swp + x0 + kx) * nb;
            for (int j = 0; j < nb; j++) {
              d[j] = v[j] > d[j] ? v[j] : d[j];
            }
          }
        }
      }
    }
  }
  zero_border(dst, o->out_c, o->out_h, o->out_w, o->out_border, nb);
}

// gap averages every channel over its positions.
static void gap(int nb, const cnn_op *o, const float *src, float *dst) {
  int shp = o->in_h + 2 * o->in_border, swp = o->in_w + 2 * o->in_border;
  int dp = 1 + 2 * o->out_border;
  float inv = 1.0f / (float)(o->in_h * o->in_w);
  for (int c = 0; c < o->out_c; c++) {
    const float *s = src + (int64_t)c * shp * swp * nb;
    float *d = dst + (((int64_t)c * dp + o->out_border) * dp + o->out_border) * nb;
    for (int j = 0; j < nb; j++) {
      d[j] = 0;
    }
    for (int y = 0; y < o->in_h; y++) {
      for (int x = 0; x < o->in_w; x++) {
        const float *v = s + ((int64_t)(y + o->in_border) * swp + x + o->in_border) * nb;
        for (int j = 0; j < nb; j++) {
          d[j] += v[j];
        }
      }
    }
    for (int j = 0; j < nb; j++) {
      d[j] *= inv;
    }
  }
  zero_border(dst, o->out_c, 1, 1, o->out_border, nb);
}

static float *buffers(const cnn_net *net) {
  float *buf = aligned_alloc(64, sizeof(float) * net->buffers * net->buffer);
  if (buf) {
    memset(buf, 0, sizeof(float) * net->buffers * net->buffer);
  }
  return buf;
}

// step runs op o of a program on one block: src, dst and res are its
// buffers (res NULL: none), relu as given.
static int step(const cnn_net *net, const cnn_op *o, const float *src,
                float *dst, const float *res, int relu, const float *w,
                const float *b, const int64_t *off) {
  switch (o->kind) {
  case CNN_CONV:
    conv(net->simd, net->nb, o, src, dst, res, relu, w + o->woff, b + o->boff,
         off + o->ioff);
    return ENGINE_OK;
  case CNN_POOL:
    pool(net->nb, o, src, dst);
    return ENGINE_OK;
  case CNN_GAP:
    gap(net->nb, o, src, dst);
    return ENGINE_OK;
  }
  return ENGINE_EOP;
}

static int bad_op(const cnn_net *net, const cnn_op *o) {
  return o->dst < 0 || o->dst >= net->buffers || o->src >= net->buffers ||
         o->dst == o->src || o->dst == o->res || o->res >= net->buffers;
}

int cnn_eval(const cnn_net *net, const cnn_op *ops, const float *w,
             const float *b, const int64_t *off, int p0, int p1, int b0,
             int b1, double *loss, int32_t *correct) {
  int nb = net->nb;
  if (nb % NR != 0 || net->ops < 1 || net->buffers < 1) {
    return ENGINE_ESHAPE;
  }
  float *buf = buffers(net);
  if (!buf) {
    return ENGINE_ENOMEM;
  }
  int rc = ENGINE_OK;
  for (int p = p0; p < p1 && rc == ENGINE_OK; p++) {
    const cnn_op *prog = ops + (int64_t)p * net->ops;
    const cnn_op *o = prog + net->ops - 1;
    const float *dst = buf + (int64_t)o->dst * net->buffer;
    loss[p - p0] = 0;
    correct[p - p0] = 0;
    for (int blk = b0; blk < b1 && rc == ENGINE_OK; blk++) {
      const float *in = net->x + (int64_t)blk * net->block;
      for (int i = 0; i < net->ops && rc == ENGINE_OK; i++) {
        const cnn_op *q = prog + i;
        if (bad_op(net, q)) {
          rc = ENGINE_EOP;
          break;
        }
        rc = step(net, q, q->src < 0 ? in : buf + (int64_t)q->src * net->buffer,
                  buf + (int64_t)q->dst * net->buffer,
                  q->res < 0 ? NULL : buf + (int64_t)q->res * net->buffer,
                  q->relu, w, b, off);
      }
      if (rc != ENGINE_OK) {
        break;
      }
      int n0 = blk * nb, cols = net->n - n0 < nb ? net->n - n0 : nb;
      tile_score(net->simd, dst, o->out_c, nb, cols, net->y + n0,
                 &loss[p - p0], &correct[p - p0]);
      for (int j = 0; net->pred && j < cols; j++) {
        int best = 0;
        for (int r = 1; r < o->out_c; r++) {
          best = dst[(int64_t)r * nb + j] > dst[(int64_t)best * nb + j] ? r : best;
        }
        net->pred[n0 + j] = best;
      }
    }
  }
  free(buf);
  return rc;
}

// lane_sum is the sum over a channel's interior cells and valid samples of
// (v - m), or of (v - m)² when squared: row sums in float lanes (they
// vectorise), rows added in double.
static double lane_sum(float **dst, int S, const int32_t *valid, int64_t ch,
                       int bd, int hp, int wp, int nb, float m, int squared) {
  double sum = 0;
  for (int s = 0; s < S; s++) {
    for (int y = bd; y < hp - bd; y++) {
      float acc[NR] = {0};
      for (int x = bd; x < wp - bd; x++) {
        const float *v = dst[s] + ch + ((int64_t)y * wp + x) * nb;
        if (squared) { // two loops: each vectorises without a branch
          for (int j = 0; j < nb; j++) {
            float d = j < valid[s] ? v[j] - m : 0;
            acc[j % NR] += d * d;
          }
        } else {
          for (int j = 0; j < nb; j++) {
            acc[j % NR] += j < valid[s] ? v[j] - m : 0;
          }
        }
      }
      for (int j = 0; j < NR; j++) {
        sum += acc[j];
      }
    }
  }
  return sum;
}

// bn_train is batch norm in training mode on a conv's output held in
// sub-blocks dst[0..S-1] (sub-block s: its first valid[s] samples count):
// each channel normalised with the batch's mean and biased variance,
// scaled and shifted, then the residual (res[s], if any) added and ReLU
// applied as the op asks. stats gets each channel's mean and the unbiased
// variance, what batch norm's running statistics take.
static void bn_train(int nb, int S, const int32_t *valid, double eps,
                     const cnn_op *o, float **dst, const float **res,
                     const float *gamma, const float *beta, double *stats) {
  int bd = o->out_border, hp = o->out_h + 2 * bd, wp = o->out_w + 2 * bd;
  double cnt = 0;
  for (int s = 0; s < S; s++) {
    cnt += (double)valid[s] * o->out_h * o->out_w;
  }
  for (int c = 0; c < o->out_c; c++) {
    int64_t ch = (int64_t)c * hp * wp * nb;
    double mean = lane_sum(dst, S, valid, ch, bd, hp, wp, nb, 0, 0) / cnt;
    double sq = lane_sum(dst, S, valid, ch, bd, hp, wp, nb, (float)mean, 1);
    stats[c] = mean;
    stats[o->out_c + c] = cnt > 1 ? sq / (cnt - 1) : sq;
    double scale = gamma[c] / sqrt(sq / cnt + eps);
    float sc = (float)scale, sh = (float)(beta[c] - mean * scale);
    for (int s = 0; s < S; s++) {
      float *p = dst[s] + ch;
      const float *r = res[s] ? res[s] + ch : NULL;
      for (int y = bd; y < hp - bd; y++) {
        for (int x = bd; x < wp - bd; x++) {
          int64_t at = ((int64_t)y * wp + x) * nb;
          for (int j = 0; j < nb; j++) {
            float v = p[at + j] * sc + sh;
            if (r) {
              v += r[at + j];
            }
            p[at + j] = o->relu && v < 0 ? 0 : v;
          }
        }
      }
    }
  }
}

// CALIB_MAX_SUB bounds the blocks of one calibration batch (16 · 64 samples).
#define CALIB_MAX_SUB 64

int cnn_calibrate(const cnn_net *net, const cnn_op *ops, const float *w,
                  const float *b, const int64_t *off, const float *g,
                  const int32_t *first, const int32_t *count, double eps,
                  int64_t slen, int b0, int b1, float *buf, int64_t buf_len,
                  double *stats) {
  int nb = net->nb;
  if (nb % NR != 0 || net->ops < 1 || net->buffers < 1) {
    return ENGINE_ESHAPE;
  }
  int most = 1;
  for (int bi = b0; bi < b1; bi++) {
    int S = (count[bi] + nb - 1) / nb;
    if (S > CALIB_MAX_SUB) {
      return ENGINE_ESHAPE;
    }
    most = S > most ? S : most;
  }
  int64_t set = (int64_t)net->buffers * net->buffer;
  if (set * most > buf_len) {
    return ENGINE_ESHAPE;
  }
  memset(buf, 0, sizeof(float) * set * most);
  int rc = ENGINE_OK;
  float *dst[CALIB_MAX_SUB];
  const float *res[CALIB_MAX_SUB];
  int32_t valid[CALIB_MAX_SUB];
  // Op by op over the batch's blocks: batch norm needs the whole batch.
  for (int bi = b0; bi < b1 && rc == ENGINE_OK; bi++) {
    int S = (count[bi] + nb - 1) / nb;
    for (int s = 0; s < S; s++) {
      valid[s] = count[bi] - s * nb < nb ? count[bi] - s * nb : nb;
    }
    for (int i = 0; i < net->ops && rc == ENGINE_OK; i++) {
      const cnn_op *o = ops + i;
      if (bad_op(net, o)) {
        rc = ENGINE_EOP;
        break;
      }
      int train = o->kind == CNN_CONV && o->bn;
      for (int s = 0; s < S && rc == ENGINE_OK; s++) {
        float *bs = buf + set * s;
        const float *src = o->src < 0
                               ? net->x + (int64_t)(first[bi] + s) * net->block
                               : bs + (int64_t)o->src * net->buffer;
        dst[s] = bs + (int64_t)o->dst * net->buffer;
        res[s] = o->res < 0 ? NULL : bs + (int64_t)o->res * net->buffer;
        rc = step(net, o, src, dst[s], train ? NULL : res[s],
                  train ? 0 : o->relu, w, b, off);
      }
      if (rc == ENGINE_OK && train) {
        bn_train(nb, S, valid, eps, o, dst, res, g + o->goff,
                 g + o->goff + o->out_c, stats + (int64_t)bi * slen + o->soff);
      }
    }
  }
  return rc;
}

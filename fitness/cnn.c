// The CPU fitness engine for convolutional networks (see cnn.h).
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
                 float *dst, const float *res, const float *A,
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
               dst + at_r + t * NR, ldc, o->relu,
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

int cnn_eval(const cnn_net *net, const cnn_op *ops, const float *w,
             const float *b, const int64_t *off, int p0, int p1, int b0,
             int b1, double *loss, int32_t *correct) {
  int nb = net->nb;
  if (nb % NR != 0 || net->ops < 1 || net->buffers < 1) {
    return ENGINE_ESHAPE;
  }
  float *buf = aligned_alloc(64, sizeof(float) * net->buffers * net->buffer);
  if (!buf) {
    return ENGINE_ENOMEM;
  }
  memset(buf, 0, sizeof(float) * net->buffers * net->buffer);
  int rc = ENGINE_OK;
  for (int p = p0; p < p1 && rc == ENGINE_OK; p++) {
    const cnn_op *prog = ops + (int64_t)p * net->ops;
    loss[p - p0] = 0;
    correct[p - p0] = 0;
    for (int blk = b0; blk < b1 && rc == ENGINE_OK; blk++) {
      const float *in = net->x + (int64_t)blk * net->block;
      for (int i = 0; i < net->ops; i++) {
        const cnn_op *o = prog + i;
        if (o->dst < 0 || o->dst >= net->buffers || o->src >= net->buffers ||
            o->dst == o->src || o->dst == o->res || o->res >= net->buffers) {
          rc = ENGINE_EOP;
          break;
        }
        const float *src = o->src < 0 ? in : buf + (int64_t)o->src * net->buffer;
        float *dst = buf + (int64_t)o->dst * net->buffer;
        const float *res = o->res < 0 ? NULL : buf + (int64_t)o->res * net->buffer;
        switch (o->kind) {
        case CNN_CONV:
          conv(net->simd, nb, o, src, dst, res, w + o->woff, b + o->boff,
               off + o->ioff);
          break;
        case CNN_POOL:
          pool(nb, o, src, dst);
          break;
        case CNN_GAP:
          gap(nb, o, src, dst);
          break;
        default:
          rc = ENGINE_EOP;
        }
        if (rc == ENGINE_OK && i == net->ops - 1) {
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
    }
  }
  free(buf);
  return rc;
}

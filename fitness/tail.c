// The CPU fitness engines. tail_eval: each individual's rebuilt layers
// (linear, or convolution as products over output positions) run as small
// dense products whose input rows are read through the individual's list of
// kept-unit taps, so nothing is gathered and nothing is multiplied by zero.
// sparse_eval: weight masks, only the kept weights of each row. Both take
// samples in blocks that stay in cache through every layer, ending in the
// loss and accuracy of the block.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tail.h"
#include "tiles.h"

#define NB 64 // columns per block of the sparse rows

#ifdef TAIL_X86
#include <immintrin.h>

// row_avx2 computes out[0:64] = bias + Σ val[i] · B[col[i]][0:64], the row
// of a sparse layer, where B's row c starts at base + c·ld.
__attribute__((target("avx2,fma"))) static void
row_avx2(int nnz, const int32_t *col, const float *val, const float *base,
         int64_t ld, float bias, float *out, int relu) {
  __m256 c0 = _mm256_set1_ps(bias), c1 = c0, c2 = c0, c3 = c0, c4 = c0,
         c5 = c0, c6 = c0, c7 = c0;
  for (int i = 0; i < nnz; i++) {
    const float *b = base + col[i] * ld;
    __m256 w = _mm256_broadcast_ss(val + i);
    c0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b), c0);
    c1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 8), c1);
    c2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 16), c2);
    c3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 24), c3);
    c4 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 32), c4);
    c5 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 40), c5);
    c6 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 48), c6);
    c7 = _mm256_fmadd_ps(w, _mm256_loadu_ps(b + 56), c7);
  }
  if (relu) {
    __m256 z = _mm256_setzero_ps();
    c0 = _mm256_max_ps(c0, z), c1 = _mm256_max_ps(c1, z);
    c2 = _mm256_max_ps(c2, z), c3 = _mm256_max_ps(c3, z);
    c4 = _mm256_max_ps(c4, z), c5 = _mm256_max_ps(c5, z);
    c6 = _mm256_max_ps(c6, z), c7 = _mm256_max_ps(c7, z);
  }
  _mm256_storeu_ps(out, c0), _mm256_storeu_ps(out + 8, c1);
  _mm256_storeu_ps(out + 16, c2), _mm256_storeu_ps(out + 24, c3);
  _mm256_storeu_ps(out + 32, c4), _mm256_storeu_ps(out + 40, c5);
  _mm256_storeu_ps(out + 48, c6), _mm256_storeu_ps(out + 56, c7);
}
#endif

// pool2d max-pools rows of [P = h × w positions × nb] by win × win windows
// (stride win) in place: row r's pooled position q lands at r·P' + q.
static void pool2d(float *a, int rows, int h, int w, int win, int nb) {
  int ph = h / win, pw = w / win;
  for (int r = 0; r < rows; r++) {
    for (int py = 0; py < ph; py++) {
      for (int px = 0; px < pw; px++) {
        float *dst = a + ((int64_t)r * ph * pw + py * pw + px) * nb;
        const float *src = a + ((int64_t)r * h * w + py * win * w + px * win) * nb;
        for (int j = 0; j < nb; j++) {
          float m = src[j];
          for (int dy = 0; dy < win; dy++) {
            for (int dx = 0; dx < win; dx++) {
              float v = src[((int64_t)dy * w + dx) * nb + j];
              m = v > m ? v : m;
            }
          }
          dst[j] = m;
        }
      }
    }
  }
}

int tail_eval(int simd, int layers, const tail_layer *layer, int nb, int n,
              int ldx, const float *x, const int32_t *y, const int32_t *rows,
              const int32_t *ks, const int64_t *woff, const int64_t *boff,
              const int64_t *ioff, const float *w, const float *b,
              const int32_t *idx, int p0, int p1, int s0, int s1,
              double *loss, int32_t *correct) {
  if (nb <= 0 || nb % NR != 0) {
    return ENGINE_ESHAPE;
  }
  int64_t act = 0, taps = 0;
  for (int p = p0; p < p1; p++) {
    int64_t t = 0;
    for (int l = 0; l < layers; l++) {
      int i = p * layers + l;
      int64_t a = (int64_t)panels(rows[i]) * MR * layer[l].positions * nb;
      act = a > act ? a : act;
      t += ks[i];
    }
    taps = t > taps ? t : taps;
  }
  n = s1 < n ? s1 : n;
  // Aligned: every tile row starts a cache line (nb is a multiple of 16).
  float *buf = aligned_alloc(64, sizeof(float) * 2 * act);
  int64_t *off = malloc(sizeof(int64_t) * (taps + 1));
  if (!buf || !off) {
    free(buf);
    free(off);
    return ENGINE_ENOMEM;
  }
  for (int p = p0; p < p1; p++) {
    // Input-row offsets of every layer's taps, in floats.
    for (int l = 0, k0 = 0; l < layers; l++) {
      int i = p * layers + l;
      for (int k = 0; k < ks[i]; k++) {
        off[k0 + k] = (int64_t)idx[ioff[i] + k] * (l == 0 ? ldx : nb);
      }
      k0 += ks[i];
    }
    loss[p - p0] = 0;
    correct[p - p0] = 0;
    for (int n0 = s0; n0 < n; n0 += nb) {
      int cols = n - n0 < nb ? n - n0 : nb;
      int tiles = (cols + NR - 1) / NR;
      float *src = NULL, *dst = buf;
      int k0 = 0;
      for (int l = 0; l < layers; l++) {
        const tail_layer *d = layer + l;
        int P = d->positions, inW = d->in_w, outW = d->out_w, win = d->pool, relu = d->relu;
        int i = p * layers + l, last = l == layers - 1;
        const float *A = w + woff[i], *bias = b + boff[i];
        const float *base = l == 0 ? x + n0 : src;
        int64_t ld = l == 0 ? ldx : nb;
        for (int q = 0; q < P; q++) {
          // Position q reads the taps shifted by its offset in the input.
          const float *at = base + ((int64_t)(q / outW) * inW + q % outW) * ld;
          for (int t = 0; t < tiles; t++) {
            for (int r = 0; r < panels(rows[i]); r++) {
              tile_fn tile = tile_pick(simd, rows[i] - r * MR);
              tile(ks[i], A + (int64_t)r * MR * ks[i], at + t * NR, off + k0,
                   bias + r * MR, dst + ((int64_t)r * MR * P + q) * nb + t * NR,
                   P * nb, relu, NULL);
            }
          }
        }
        if (win > 1) {
          pool2d(dst, rows[i], P / outW, outW, win, nb);
        }
        if (last) {
          tile_score(simd, dst, rows[i], nb, cols, y + n0, &loss[p - p0],
                &correct[p - p0]);
        }
        k0 += ks[i];
        src = dst;
        dst = dst == buf ? buf + act : buf;
      }
    }
  }
  free(buf);
  free(off);
  return ENGINE_OK;
}

// row_generic is row_avx2 for any CPU.
static void row_generic(int nnz, const int32_t *col, const float *val,
                        const float *base, int64_t ld, float bias, float *out,
                        int relu) {
  float c[NB];
  for (int j = 0; j < NB; j++) {
    c[j] = bias;
  }
  for (int i = 0; i < nnz; i++) {
    const float *b = base + col[i] * ld;
    for (int j = 0; j < NB; j++) {
      c[j] += val[i] * b[j];
    }
  }
  for (int j = 0; j < NB; j++) {
    out[j] = relu && c[j] < 0 ? 0 : c[j];
  }
}

int sparse_eval(int simd, int layers, const sparse_layer *layer, int n,
                int ldx, const float *x, const int32_t *y, const float *b,
                const sparse_part *part, const int32_t *rowptr,
                const int32_t *cols, const float *vals, int p0, int p1,
                double *loss, int32_t *correct) {
  void (*row)(int, const int32_t *, const float *, const float *, int64_t,
              float, float *, int) = row_generic;
#ifdef TAIL_X86
  if (simd) {
    row = row_avx2;
  }
#endif
  int maxrows = 0;
  for (int l = 0; l < layers; l++) {
    maxrows = layer[l].rows > maxrows ? layer[l].rows : maxrows;
  }
  int64_t act = (int64_t)maxrows * NB;
  float *buf = aligned_alloc(64, sizeof(float) * 2 * act);
  if (!buf) {
    return ENGINE_ENOMEM;
  }
  for (int p = p0; p < p1; p++) {
    loss[p - p0] = 0;
    correct[p - p0] = 0;
    for (int n0 = 0; n0 < n; n0 += NB) {
      int cols_ = n - n0 < NB ? n - n0 : NB;
      float *src = NULL, *dst = buf;
      for (int l = 0; l < layers; l++) {
        int i = p * layers + l, last = l == layers - 1;
        const int32_t *rp = rowptr + part[i].rowptr;
        const int32_t *c = cols + part[i].nz;
        const float *v = vals + part[i].nz;
        const float *base = l == 0 ? x + n0 : src;
        int64_t ld = l == 0 ? ldx : NB;
        for (int r = 0; r < layer[l].rows; r++) {
          row(rp[r + 1] - rp[r], c + rp[r], v + rp[r], base, ld,
              b[layer[l].boff + r], dst + (int64_t)r * NB, !last);
        }
        if (last) {
          tile_score(simd, dst, layer[l].rows, NB, cols_, y + n0, &loss[p - p0],
                &correct[p - p0]);
        }
        src = dst;
        dst = dst == buf ? buf + act : buf;
      }
    }
  }
  free(buf);
  return ENGINE_OK;
}

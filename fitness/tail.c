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

// TAIL_PORTABLE builds only the portable C (what non-x86 CPUs get).
#if defined(__x86_64__) && !defined(TAIL_PORTABLE)
#define TAIL_X86 1
#endif

#define MR 6  // rows per tile: 12 accumulators + 2 loads + 1 broadcast
#define NR 16 // columns per tile: two AVX registers
#define NB 64 // columns per block of the sparse rows

int tail_simd(void) {
#ifdef TAIL_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

typedef void (*tile_fn)(int, const float *, const float *, const int64_t *,
                        const float *, float *, int, int);

#ifdef TAIL_X86
#include <immintrin.h>

#define MRX 1
#include "tail_tile.h"
#undef MRX
#define MRX 2
#include "tail_tile.h"
#undef MRX
#define MRX 3
#include "tail_tile.h"
#undef MRX
#define MRX 4
#include "tail_tile.h"
#undef MRX
#define MRX 5
#include "tail_tile.h"
#undef MRX
#define MRX 6
#include "tail_tile.h"
#undef MRX

// tiles_avx2[m] handles m rows; panels of fewer than 6 rows (the last of
// a layer) skip the padding instead of multiplying it.
static const tile_fn tiles_avx2[MR + 1] = {
    NULL,          tile_avx2_1, tile_avx2_2, tile_avx2_3,
    tile_avx2_4,   tile_avx2_5, tile_avx2_6};

// exp_avx2 is expf for 8 lanes (Cephes' polynomial, relative error ~2e-7).
__attribute__((target("avx2,fma"))) static inline __m256 exp_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)),
                    _mm256_set1_ps(88.3f));
  __m256 fx = _mm256_round_ps(
      _mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1)));
  __m256i e = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// score_avx2 is score for 8 columns at a time; it returns how many it did.
__attribute__((target("avx2,fma"))) static int
score_avx2(const float *z, int classes, int ld, int cols, const int32_t *y,
           double *loss, int32_t *correct) {
  int j = 0;
  for (; j + 8 <= cols; j += 8) {
    __m256 m = _mm256_loadu_ps(z + j);
    for (int r = 1; r < classes; r++) {
      m = _mm256_max_ps(m, _mm256_loadu_ps(z + (int64_t)r * ld + j));
    }
    __m256 s = _mm256_setzero_ps();
    for (int r = 0; r < classes; r++) {
      __m256 v = _mm256_sub_ps(_mm256_loadu_ps(z + (int64_t)r * ld + j), m);
      s = _mm256_add_ps(s, exp_avx2(v));
    }
    float ms[8], ss[8];
    _mm256_storeu_ps(ms, m);
    _mm256_storeu_ps(ss, s);
    for (int i = 0; i < 8; i++) {
      float t = z[(int64_t)y[j + i] * ld + j + i];
      *loss += (double)ms[i] + log((double)ss[i]) - (double)t;
      *correct += t >= ms[i];
    }
  }
  return j;
}

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

// tile_generic is tile_avx2_6 for any CPU.
static void tile_generic(int K, const float *A, const float *base,
                         const int64_t *off, const float *bias, float *C,
                         int ldc, int relu) {
  float c[MR][NR];
  for (int r = 0; r < MR; r++) {
    for (int j = 0; j < NR; j++) {
      c[r][j] = bias[r];
    }
  }
  for (int k = 0; k < K; k++) {
    const float *b = base + off[k];
    const float *a = A + (int64_t)k * MR;
    for (int r = 0; r < MR; r++) {
      for (int j = 0; j < NR; j++) {
        c[r][j] += a[r] * b[j];
      }
    }
  }
  for (int r = 0; r < MR; r++) {
    for (int j = 0; j < NR; j++) {
      float v = c[r][j];
      C[(int64_t)r * ldc + j] = relu && v < 0 ? 0 : v;
    }
  }
}

static inline int panels(int rows) { return (rows + MR - 1) / MR; }

// score adds the cross-entropy and correct predictions of logits
// [classes × ld] (columns 0..cols-1) with labels y.
static void score(int simd, const float *z, int classes, int ld, int cols,
                  const int32_t *y, double *loss, int32_t *correct) {
  int j = 0;
#ifdef TAIL_X86
  if (simd) {
    j = score_avx2(z, classes, ld, cols, y, loss, correct);
  }
#endif
  for (; j < cols; j++) {
    float m = z[j];
    for (int r = 1; r < classes; r++) {
      m = fmaxf(m, z[(int64_t)r * ld + j]);
    }
    double s = 0;
    for (int r = 0; r < classes; r++) {
      s += exp((double)(z[(int64_t)r * ld + j] - m));
    }
    float t = z[(int64_t)y[j] * ld + j];
    *loss += (double)m + log(s) - (double)t;
    *correct += t >= m;
  }
}

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

int tail_eval(int simd, int layers, const int32_t *desc, int nb, int n,
              int ldx, const float *x, const int32_t *y, const int32_t *rows,
              const int32_t *ks, const int64_t *woff, const int64_t *boff,
              const int64_t *ioff, const float *w, const float *b,
              const int32_t *idx, int p0, int p1, int s0, int s1,
              double *loss, int32_t *correct) {
  int64_t act = 0, taps = 0;
  for (int p = p0; p < p1; p++) {
    int64_t t = 0;
    for (int l = 0; l < layers; l++) {
      int i = p * layers + l;
      int64_t a = (int64_t)panels(rows[i]) * MR * desc[l * 6] * nb;
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
    return -1;
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
        const int32_t *d = desc + l * 6;
        int P = d[0], inW = d[1], outW = d[2], win = d[3], relu = d[4];
        int i = p * layers + l, last = l == layers - 1;
        const float *A = w + woff[i], *bias = b + boff[i];
        const float *base = l == 0 ? x + n0 : src;
        int64_t ld = l == 0 ? ldx : nb;
        for (int q = 0; q < P; q++) {
          // Position q reads the taps shifted by its offset in the input.
          const float *at = base + ((int64_t)(q / outW) * inW + q % outW) * ld;
          for (int t = 0; t < tiles; t++) {
            for (int r = 0; r < panels(rows[i]); r++) {
              tile_fn tile = tile_generic;
#ifdef TAIL_X86
              if (simd) {
                int m = rows[i] - r * MR;
                tile = tiles_avx2[m < MR ? m : MR];
              }
#endif
              tile(ks[i], A + (int64_t)r * MR * ks[i], at + t * NR, off + k0,
                   bias + r * MR, dst + ((int64_t)r * MR * P + q) * nb + t * NR,
                   P * nb, relu);
            }
          }
        }
        if (win > 1) {
          pool2d(dst, rows[i], P / outW, outW, win, nb);
        }
        if (last) {
          score(simd, dst, rows[i], nb, cols, y + n0, &loss[p - p0],
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
  return 0;
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

int sparse_eval(int simd, int layers, int n, int ldx, const float *x,
                const int32_t *y, const int32_t *outs, const float *b,
                const int64_t *boff, const int64_t *rpoff,
                const int32_t *rowptr, const int64_t *nzoff,
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
    maxrows = outs[l] > maxrows ? outs[l] : maxrows;
  }
  int64_t act = (int64_t)maxrows * NB;
  float *buf = aligned_alloc(64, sizeof(float) * 2 * act);
  if (!buf) {
    return -1;
  }
  for (int p = p0; p < p1; p++) {
    loss[p - p0] = 0;
    correct[p - p0] = 0;
    for (int n0 = 0; n0 < n; n0 += NB) {
      int cols_ = n - n0 < NB ? n - n0 : NB;
      float *src = NULL, *dst = buf;
      for (int l = 0; l < layers; l++) {
        int i = p * layers + l, last = l == layers - 1;
        const int32_t *rp = rowptr + rpoff[i];
        const int32_t *c = cols + nzoff[i];
        const float *v = vals + nzoff[i];
        const float *base = l == 0 ? x + n0 : src;
        int64_t ld = l == 0 ? ldx : NB;
        for (int r = 0; r < outs[l]; r++) {
          row(rp[r + 1] - rp[r], c + rp[r], v + rp[r], base, ld,
              b[boff[l] + r], dst + (int64_t)r * NB, !last);
        }
        if (last) {
          score(simd, dst, outs[l], NB, cols_, y + n0, &loss[p - p0],
                &correct[p - p0]);
        }
        src = dst;
        dst = dst == buf ? buf + act : buf;
      }
    }
  }
  free(buf);
  return 0;
}

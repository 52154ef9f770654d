// The register tiles of the CPU fitness engines and their loss/accuracy
// epilogue: AVX2/FMA where the CPU has it, portable C everywhere.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tail.h"
#include "tiles.h"

int tail_simd(void) {
#ifdef TAIL_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

#ifdef TAIL_X86
#include <immintrin.h>

#define MRX 1
#include "tile_kernel.h"
#undef MRX
#define MRX 2
#include "tile_kernel.h"
#undef MRX
#define MRX 3
#include "tile_kernel.h"
#undef MRX
#define MRX 4
#include "tile_kernel.h"
#undef MRX
#define MRX 5
#include "tile_kernel.h"
#undef MRX
#define MRX 6
#include "tile_kernel.h"
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

#endif

// tile_generic is the tiles' portable C; it writes only the real rows.
#define TILE_GENERIC(M)                                                        \
  static void tile_generic_##M(int K, const float *A, const float *base,      \
                               const int64_t *off, const float *bias,         \
                               float *C, int ldc, int relu, const float *res) {\
    float c[MR][NR];                                                           \
    for (int r = 0; r < M; r++) {                                              \
      for (int j = 0; j < NR; j++) {                                           \
        c[r][j] = bias[r];                                                     \
      }                                                                        \
    }                                                                          \
    for (int k = 0; k < K; k++) {                                              \
      const float *b = base + off[k];                                          \
      const float *a = A + (int64_t)k * MR;                                    \
      for (int r = 0; r < M; r++) {                                            \
        for (int j = 0; j < NR; j++) {                                         \
          c[r][j] += a[r] * b[j];                                              \
        }                                                                      \
      }                                                                        \
    }                                                                          \
    for (int r = 0; r < M; r++) {                                              \
      for (int j = 0; j < NR; j++) {                                           \
        float v = c[r][j] + (res ? res[(int64_t)r * ldc + j] : 0);             \
        C[(int64_t)r * ldc + j] = relu && v < 0 ? 0 : v;                       \
      }                                                                        \
    }                                                                          \
  }
TILE_GENERIC(1)
TILE_GENERIC(2)
TILE_GENERIC(3)
TILE_GENERIC(4)
TILE_GENERIC(5)
TILE_GENERIC(6)

static const tile_fn tiles_generic[MR + 1] = {
    NULL,             tile_generic_1, tile_generic_2, tile_generic_3,
    tile_generic_4,   tile_generic_5, tile_generic_6};

tile_fn tile_pick(int simd, int rows) {
  rows = rows < MR ? rows : MR;
#ifdef TAIL_X86
  if (simd) {
    return tiles_avx2[rows];
  }
#endif
  return tiles_generic[rows];
}

void tile_score(int simd, const float *z, int classes, int ld, int cols,
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

// A tile kernel for MRX (1..6) rows, included by tiles.c once per row count:
// C[0:MRX, 0:16] = bias + A · B (+ res), where A is a packed [K × 6] panel and B's
// row k starts at base + off[k]. The accumulators are named variables:
// gcc spills an array of them on every iteration.
#define TILE_CAT_(a, b) a##b
#define TILE_CAT(a, b) TILE_CAT_(a, b)
#if MRX > 5
#define TILE_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#elif MRX > 4
#define TILE_ROWS(X) X(0) X(1) X(2) X(3) X(4)
#elif MRX > 3
#define TILE_ROWS(X) X(0) X(1) X(2) X(3)
#elif MRX > 2
#define TILE_ROWS(X) X(0) X(1) X(2)
#elif MRX > 1
#define TILE_ROWS(X) X(0) X(1)
#else
#define TILE_ROWS(X) X(0)
#endif

__attribute__((target("avx2,fma"))) static void
TILE_CAT(tile_avx2_, MRX)(int K, const float *A, const float *base,
                          const int64_t *off, const float *bias, float *C,
                          int ldc, int relu, const float *res) {
#define INIT(r) __m256 c##r##0 = _mm256_broadcast_ss(bias + r), c##r##1 = c##r##0;
  TILE_ROWS(INIT)
#undef INIT
  for (int k = 0; k < K; k++) {
    const float *b = base + off[k], *a = A + (int64_t)k * MR;
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), ar;
#define ROW(r)                                                                 \
  ar = _mm256_broadcast_ss(a + r);                                             \
  c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);                                  \
  c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);
    TILE_ROWS(ROW)
#undef ROW
  }
  __m256 z = _mm256_setzero_ps();
#define STORE(r)                                                               \
  if (res) {                                                                   \
    c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(res + (int64_t)r * ldc));  \
    c##r##1 =                                                                  \
        _mm256_add_ps(c##r##1, _mm256_loadu_ps(res + (int64_t)r * ldc + 8));   \
  }                                                                            \
  if (relu) {                                                                  \
    c##r##0 = _mm256_max_ps(c##r##0, z);                                       \
    c##r##1 = _mm256_max_ps(c##r##1, z);                                       \
  }                                                                            \
  _mm256_storeu_ps(C + (int64_t)r * ldc, c##r##0);                             \
  _mm256_storeu_ps(C + (int64_t)r * ldc + 8, c##r##1);
  TILE_ROWS(STORE)
#undef STORE
}
#undef TILE_ROWS

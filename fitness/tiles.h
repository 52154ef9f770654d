// Register tiles shared by the CPU fitness engines (tail.c, cnn.c).
#include <stdint.h>

// TAIL_PORTABLE builds only the portable C (what non-x86 CPUs get).
#if defined(__x86_64__) && !defined(TAIL_PORTABLE)
#define TAIL_X86 1
#endif

#define MR 6  // rows per tile: 12 accumulators + 2 loads + 1 broadcast
#define NR 16 // columns per tile: two AVX registers

// A tile computes C[0:rows, 0:16] = bias + A · B (+ res, then ReLU when
// asked), where A is a packed [K × 6] panel, B's row k starts at
// base + off[k], and C's (and res's) rows are ldc floats apart. res may be
// NULL. Only the first `rows` rows of C are written.
typedef void (*tile_fn)(int K, const float *A, const float *base,
                        const int64_t *off, const float *bias, float *C,
                        int ldc, int relu, const float *res);

// tile_pick returns the tile for a panel of rows (1..6) real rows.
tile_fn tile_pick(int simd, int rows);

// tile_score adds the cross-entropy and correct predictions of logits
// [classes × ld] (columns 0..cols-1) with labels y.
void tile_score(int simd, const float *z, int classes, int ld, int cols,
                const int32_t *y, double *loss, int32_t *correct);

static inline int panels(int rows) { return (rows + MR - 1) / MR; }

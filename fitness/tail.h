#include <stdint.h>

#include "engine.h"

// tail_simd reports whether this CPU runs the AVX2/FMA tiles.
int tail_simd(void);

// tail_layer is what tail_eval needs to know of one layer.
typedef struct {
  int32_t positions; // output positions P (1 for a linear layer)
  int32_t in_w;      // input width (positions per input row)
  int32_t out_w;     // output width
  int32_t pool;      // max-pooling window; 0 or 1: none
  int32_t relu;      // 1: ReLU after the layer
} tail_layer;

// tail_eval scores individuals p0..p1-1 of a population on a sequence of
// layers that are matrix products over positions: linear layers (one
// position) and convolutions (stride 1, no padding), each followed by an
// optional ReLU and max-pooling; the last one gives the logits.
// Activations are sample-minor: row = (unit, y, x), samples along the row,
// processed nb (a multiple of 16) at a time. layer[l] describes layer l
// (tail_layer). Position q = (oy, ox) of layer l reads its taps shifted by
// oy·(input width) + ox rows.
// x: the first layer's input, [rows × ldx] (ldx ≥ n rounded up to 16,
// padding zero); y: labels [n]. Per individual p and layer l (entry
// i = p*layers+l): rows (outputs), ks (taps), woff/boff (offsets of its
// packed weights in w and bias in b), ioff (offset in idx of its taps' input
// rows). Weights are packed in panels of 6 rows, each [k × 6]; biases are
// padded to the panel. Writes the summed loss and correct predictions of
// individual p, over samples s0..s1-1 (s0 a multiple of nb), to loss[p-p0]
// and correct[p-p0]. Returns ENGINE_OK, ENGINE_ENOMEM, or ENGINE_ESHAPE
// for an nb that is not a positive multiple of 16.
int tail_eval(int simd, int layers, const tail_layer *layer, int nb, int n,
              int ldx, const float *x, const int32_t *y, const int32_t *rows,
              const int32_t *ks, const int64_t *woff, const int64_t *boff,
              const int64_t *ioff, const float *w, const float *b,
              const int32_t *idx, int p0, int p1, int s0, int s1,
              double *loss, int32_t *correct);

// sparse_layer is what sparse_eval needs to know of one layer.
typedef struct {
  int32_t rows; // outputs
  int32_t in;   // inputs
  int64_t boff; // offset of its bias in b
} sparse_layer;

// sparse_part locates one individual's layer (entry p*layers+l): its rows
// in rowptr, and its (column, value) pairs in cols / vals.
typedef struct {
  int64_t rowptr;
  int64_t nz;
} sparse_part;

// sparse_eval is tail_eval for weight masks (returns ENGINE_OK or
// ENGINE_ENOMEM): every layer is sparse, stored per individual and layer as
// rows of (column, value) pairs: row r's pairs are cols/vals[part.nz +
// rowptr[part.rowptr + r] ... rowptr[part.rowptr + r + 1]). b: biases of
// all layers. x: [inputs × ldx], ldx a multiple of 64.
int sparse_eval(int simd, int layers, const sparse_layer *layer, int n,
                int ldx, const float *x, const int32_t *y, const float *b,
                const sparse_part *part, const int32_t *rowptr,
                const int32_t *cols, const float *vals, int p0, int p1,
                double *loss, int32_t *correct);

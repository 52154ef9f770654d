#include <stdint.h>

#include "engine.h"

// cnn_eval runs whole convolutional networks (residual blocks included)
// for a population: every individual's network is a program of ops over
// activation buffers laid out [channels × (H+2b) × (W+2b) × nb], samples
// minor, with a zero border of b cells for the next layer's padding.
// Convolutions (batch norm folded in; linear layers are convolutions over
// their whole input) run as register tiles over output positions whose
// input rows are the individual's kept channels only.

enum { CNN_CONV = 0, CNN_POOL = 1, CNN_GAP = 2 };


// One op of an individual's program.
typedef struct {
  int32_t kind;               // CNN_*
  int32_t src, dst, res;      // buffers; src -1: the input block; res -1: none
  int32_t in_c, in_h, in_w;   // input channels (kept), height, width
  int32_t out_c, out_h, out_w;
  int32_t in_border, out_border;
  int32_t kh, kw, stride, pad; // conv and pool window
  int32_t relu;               // conv: ReLU after the (residual) sum
  int32_t k;                  // conv: taps (in_c · kh · kw)
  int32_t bn;                 // conv: batch norm follows (calibration only)
  int32_t pad_;
  int64_t woff, boff, ioff;   // conv: packed weights, biases, tap offsets
  int64_t goff, soff;         // calibration: gamma then beta; statistics
} cnn_op;

// What every individual shares.
typedef struct {
  int32_t ops;     // ops per individual; the last one gives the logits
  int32_t buffers; // activation buffers
  int32_t nb;      // samples per block, a multiple of 16
  int32_t n;       // samples
  int32_t simd;
  int32_t pad_;
  int64_t block;  // floats per input block
  int64_t buffer; // floats per activation buffer
  const float *x; // input blocks: [ceil(n/nb)][block], padding samples zero
  const int32_t *y;
  int32_t *pred; // if not NULL: each sample's predicted class (one individual)
} cnn_net;

// cnn_eval scores individuals p0..p1-1 (ops p*net->ops ...) on sample
// blocks b0..b1-1: loss[p-p0] and correct[p-p0] get the summed
// cross-entropy and correct predictions. w: packed weights (panels of 6
// rows, each [k × 6]); b: biases padded to the panel; off: every conv's
// tap offsets into its input buffer, in floats.
int cnn_eval(const cnn_net *net, const cnn_op *ops, const float *w,
             const float *b, const int64_t *off, int p0, int p1, int b0,
             int b1, double *loss, int32_t *correct);

// cnn_calibrate re-estimates batch-norm statistics for one individual
// (ops: its program, packed unfolded: convs followed by batch norm carry
// bn = 1, their gamma and beta at g + goff). Calibration batches b0..b1-1
// run in training mode; batch b is count[b] samples in the input blocks
// from first[b] (at most 64 blocks). stats + b·slen + soff gets each such
// conv's batch mean, then the unbiased batch variance, per kept channel.
// buf (buf_len floats) is scratch for a batch's activation buffers:
// buffers · buffer floats per block of the largest batch.
int cnn_calibrate(const cnn_net *net, const cnn_op *ops, const float *w,
                  const float *b, const int64_t *off, const float *g,
                  const int32_t *first, const int32_t *count, double eps,
                  int64_t slen, int b0, int b1, float *buf, int64_t buf_len,
                  double *stats);

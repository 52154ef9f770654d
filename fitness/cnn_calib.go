package fitness

// #include "cnn.h"
import "C"

import (
	"errors"
	"runtime"
	"sync"

	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// calibStats locates one batch norm's statistics in cnn_calibrate's output:
// n means from at, then n variances.
type calibStats struct {
	path  string
	at, n int
}

// calibrator is the engine's program on adaptive BN's calibration
// batches, each laid out in blocks of 16 like the validation samples, so
// that re-estimating a mask's statistics runs on the engine's tiles
// (cnn_calibrate) instead of a rebuilt network in libtorch. One mask at a
// time: the scratch buffers are shared between calls.
type calibrator struct {
	e            *cnn
	first, count []int32 // per batch: its first block and its samples
	// scratch: per thread, the activation buffers of the largest batch,
	// kept between masks (allocated in C per call, they left tens of MB
	// in every thread's malloc arena).
	scratch [][]float32
}

// maxCalibBatch is cnn_calibrate's limit on one batch (64 blocks).
const maxCalibBatch = 64 * 16

// calibrator returns nil when a batch is larger than cnn_calibrate takes.
func (e *cnn) calibrator(batches []*ts.Tensor) *calibrator {
	cal := &calibrator{}
	blocks, most := 0, 1
	for _, b := range batches {
		n := int(b.MustSize()[0])
		if n < 1 || n > maxCalibBatch {
			return nil
		}
		cal.first, cal.count = append(cal.first, int32(blocks)), append(cal.count, int32(n))
		blocks += (n + 15) / 16
		most = max(most, (n+15)/16)
	}
	c := &cnn{ops: e.ops, sizes: e.sizes, threads: e.threads, simd: e.simd, buffers: e.buffers, in: e.in, border: e.border}
	c.setBlocks(16, blocks)
	for bi, b := range batches {
		x := model.Host(b)
		for i := range int(cal.count[bi]) {
			c.place(x, i, int(cal.first[bi])*16+i)
		}
	}
	cal.e = c
	for range max(1, min(c.threads, len(batches))) {
		cal.scratch = append(cal.scratch, aligned(c.buffers*c.buffer*most))
	}
	return cal
}

// stats re-estimates the batch-norm statistics of a mask's network as
// model.Net.RecalibrateBN does on its rebuilt network: every batch in
// training mode, and the running statistics the mean over batches of each
// batch's mean and unbiased variance.
func (cal *calibrator) stats(m search.Mask) (map[string]bnStats, error) {
	e := cal.e
	kept, err := keptUnits(m, e.sizes)
	if err != nil {
		return nil, err
	}
	pk := &cnnPack{train: true}
	if err := e.pack(pk, kept, nil); err != nil {
		return nil, err
	}
	if len(pk.bns) == 0 {
		return nil, nil
	}
	pk.w, pk.b, pk.off, pk.g = append(pk.w, 0), append(pk.b, 0), append(pk.off, 0), append(pk.g, 0) // never empty
	batches := len(cal.count)
	out := make([]float64, batches*pk.slen)
	var pin runtime.Pinner
	pin.Pin(&e.x[0])
	defer pin.Unpin()
	net := C.cnn_net{ops: C.int32_t(len(e.ops)), buffers: C.int32_t(e.buffers), nb: C.int32_t(e.nb),
		n: C.int32_t(e.blocks * e.nb), simd: e.simd, block: C.int64_t(e.block), buffer: C.int64_t(e.buffer),
		x: (*C.float)(&e.x[0])}
	threads := len(cal.scratch)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for th := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b0, b1 := batches*th/threads, batches*(th+1)/threads
			rc := C.cnn_calibrate(&net, &pk.ops[0], (*C.float)(&pk.w[0]), (*C.float)(&pk.b[0]),
				(*C.int64_t)(&pk.off[0]), (*C.float)(&pk.g[0]), (*C.int32_t)(&cal.first[0]),
				(*C.int32_t)(&cal.count[0]), C.double(model.BNEps), C.int64_t(pk.slen), C.int(b0), C.int(b1),
				(*C.float)(&cal.scratch[th][0]), C.int64_t(len(cal.scratch[th])), (*C.double)(&out[0]))
			errs[th] = engineError(rc)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := map[string]bnStats{}
	for _, s := range pk.bns {
		st := bnStats{mean: make([]float32, s.n), variance: make([]float32, s.n)}
		for c := range s.n {
			var mean, variance float64
			for b := range batches {
				mean += out[b*pk.slen+s.at+c]
				variance += out[b*pk.slen+s.at+s.n+c]
			}
			st.mean[c] = float32(mean / float64(batches))
			st.variance[c] = float32(variance / float64(batches))
		}
		res[s.path] = st
	}
	return res, nil
}

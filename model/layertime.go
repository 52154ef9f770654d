package model

import (
	"fmt"
	"math"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// LayerTime is the fastest forward time in milliseconds of one conv or
// linear layer alone (eval mode, no gradients, random weights) at the given
// batch, reading in units (linear: features; conv: channels of an in-shaped
// input) and writing out: what a latency cost model is fitted to.
func LayerTime(l Layer, in Shape, inUnits, outUnits int64, batch int, dev gotch.Device) (float64, error) {
	if inUnits < 1 || outUnits < 1 || batch < 1 {
		return 0, fmt.Errorf("layer time: %d in, %d out units at batch %d", inUnits, outUnits, batch)
	}
	var x, w *ts.Tensor
	var f func() *ts.Tensor
	switch l.Kind {
	case KLinear:
		x = ts.MustRandn([]int64{int64(batch), inUnits}, gotch.Float, dev)
		w = ts.MustRandn([]int64{inUnits, outUnits}, gotch.Float, dev) // the [in, out] layout forward uses
		f = func() *ts.Tensor { return x.MustMm(w, false) }
	case KConv:
		x = ts.MustRandn([]int64{int64(batch), inUnits, in[1], in[2]}, gotch.Float, dev)
		w = ts.MustRandn([]int64{outUnits, inUnits, l.Kernel, l.Kernel}, gotch.Float, dev)
		s, p := []int64{l.Stride, l.Stride}, []int64{l.Pad, l.Pad}
		f = func() *ts.Tensor { return ts.MustConv2d(x, w, noBias, s, p, []int64{1, 1}, 1) }
	default:
		return 0, fmt.Errorf("layer time: %s layers are not timed", l.Kind)
	}
	defer x.MustDrop()
	defer w.MustDrop()
	run := func(k int) float64 {
		start := time.Now()
		for i := 0; i < k; i++ {
			f().MustDrop()
		}
		if dev != gotch.CPU {
			_ = ts.CudaSynchronize()
		}
		return float64(time.Since(start).Nanoseconds()) / 1e6 / float64(k)
	}
	best := math.Inf(1)
	NoGrad(func() {
		run(1)
		// Each timed run repeats the forward for about a millisecond, so the
		// clock's resolution does not decide the minimum.
		k := max(1, int(1/max(run(1), 1e-4)))
		for i := 0; i < layerTimeRuns; i++ {
			best = min(best, run(k))
		}
	})
	return best, nil
}

// layerTimeRuns is how many timed runs LayerTime takes the fastest of: on a
// shared machine other work only ever adds time, so the minimum is the
// layer's own cost, where a median moves with the machine's load.
const layerTimeRuns = 5

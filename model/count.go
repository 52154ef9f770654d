package model

import (
	"sort"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Counts are a network's size figures.
type Counts struct {
	Params        int64 // stored parameters (weights, biases, batch-norm scale and shift)
	NonzeroParams int64
	Prunable      int64 // weights of linear and conv layers
	NonzeroPrune  int64 // non-zero prunable weights
	FLOPs         int64
}

// Count measures n. Non-zeros are counted on the tensors themselves.
func (n *Net) Count() Counts {
	c := Counts{Params: Params(n.Arch), Prunable: PrunableWeights(n.Arch), FLOPs: FLOPs(n.Arch)}
	prunable := map[string]bool{}
	for _, k := range n.PrunableNames() {
		prunable[k] = true
	}
	for _, k := range n.names {
		if n.buffer[k] {
			continue
		}
		nz := n.T[k].MustCountNonzero(nil, false)
		v := nz.Int64Values(true)[0]
		c.NonzeroParams += v
		if prunable[k] {
			c.NonzeroPrune += v
		}
	}
	return c
}

// Latency is the median forward time in milliseconds of a batch of the
// given size (eval mode, no gradients). After a warm-up, each of the runs
// times enough back-to-back forwards to last about 5 ms, so the scheduling
// jitter of a shared machine averages out within a run.
func Latency(n *Net, batch, runs int) float64 {
	in := n.Arch.Input
	x := ts.MustRandn([]int64{int64(batch), in[0], in[1], in[2]}, gotch.Float, n.Device)
	defer x.MustDrop()
	forward := func(k int) float64 {
		start := time.Now()
		for i := 0; i < k; i++ {
			n.Forward(x, false).MustDrop()
		}
		if n.Device != gotch.CPU {
			_ = ts.CudaSynchronize()
		}
		return float64(time.Since(start).Microseconds()) / 1000 / float64(k)
	}
	times := make([]float64, 0, runs)
	NoGrad(func() {
		warm := 0.0
		for i := 0; i < 10; i++ {
			warm = forward(1)
		}
		k := max(1, int(5/max(warm, 1e-3)))
		for i := 0; i < runs; i++ {
			times = append(times, forward(k))
		}
	})
	sort.Float64s(times)
	return times[len(times)/2]
}

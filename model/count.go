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
// given size (eval mode, no gradients), over runs after a warm-up of 10.
func Latency(n *Net, batch, runs int) float64 {
	in := n.Arch.Input
	x := ts.MustRandn([]int64{int64(batch), in[0], in[1], in[2]}, gotch.Float, n.Device)
	defer x.MustDrop()
	times := make([]float64, 0, runs)
	NoGrad(func() {
		for i := 0; i < runs+10; i++ {
			start := time.Now()
			y := n.Forward(x, false)
			if n.Device != gotch.CPU {
				_ = ts.CudaSynchronize()
			}
			d := time.Since(start)
			y.MustDrop()
			if i >= 10 {
				times = append(times, float64(d.Microseconds())/1000)
			}
		}
	})
	sort.Float64s(times)
	return times[len(times)/2]
}

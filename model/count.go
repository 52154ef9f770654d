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

// Latency measurement bounds: the fewest timed runs, and the seconds of
// timed runs per network beyond which slow networks get fewer.
const (
	latencyMinRuns = 3
	latencyBudget  = 1.5
)

// Latency is the median forward time in milliseconds of a batch of the
// given size (eval mode, no gradients); see Latencies.
func Latency(n *Net, batch, runs int) float64 {
	return Latencies([]*Net{n}, batch, runs)[0]
}

// Latencies measures several networks on the same input shape, interleaving
// their runs so that every network sees the same machine conditions (on a
// shared machine the speed drifts over seconds). After a warm-up, each run
// times enough back-to-back forwards to last about 2 ms; the result is the
// median over runs, per network. Slow networks get fewer runs (at least
// latencyMinRuns, about latencyBudget seconds of runs per network) so that a
// big CNN at batch 256 is measured in seconds, not minutes.
func Latencies(nets []*Net, batch, runs int) []float64 {
	in := nets[0].Arch.Input
	dev := nets[0].Device
	x := ts.MustRandn([]int64{int64(batch), in[0], in[1], in[2]}, gotch.Float, dev)
	defer x.MustDrop()
	forward := func(n *Net, k int) float64 {
		start := time.Now()
		for i := 0; i < k; i++ {
			n.Forward(x, false).MustDrop()
		}
		if dev != gotch.CPU {
			_ = ts.CudaSynchronize()
		}
		return float64(time.Since(start).Microseconds()) / 1000 / float64(k)
	}
	times := make([][]float64, len(nets))
	NoGrad(func() {
		ks := make([]int, len(nets))
		slowest := 0.0
		for j, n := range nets {
			warm, spent := 0.0, 0.0
			for i := 0; i < 10 && (i < 1 || spent < 1000*latencyBudget/4); i++ {
				warm = forward(n, 1)
				spent += warm
			}
			ks[j] = max(1, int(2/max(warm, 1e-3)))
			slowest = max(slowest, warm*float64(ks[j]))
		}
		runs = min(runs, max(latencyMinRuns, int(1000*latencyBudget/max(slowest, 1e-3))))
		for i := 0; i < runs; i++ {
			for j, n := range nets {
				times[j] = append(times[j], forward(n, ks[j]))
			}
		}
	})
	out := make([]float64, len(nets))
	for j := range times {
		sort.Float64s(times[j])
		out[j] = times[j][len(times[j])/2]
	}
	return out
}

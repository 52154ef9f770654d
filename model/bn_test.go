package model

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// After RecalibrateBN the first batch norm's running mean is the average of
// its input's per-batch channel means, and its variance the average of the
// per-batch unbiased variances.
func TestRecalibrateBNAveragesTheBatches(t *testing.T) {
	a := build(t, Spec{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10})
	n, err := New(a, gotch.CPU, InitDefault, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Drop()
	bn := -1
	for i, l := range a.Layers {
		if l.Kind == KBN {
			bn = i
			break
		}
	}
	if bn < 0 {
		t.Fatal("resnet20 has no top-level batch norm")
	}
	batches := []*ts.Tensor{ts.MustRandn([]int64{16, 3, 8, 8}, gotch.Float, gotch.CPU), ts.MustRandn([]int64{16, 3, 8, 8}, gotch.Float, gotch.CPU)}
	n.RecalibrateBN(batches)
	wantMean := make([]float64, 16)
	wantVar := make([]float64, 16)
	NoGrad(func() {
		for _, x := range batches {
			in := n.ForwardRange(0, bn, x, false)
			c := in.MustSize()[1]
			flat := in.MustTranspose(0, 1, false).MustReshape([]int64{c, -1}, true)
			mean := Host(flat.MustMeanDim([]int64{1}, false, gotch.Float, false))
			v := Host(flat.MustVarDim([]int64{1}, true, false, false))
			for j := range mean {
				wantMean[j] += float64(mean[j]) / 2
				wantVar[j] += float64(v[j]) / 2
			}
			flat.MustDrop()
			in.MustDrop()
		}
	})
	gotMean, gotVar := Host(n.T[itoa(bn)+".running_mean"]), Host(n.T[itoa(bn)+".running_var"])
	for j := range gotMean {
		if math.Abs(float64(gotMean[j])-wantMean[j]) > 1e-4 || math.Abs(float64(gotVar[j])-wantVar[j]) > 1e-3*math.Max(1, wantVar[j]) {
			t.Fatalf("channel %d: mean %.5f var %.5f, want %.5f %.5f", j, gotMean[j], gotVar[j], wantMean[j], wantVar[j])
		}
	}
}

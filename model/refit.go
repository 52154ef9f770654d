package model

import (
	"strconv"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Refit re-fits the weights and bias of every top-level linear layer that
// reads pruned units, layer by layer from the input, by regularised least
// squares on calibration inputs x, so that its pre-activations match those
// of the dense network (as in He et al. 2017 / ThiNet). pruned is dense
// rebuilt with units. Each fit sees the activations of the already re-fitted
// layers before it. It returns how many layers it re-fitted; convolutional
// consumers are left as they are.
func Refit(pruned, dense *Net, units UnitMask, x *ts.Tensor, ridge float64) (int, error) {
	layers := map[int]bool{}
	for _, g := range Groups(dense.Arch) {
		if _, ok := units[g.Name]; !ok {
			continue
		}
		for _, c := range g.Consumers {
			if k, err := strconv.Atoi(c.Path); err == nil && dense.Arch.Layers[k].Kind == KLinear {
				layers[k] = true
			}
		}
	}
	keptRows := keptRowsByLayer(dense.Arch, units)
	n := 0
	var err error
	NoGrad(func() {
		for k := 0; k < len(dense.Arch.Layers); k++ {
			if !layers[k] {
				continue
			}
			if err = refitLayer(pruned, dense, k, keptRows[k], x, ridge); err != nil {
				return
			}
			n++
		}
	})
	return n, err
}

// keptRowsByLayer maps a top-level producer layer to its kept output rows.
func keptRowsByLayer(a Arch, units UnitMask) map[int][]int64 {
	out := map[int][]int64{}
	for _, g := range Groups(a) {
		keep, ok := units[g.Name]
		if !ok {
			continue
		}
		if k, err := strconv.Atoi(g.Producers[0]); err == nil {
			out[k] = kept(keep)
		}
	}
	return out
}

// refitLayer solves (XᵀX + λI) θ = XᵀZ in double precision, X = [A_pruned, 1],
// Z = the dense layer's pre-activations restricted to the kept output rows.
func refitLayer(pruned, dense *Net, k int, rows []int64, x *ts.Tensor, ridge float64) error {
	path := strconv.Itoa(k)
	z := dense.Infer(0, k+1, x)
	if rows != nil {
		idx := ts.MustOfSlice(rows).MustTo(z.MustDevice(), true)
		z = z.MustIndexSelect(1, idx, true)
		idx.MustDrop()
	}
	ap := pruned.Infer(0, k, x)
	ones := ts.MustOnes([]int64{ap.MustSize()[0], 1}, gotch.Float, ap.MustDevice())
	xa := ts.MustCat([]*ts.Tensor{ap, ones}, 1).MustTotype(gotch.Double, true)
	ap.MustDrop()
	ones.MustDrop()
	zd := z.MustTotype(gotch.Double, true)
	xt := xa.MustT(false)
	g := xt.MustMm(xa, false)
	rhs := xt.MustMm(zd, true)
	xa.MustDrop()
	zd.MustDrop()
	// Ridge relative to the mean diagonal, so it is scale-free.
	d := g.MustSize()[0]
	lambda := ridge * g.MustTrace(false).MustFloat64Value([]int64{}) / float64(d)
	eye := ts.MustEye(d, gotch.Double, g.MustDevice()).MustMulScalar(ts.FloatScalar(lambda), true)
	g = g.MustAdd(eye, true)
	eye.MustDrop()
	theta := ts.MustLinalgSolve(g, rhs, true) // [in+1, out]
	g.MustDrop()
	rhs.MustDrop()
	in := d - 1
	w := theta.MustNarrow(0, 0, in, false).MustT(true).MustTotype(gotch.Float, true)
	b := theta.MustNarrow(0, in, 1, false).MustSqueeze(true).MustTotype(gotch.Float, true)
	theta.MustDrop()
	pruned.T[path+".weight"].Copy_(w)
	pruned.T[path+".bias"].Copy_(b)
	w.MustDrop()
	b.MustDrop()
	return nil
}

package model

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// RemoveDeadUnits rebuilds a weight-pruned network without the units that
// no longer matter: units whose outgoing weights are all zero, and, where it
// is exact, units whose incoming weights are all zero — a neuron of a linear
// layer followed by ReLU then outputs the constant relu(bias), which is
// folded into the consumer's bias before the unit is removed. It returns
// the unit mask it applied.
func (n *Net) RemoveDeadUnits() (*Net, UnitMask, error) {
	groups := Groups(n.Arch)
	m := UnitMask{}
	var folds []fold
	for _, g := range groups {
		out := n.zeroSlices(g, true)
		in := n.zeroSlices(g, false)
		foldable := n.foldable(g)
		keep := make([]bool, g.Size)
		alive := 0
		for i := range keep {
			keep[i] = !out[i] && !(in[i] && foldable)
			if keep[i] {
				alive++
			}
		}
		if alive == 0 {
			keep[0] = true // keep the network well-formed
		}
		for i := range keep {
			if !keep[i] && !out[i] {
				folds = append(folds, fold{g, int64(i)})
			}
		}
		m[g.Name] = keep
	}
	// Fold on a copy: the network itself must keep computing what it did.
	c := n.Clone()
	defer c.Drop()
	c.applyFolds(folds)
	r, err := c.Rebuild(m)
	return r, m, err
}

type fold struct {
	g    *Group
	unit int64
}

// zeroSlices reports per unit whether all its outgoing (consumer columns) or
// incoming (producer rows) weights are zero.
func (n *Net) zeroSlices(g *Group, outgoing bool) []bool {
	zero := make([]bool, g.Size)
	for i := range zero {
		zero[i] = true
	}
	mark := func(w *ts.Tensor, dim int64, repeat int64) {
		v := SliceL1(w, dim)
		for i := range zero {
			for j := int64(0); j < repeat; j++ {
				if v[int64(i)*repeat+j] != 0 {
					zero[i] = false
				}
			}
		}
	}
	if outgoing {
		for _, c := range g.Consumers {
			mark(n.T[c.Path+".weight"], 1, c.Repeat)
		}
		return zero
	}
	for _, p := range g.Producers {
		if w, ok := n.T[p+".weight"]; ok && !n.IsBN(p) { // a select layer has no weights
			mark(w, 0, 1)
		}
	}
	return zero
}

// SliceL1 is the L1 norm of each slice of a weight along dim: per output
// row / filter (0) or per input column / channel (1).
func SliceL1(w *ts.Tensor, dim int64) []float32 {
	a := w.MustDetach(false).MustAbs(true)
	if dim == 1 {
		a = a.MustTranspose(0, 1, true)
	}
	sum := a.MustFlatten(1, -1, true).MustSumDimIntlist([]int64{1}, false, gotch.Float, true)
	defer sum.MustDrop()
	return Host(sum)
}

// foldable: one linear producer followed directly by ReLU, read by linear
// consumers only, so a constant output can move into the consumers' biases.
func (n *Net) foldable(g *Group) bool {
	if g.Conv || g.Tied || len(g.Producers) != 1 {
		return false
	}
	for _, c := range g.Consumers {
		if l, err := layerAt(&n.Arch, c.Path); err != nil || l.Kind != KLinear || !l.Bias || c.Repeat != 1 {
			return false
		}
	}
	next, err := layerAt(&n.Arch, nextPath(g.Producers[0]))
	return err == nil && next.Kind == KReLU
}

func nextPath(p string) string {
	i := len(p) - 1
	for i >= 0 && p[i] != '.' {
		i--
	}
	k := 0
	for _, c := range p[i+1:] {
		k = k*10 + int(c-'0')
	}
	return p[:i+1] + itoa(k+1)
}

// applyFolds adds W_c[:, j]·relu(b_j) to each consumer's bias.
func (n *Net) applyFolds(folds []fold) {
	NoGrad(func() {
		for _, f := range folds {
			b, ok := n.T[f.g.Producers[0]+".bias"]
			if !ok {
				continue
			}
			bj := b.MustNarrow(0, f.unit, 1, false).MustRelu(true)
			for _, c := range f.g.Consumers {
				col := n.T[c.Path+".weight"].MustNarrow(1, f.unit, 1, false).MustSqueeze(true)
				bias := n.T[c.Path+".bias"]
				sum := col.MustMul(bj, true).MustAdd(bias, true)
				bias.Copy_(sum)
				sum.MustDrop()
			}
			bj.MustDrop()
		}
	})
}

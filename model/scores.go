package model

import (
	"github.com/sugarme/gotch"
)

// UnitScores returns, per group, the magnitude importance of each unit: the
// L1 norm of the weights producing it (rows / output filters of every
// producer; tied groups add their producers up).
func (n *Net) UnitScores(groups []*Group) map[string][]float64 {
	out := map[string][]float64{}
	for _, g := range groups {
		s := make([]float64, g.Size)
		for _, p := range g.Producers {
			w, ok := n.T[p+".weight"]
			if !ok || n.isBN(p) {
				continue
			}
			l1 := w.MustDetach(false).MustAbs(true).MustFlatten(1, -1, true).MustSumDimIntlist([]int64{1}, false, gotch.Float, true)
			for i, v := range Host(l1) {
				s[i] += float64(v)
			}
			l1.MustDrop()
		}
		out[g.Name] = s
	}
	return out
}

func (n *Net) isBN(path string) bool {
	l, err := layerAt(&n.Arch, path)
	return err == nil && l.Kind == KBN
}

// WeightMagnitudes returns |w| of every prunable weight, per weight name.
func (n *Net) WeightMagnitudes() map[string][]float32 {
	out := map[string][]float32{}
	for _, k := range n.PrunableNames() {
		a := n.T[k].MustDetach(false).MustAbs(true)
		out[k] = Host(a)
		a.MustDrop()
	}
	return out
}

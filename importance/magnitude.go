package importance

import (
	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
)

// magnitude is the L1 norm of the weights producing a unit: rows / output
// filters of every producer (tied groups add their producers up; batch
// norms, which only scale, are skipped).
type magnitude struct{}

func (magnitude) Name() string { return Magnitude }

func (magnitude) Units(n *model.Net, groups []*model.Group, _ *model.Batch, _ int64) (map[string][]float64, error) {
	return UnitL1(n, groups), nil
}

// UnitL1 is the magnitude criterion's scores.
func UnitL1(n *model.Net, groups []*model.Group) map[string][]float64 {
	out := map[string][]float64{}
	for _, g := range groups {
		s := make([]float64, g.Size)
		for _, p := range g.Producers {
			w, ok := n.T[p+".weight"]
			if !ok || n.IsBN(p) {
				continue
			}
			l1 := w.MustDetach(false).MustAbs(true).MustFlatten(1, -1, true).MustSumDimIntlist([]int64{1}, false, gotch.Float, true)
			for i, v := range model.Host(l1) {
				s[i] += float64(v)
			}
			l1.MustDrop()
		}
		out[g.Name] = s
	}
	return out
}

// Weights returns |w| of every prunable weight, per weight name: the score
// of weight granularity, whatever the criterion.
func Weights(n *model.Net) map[string][]float32 {
	out := map[string][]float32{}
	for _, k := range n.PrunableNames() {
		a := n.T[k].MustDetach(false).MustAbs(true)
		out[k] = model.Host(a)
		a.MustDrop()
	}
	return out
}

package importance

import (
	"github.com/sugarme/gotch/ts"

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
		weighted := false
		for _, p := range g.Producers {
			w, ok := n.T[p+".weight"]
			if !ok || n.IsBN(p) {
				continue
			}
			weighted = true
			addL1(s, w, 0, 1)
		}
		if !weighted {
			// Input features (a select layer) have no weights of their
			// own: score them by the consumer columns that read them.
			for _, c := range g.Consumers {
				addL1(s, n.T[c.Path+".weight"], 1, c.Repeat)
			}
		}
		out[g.Name] = s
	}
	return out
}

// addL1 adds to s, per unit, the L1 norm of w's slices along dim (0: rows,
// 1: columns, repeat columns per unit).
func addL1(s []float64, w *ts.Tensor, dim, repeat int64) {
	for i, v := range model.SliceL1(w, dim) {
		s[int64(i)/repeat] += float64(v)
	}
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

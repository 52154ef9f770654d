package importance

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
)

// activation is the mean |output| of each unit on the data, read where the
// masked network zeroes it (after a directly following ReLU).
type activation struct{}

func (activation) Name() string { return Activation }

// Units is each unit's mean activation over the data and
// positions: after its ReLU where one follows the masked layer, else |a|.
// Tied groups average over every place their channels appear.
func (activation) Units(n *model.Net, groups []*model.Group, data *model.Batch, _ int64) (map[string][]float64, error) {
	if err := needData(Activation, data); err != nil {
		return nil, err
	}
	sums := make([][]float64, len(groups))
	counts := make([]int64, len(groups))
	taps := map[string]func(*ts.Tensor) *ts.Tensor{}
	for gi, g := range groups {
		sums[gi] = make([]float64, g.Size)
		for _, path := range g.MaskAt {
			relu := n.Arch.FollowedByReLU(path)
			taps[path] = func(out *ts.Tensor) *ts.Tensor {
				var a *ts.Tensor
				if relu {
					a = out.MustRelu(false)
				} else {
					a = out.MustAbs(false)
				}
				v, c := unitSums(a)
				a.MustDrop()
				for u, s := range v {
					sums[gi][u] += float64(s)
				}
				counts[gi] += c
				return out
			}
		}
	}
	n.SetTaps(taps)
	defer n.SetTaps(nil)
	n.InferRange(0, len(n.Arch.Layers), data.X, func(*ts.Tensor, int) {})
	out := map[string][]float64{}
	for gi, g := range groups {
		for u := range sums[gi] {
			sums[gi][u] /= float64(max(counts[gi], 1))
		}
		out[g.Name] = sums[gi]
	}
	return out, nil
}

// unitSums reduces an activation-shaped tensor [N, C] or [N, C, H, W] to
// per-unit sums over the batch and positions, and says how many values each
// sum covers.
func unitSums(t *ts.Tensor) ([]float32, int64) {
	size := t.MustSize()
	dims := []int64{0}
	count := size[0]
	for d := 2; d < len(size); d++ {
		dims = append(dims, int64(d))
		count *= size[d]
	}
	s := t.MustSumDimIntlist(dims, false, gotch.Float, false)
	defer s.MustDrop()
	return model.Host(s), count
}

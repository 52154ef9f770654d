package importance

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
)

// taylor is the first-order Taylor estimate of the loss change when a unit
// is zeroed, |Σ_positions a·∂L/∂a| per sample, averaged over samples
// (Molchanov et al. 2017).
type taylor struct{}

func (taylor) Name() string { return Taylor }

// Units multiplies each group's activation by a leaf of ones shaped
// [N, units(, 1, 1)] that requires grad: its gradient is, per sample and
// unit, Σ_positions a·∂L/∂a (L the summed cross-entropy), the first-order
// change of that sample's loss when the unit is zeroed. The scores are the
// mean absolute values over samples. It works on a copy of the network whose
// parameters do not require grad, so the network's gradients stay untouched.
func (taylor) Units(n *model.Net, groups []*model.Group, data *model.Batch, _ int64) (map[string][]float64, error) {
	if err := needData(Taylor, data); err != nil {
		return nil, err
	}
	sums := make([][]float64, len(groups))
	for gi, g := range groups {
		sums[gi] = make([]float64, g.Size)
	}
	// Cloned without grad mode, the copies are leaves (detach_copy has no
	// derivative) whose requires-grad flag can be turned off.
	var c *model.Net
	model.NoGrad(func() { c = n.Clone() })
	defer c.Drop()
	for _, k := range c.Names() {
		c.T[k] = c.T[k].MustSetRequiresGrad(false, true)
	}
	// One leaf per place a group is masked; a tied group's first-order
	// change is the sum over its places, per sample, before the absolute value.
	leaves := make([][]*ts.Tensor, len(groups))
	taps := map[string]func(*ts.Tensor) *ts.Tensor{}
	for gi, g := range groups {
		for _, path := range g.MaskAt {
			taps[path] = func(out *ts.Tensor) *ts.Tensor {
				size := out.MustSize()
				shape := []int64{size[0], g.Size}
				for range size[2:] {
					shape = append(shape, 1)
				}
				u := ts.MustOnes(shape, gotch.Float, c.Device).MustSetRequiresGrad(true, true)
				leaves[gi] = append(leaves[gi], u)
				return out.MustMul(u, true)
			}
		}
	}
	c.SetTaps(taps)
	model.WithGrad(func() {
		chunk := n.EvalBatchSize()
		for start := 0; start < data.N; start += chunk {
			b := int64(min(chunk, data.N-start))
			x := data.X.MustNarrow(0, int64(start), b, false)
			y := data.Y.MustNarrow(0, int64(start), b, false).MustView([]int64{b, 1}, true)
			cur := c.Forward(x, false)
			t := cur.MustGather(1, y, false, false)
			lse := cur.MustLogsumexp([]int64{1}, true, false)
			loss := lse.MustSub(t, true).MustSum(gotch.Float, true)
			loss.MustBackward()
			for gi := range groups {
				var total *ts.Tensor
				for _, u := range leaves[gi] {
					g := u.MustGrad(false).MustFlatten(1, -1, true) // [b, units]
					if total == nil {
						total = g
					} else {
						total = total.MustAdd(g, true)
						g.MustDrop()
					}
					u.MustDrop()
				}
				leaves[gi] = leaves[gi][:0]
				if total == nil {
					continue
				}
				s := total.MustAbs(true).MustSumDimIntlist([]int64{0}, false, gotch.Float, true)
				for j, v := range model.Host(s) {
					sums[gi][j] += float64(v)
				}
				s.MustDrop()
			}
			loss.MustDrop()
			t.MustDrop()
			cur.MustDrop()
			y.MustDrop()
			x.MustDrop()
		}
	})
	out := map[string][]float64{}
	for gi, g := range groups {
		for u := range sums[gi] {
			sums[gi][u] /= float64(data.N)
		}
		out[g.Name] = sums[gi]
	}
	return out, nil
}

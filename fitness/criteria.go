package fitness

import (
	"fmt"
	"math/rand"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Unit-importance criteria (prune.criterion).
const (
	// CriterionMagnitude: the L1 norm of the unit's producer rows / filters.
	CriterionMagnitude = "magnitude"
	// CriterionActivation: mean |output| of the unit on the data, read where
	// the masked network zeroes it (after a directly following ReLU).
	CriterionActivation = "activation"
	// CriterionTaylor: first-order Taylor estimate of the loss change when
	// the unit is zeroed, |Σ_positions a·∂L/∂a| per sample, averaged over
	// samples (Molchanov et al. 2017).
	CriterionTaylor = "taylor"
	// CriterionRandom: seeded uniform scores, the control.
	CriterionRandom = "random"
)

// SpaceWith is Space with the unit scores of a criterion: data is the batch
// activation and taylor run on (the validation samples the search uses),
// seed drives random. Weight granularity always ranks by |w|, whatever the
// criterion. Like magnitude, every criterion's scores are divided by their
// layer's mean, so a global ranking compares units across layers fairly.
func SpaceWith(n *model.Net, kind Granularity, groups []*model.Group, target float64, criterion string, data *model.Batch, seed int64) (search.Space, error) {
	switch criterion {
	case "", CriterionMagnitude, CriterionActivation, CriterionTaylor, CriterionRandom:
	default:
		return search.Space{}, fmt.Errorf("unknown prune.criterion %q (magnitude | activation | taylor | random)", criterion)
	}
	sp, err := Space(n, kind, groups, target)
	if err != nil || kind != Units || criterion == "" || criterion == CriterionMagnitude {
		return sp, err
	}
	scores, err := UnitCriterion(n, groups, criterion, data, seed)
	if err != nil {
		return sp, err
	}
	for i, g := range groups {
		sp.Segments[i].Scores = normalise(scores[g.Name])
	}
	return sp, nil
}

// UnitCriterion returns the raw (not normalised) importance of every unit of
// the groups under a criterion, by group name. activation and taylor need a
// non-empty data batch; they measure wherever a group is masked, inside
// residual blocks and at every place of a tied group too. The network is not
// modified.
func UnitCriterion(n *model.Net, groups []*model.Group, criterion string, data *model.Batch, seed int64) (map[string][]float64, error) {
	switch criterion {
	case "", CriterionMagnitude:
		return n.UnitScores(groups), nil
	case CriterionRandom:
		rng := rand.New(rand.NewSource(seed))
		out := map[string][]float64{}
		for _, g := range groups {
			s := make([]float64, g.Size)
			for i := range s {
				s[i] = rng.Float64()
			}
			out[g.Name] = s
		}
		return out, nil
	case CriterionActivation, CriterionTaylor:
	default:
		return nil, fmt.Errorf("unknown prune.criterion %q (magnitude | activation | taylor | random)", criterion)
	}
	if data == nil || data.N == 0 {
		return nil, fmt.Errorf("prune.criterion %s: no data to measure activations on", criterion)
	}
	if criterion == CriterionActivation {
		return activationScores(n, groups, data), nil
	}
	return taylorScores(n, groups, data), nil
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

// activationScores is each unit's mean activation over the data and
// positions: after its ReLU where one follows the masked layer, else |a|.
// Tied groups average over every place their channels appear.
func activationScores(n *model.Net, groups []*model.Group, data *model.Batch) map[string][]float64 {
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
	return out
}

// taylorScores multiplies each group's activation by a leaf of ones shaped
// [N, units(, 1, 1)] that requires grad: its gradient is, per sample and
// unit, Σ_positions a·∂L/∂a (L the summed cross-entropy), the first-order
// change of that sample's loss when the unit is zeroed. The scores are the
// mean absolute values over samples. It works on a copy of the network whose
// parameters do not require grad, so the network's gradients stay untouched.
func taylorScores(n *model.Net, groups []*model.Group, data *model.Batch) map[string][]float64 {
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
	return out
}

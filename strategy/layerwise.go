package strategy

import (
	"fmt"
	"math/rand"
	"slices"
	"time"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: layerwise, StrategyRules: config.StrategyRules{
		Name:          "layerwise",
		Summary:       "same kept fraction per layer (or `prune.layer_sparsity`), chosen layer by layer from the input, each choice evaluated",
		Granularities: []string{"weight", "neuron", "channel"},
		LayerSparsity: true,
		TargetFLOPs:   true,
	}})
}

// layerwiseCandidates is how many kept sets layerwise scores per layer.
const layerwiseCandidates = 16

// layerwise prunes layer by layer from the input. Every layer keeps the same
// fraction of its slots (proportional shares of Space.Keep, so the total is
// exactly the budget), or its prune.layer_sparsity. For layer L it scores, in one batch, up to
// layerwiseCandidates kept sets — the top-k by score and seeded
// perturbations of it that swap 1–3 of the lowest-ranked kept slots for
// some of the highest-ranked dropped ones — with the layers before L fixed
// to their chosen sets and the layers after L whole, and keeps the best
// (accuracy, then loss; the top-k wins ties). Works at every granularity.
func layerwise(s *Search) (*Found, error) {
	start := time.Now()
	sp := s.Space
	off := sp.Offsets()
	alloc := s.Allocation()
	m := fullMask(sp.N())
	evals := 0
	var history []search.Progress
	for si, seg := range sp.Segments {
		order := rankDesc(segmentScores(seg), nil)
		cands := layerCandidates(order, alloc[si], layerwiseCandidates, s.Exp.Seed*7919+int64(si))
		masks := make([]search.Mask, len(cands))
		for i, kept := range cands {
			masks[i] = m.Clone()
			for j := 0; j < seg.Size; j++ {
				masks[i].Set(off[si]+j, false)
			}
			for _, j := range kept {
				masks[i].Set(off[si]+j, true)
			}
		}
		scores, err := s.Eval.Evaluate(masks)
		if err != nil {
			return nil, fmt.Errorf("layerwise: layer %s: %w", seg.Name, err)
		}
		evals += len(masks)
		best := 0
		var mean float64
		for i, sc := range scores {
			if better(sc, scores[best]) {
				best = i
			}
			mean += sc.ValAccuracy / float64(len(scores))
		}
		m = masks[best]
		history = append(history, progress(si, evals, scores[best], mean, m.Density(), start))
		s.Printf("layerwise: %s keeps %d/%d, candidate %d of %d (0 = top-k: %.2f%%), val acc %.2f%%\n",
			seg.Name, alloc[si], seg.Size, best, len(cands), 100*scores[0].ValAccuracy, 100*scores[best].ValAccuracy)
	}
	return found(s, s.Eval, m, evals, len(history), history)
}

// layerCandidates returns up to n distinct kept sets of k slots, given the
// slots ranked best first: the top k, then perturbations that swap 1–3
// slots among the lowest-ranked quarter of the kept (at least 4) for slots
// among the highest-ranked dropped of the same number.
func layerCandidates(order []int, k, n int, seed int64) [][]int {
	top := append([]int(nil), order[:k]...)
	out := [][]int{top}
	w := min(k, len(order)-k, max(4, k/4))
	if w == 0 {
		return out
	}
	rng := rand.New(rand.NewSource(seed))
	seen := map[string]bool{}
	for tries := 0; len(out) < n && tries < 20*n; tries++ {
		swaps := 1 + rng.Intn(min(3, w))
		outs := rng.Perm(w)[:swaps] // among positions k-w..k-1 of the ranking (kept)
		ins := rng.Perm(w)[:swaps]  // among positions k..k+w-1 (dropped)
		// The kept set depends only on which positions swap.
		key := fmt.Sprint(sorted(outs), sorted(ins))
		if seen[key] {
			continue
		}
		seen[key] = true
		c := append([]int(nil), top...)
		for i := range outs {
			c[k-w+outs[i]] = order[k+ins[i]]
		}
		out = append(out, c)
	}
	return out
}

func sorted(v []int) []int {
	c := append([]int(nil), v...)
	slices.Sort(c)
	return c
}

package strategy

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: greedy, StrategyRules: config.StrategyRules{
		Name:          "greedy",
		Summary:       "remove, step by step, the units whose removal costs the least validation accuracy",
		Granularities: []string{"neuron", "channel"},
	}})
}

// Greedy's bounds: candidates per layer and step, and the chunk of units one
// step removes: ceil(units left / greedyChunkDiv), i.e. 1%, at least one.
const (
	greedyCandidates = 32
	greedyChunkDiv   = 100
)

// greedy is backward elimination of units: starting from the whole network
// it repeatedly removes the units whose removal costs the least validation
// accuracy (then the least loss), re-scoring after every step, until
// Space.Keep units remain. A step scores, in one batch, the network without
// each candidate — the greedyCandidates lowest-scoring kept units of every
// layer that can still lose one — and removes the best ceil(1% of the units
// left) of them (never more than the budget, never a layer's last unit).
// Unit granularities only.
func greedy(s *Search) (*Found, error) {
	start := time.Now()
	sp := s.Space
	off := sp.Offsets()
	mk := max(sp.MinKeep, 1)
	m := fullMask(sp.N())
	evals := 0
	var history []search.Progress
	for step := 0; m.Count() > sp.Keep; step++ {
		counts := sp.Counts(m)
		type cand struct{ seg, slot int }
		var cands []cand
		for si, seg := range sp.Segments {
			if counts[si] <= mk {
				continue
			}
			scores := segmentScores(seg)
			order := rankDesc(scores, func(j int) bool { return m.Get(off[si] + j) })
			slices.Reverse(order) // lowest score first
			for _, j := range order[:min(greedyCandidates, len(order))] {
				cands = append(cands, cand{si, off[si] + j})
			}
		}
		if len(cands) == 0 {
			return nil, fmt.Errorf("greedy: step %d: no unit left to remove above the per-layer minimum", step)
		}
		masks := make([]search.Mask, len(cands))
		for i, c := range cands {
			masks[i] = m.Clone()
			masks[i].Set(c.slot, false)
		}
		scores, err := s.Eval.Evaluate(masks)
		if err != nil {
			return nil, fmt.Errorf("greedy: step %d: %w", step, err)
		}
		evals += len(masks)
		order := make([]int, len(cands))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case better(scores[a], scores[b]):
				return -1
			case better(scores[b], scores[a]):
				return 1
			}
			return cmp.Compare(a, b)
		})
		chunk := min((m.Count()+greedyChunkDiv-1)/greedyChunkDiv, m.Count()-sp.Keep)
		removed := 0
		for _, i := range order {
			if removed == chunk {
				break
			}
			c := cands[i]
			if counts[c.seg] <= mk {
				continue
			}
			m.Set(c.slot, false)
			counts[c.seg]--
			removed++
		}
		var mean float64
		for _, sc := range scores {
			mean += sc.ValAccuracy / float64(len(scores))
		}
		history = append(history, progress(step, evals, scores[order[0]], mean, m.Density(), start))
		if step%10 == 0 || m.Count() == sp.Keep {
			s.Printf("greedy: step %d removed %d, %d units left (keep %d), val acc %.2f%%, %d evaluations\n",
				step, removed, m.Count(), sp.Keep, 100*scores[order[0]].ValAccuracy, evals)
		}
	}
	keptPerSegment(s, "greedy", m)
	return found(s, s.Eval, m, evals, len(history), history)
}

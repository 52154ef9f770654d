package search

import (
	"fmt"
	"math"
)

// evalCache sends each distinct mask to the evaluator once. It is keyed by
// the 64-bit mask hash rather than the mask, so a checkpoint can carry it
// cheaply even for weight-level masks; a collision is about as likely as
// 1 in 10^10 for a hundred thousand evaluations.
type evalCache struct {
	ev     Evaluator
	scores map[uint64]Score
	calls  int // masks the evaluator has scored; cache hits do not count
}

func newEvalCache(ev Evaluator) *evalCache {
	return &evalCache{ev: ev, scores: map[uint64]Score{}}
}

// scoreAll returns the score of every mask, sending the distinct uncached
// ones to the evaluator in a single batch.
func (c *evalCache) scoreAll(masks []Mask) ([]Score, error) {
	hashes := make([]uint64, len(masks))
	var todo []Mask
	var todoHash []uint64
	pending := map[uint64]bool{}
	for i, m := range masks {
		h := m.Hash()
		hashes[i] = h
		if _, ok := c.scores[h]; ok || pending[h] {
			continue
		}
		pending[h] = true
		// The evaluator gets copies so that a misbehaving one cannot corrupt
		// the population; copying is cheap next to evaluating a network.
		todo = append(todo, m.Clone())
		todoHash = append(todoHash, h)
	}
	if len(todo) > 0 {
		got, err := c.ev.Evaluate(todo)
		if err != nil {
			return nil, fmt.Errorf("evaluate %d masks: %w", len(todo), err)
		}
		if len(got) != len(todo) {
			return nil, fmt.Errorf("evaluator returned %d scores for %d masks", len(got), len(todo))
		}
		for i, s := range got {
			// Accuracy drives selection and the checkpoint; a NaN would make
			// every comparison false and the search silently arbitrary.
			if math.IsNaN(s.ValAccuracy) || math.IsInf(s.ValAccuracy, 0) {
				return nil, fmt.Errorf("evaluator returned accuracy %v for mask %d of %d", s.ValAccuracy, i, len(todo))
			}
		}
		for i, s := range got {
			c.scores[todoHash[i]] = s
		}
		c.calls += len(todo)
	}
	out := make([]Score, len(masks))
	for i, h := range hashes {
		out[i] = c.scores[h]
	}
	return out, nil
}

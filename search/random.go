package search

import (
	"errors"
	"fmt"
	"math/rand"
)

// Random is the control for Genetic: it scores uniformly random masks with
// Keep slots kept (per-layer spaces: random allocations, see randomAlloc), batch masks at a time, until the evaluator has scored the
// given number of distinct masks (fewer if the space runs out of new masks).
// Pass the Evaluations of a genetic run to compare the two at equal cost.
// History has one entry per batch, whose best fields describe the best mask
// so far.
func Random(space Space, ev Evaluator, evaluations int, seed int64, objective Objective, batch int) (*Result, error) {
	switch err := space.Validate(); {
	case err != nil:
		return nil, fmt.Errorf("random search: %w", err)
	case ev == nil:
		return nil, errors.New("random search: nil evaluator")
	case evaluations < 1:
		return nil, fmt.Errorf("random search: evaluations %d, need at least 1", evaluations)
	case batch < 1:
		return nil, fmt.Errorf("random search: batch %d, need at least 1", batch)
	}
	if err := objective.Validate(); err != nil {
		return nil, fmt.Errorf("random search: %w", err)
	}
	r := newRun(space, ev, objective)
	rng := rand.New(rand.NewSource(deriveSeed(seed, streamRandom, 0)))
	for gen := 0; r.cache.calls < evaluations; gen++ {
		masks := freshMasks(space, r.cache, min(batch, evaluations-r.cache.calls), rng)
		if len(masks) == 0 {
			break
		}
		pop, err := r.rank(masks)
		if err != nil {
			return nil, fmt.Errorf("random search: batch %d: %w", gen, err)
		}
		r.generation = gen
		r.updateHallOfFame(pop)
		best := pop[0] // only if every score so far is partial (fitness.Fidelity promotes one per batch)
		if len(r.hof) > 0 {
			best = r.hof[0]
		}
		r.history = append(r.history, r.progress(gen, pop, best))
	}
	return r.result(), nil
}

// freshMasks draws up to n random masks that are neither cached nor repeated,
// giving up after a bounded number of draws so a tiny space cannot loop
// forever.
func freshMasks(space Space, c *evalCache, n int, rng *rand.Rand) []Mask {
	var out []Mask
	seen := map[uint64]bool{}
	for tries := 0; len(out) < n && tries < 20*n+100; tries++ {
		var m Mask
		if space.PerLayer {
			m = randomAlloc(space, rng)
		} else {
			m = randomMask(space, rng)
		}
		h := m.Hash()
		if _, ok := c.scores[h]; ok || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, m)
	}
	return out
}

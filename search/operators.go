package search

import (
	"math"
	"math/rand"
)

const (
	// repairTournament is how many candidates Repair weighs per change: enough
	// to favour important slots, few enough that repaired masks still differ.
	repairTournament = 3
	// crossSegmentProb is the chance that a swap moves a kept slot to another
	// segment. Most swaps stay inside one segment so per-layer allocations
	// survive mutation; the rest let the allocation itself evolve.
	crossSegmentProb = 0.1
	// mutationTournament is the candidate sample size for each side of a
	// swap. With 1 (uniform swaps) the GA of the tests' toy problem closed
	// less of the gap between TopK and the optimum in the same evaluations
	// (0.876 -> 0.937 of the optimum, against 0.951 with 2).
	mutationTournament = 2
)

// Repair makes m meet the space's budget: Count() == Keep and every segment
// keeps at least MinKeep. It drops low-score kept slots and adds high-score
// dropped ones, each chosen as the best of a small random sample so repair
// does not collapse the population's diversity. A mask of another size, or a
// nil rng, is left alone.
func Repair(m *Mask, space Space, rng *rand.Rand) {
	if m == nil || rng == nil || m.N != space.N() || len(m.Bits) != (m.N+63)/64 {
		return
	}
	l := newLayout(space, *m)
	l.fillMin(m, rng, repairTournament)
	if space.CostBudgeted() {
		l.balanceCost(m, rng, repairTournament)
		return
	}
	l.balance(m, rng, repairTournament)
}

// fixMin only enforces MinKeep: the repair for unbudgeted objectives, where
// the number of kept slots is itself under search.
func fixMin(m *Mask, space Space, rng *rand.Rand) {
	newLayout(space, *m).fillMin(m, rng, repairTournament)
}

// uniformCrossover takes each bit of dst from dst or mate with equal odds,
// changing dst only. Bits past N are zero in both, so they stay zero.
func uniformCrossover(dst *Mask, mate Mask, rng *rand.Rand) {
	for i := range dst.Bits {
		r := rng.Uint64()
		dst.Bits[i] = dst.Bits[i]&r | mate.Bits[i]&^r
	}
}

// swapMutate moves kept slots: about Binomial(kept, rate) times (at least
// once, as an unchanged child would only waste a population place on a cache
// hit) it drops a kept slot and keeps a dropped one, so the count never
// changes. Each side is the better of mutationTournament random candidates by
// score, which concentrates swaps near the score boundary where the scores
// are most likely wrong, yet still proposes any swap.
func swapMutate(m *Mask, space Space, rate float64, rng *rand.Rand) {
	l := newLayout(space, *m)
	events := max(binomial(l.total(), rate, rng), 1)
	for e := 0; e < events; e++ {
		from := l.chooseSegment(rng, func(si int) int { return l.kept[si] })
		if from < 0 {
			return
		}
		to := from
		if (rng.Float64() < crossSegmentProb || l.dropped(from) == 0) && l.kept[from] > l.min {
			if si := l.chooseSegment(rng, func(si int) int {
				if si == from {
					return 0
				}
				return l.dropped(si)
			}); si >= 0 {
				to = si
			}
		}
		if l.dropped(to) == 0 {
			continue
		}
		// Pick both before changing either, so the slot just dropped cannot
		// be picked straight back.
		out, in := l.tournament(*m, from, true, false, mutationTournament, rng), l.tournament(*m, to, false, true, mutationTournament, rng)
		l.set(m, from, out, false)
		l.set(m, to, in, true)
	}
}

// flipMutate flips each bit with probability rate (at least one bit), for
// unbudgeted objectives, then restores MinKeep.
func flipMutate(m *Mask, space Space, rate float64, rng *rand.Rand) {
	flipped := false
	bernoulli(m.N, rate, rng, func(i int) { m.flip(i); flipped = true })
	if !flipped && m.N > 0 {
		m.flip(rng.Intn(m.N))
	}
	fixMin(m, space, rng)
}

// perturb swaps round(frac·kept) kept slots with random dropped slots of the
// same segment, which keeps the per-layer allocation of a seed mask.
func perturb(m *Mask, space Space, frac float64, rng *rand.Rand) {
	l := newLayout(space, *m)
	swaps := max(int(math.Round(frac*float64(l.total()))), 1)
	for e := 0; e < swaps; e++ {
		si := l.chooseSegment(rng, func(si int) int {
			if l.dropped(si) > 0 {
				return l.kept[si]
			}
			return 0
		})
		if si < 0 {
			return
		}
		out := l.pick(*m, si, true, rng)
		in := l.pick(*m, si, false, rng)
		l.set(m, si, out, false)
		l.set(m, si, in, true)
	}
}

// randomMask keeps Keep slots drawn uniformly, then meets MinKeep by uniform
// (not score-guided) changes so that the random control stays unbiased.
// Under a cost budget see randomMaskCost.
func randomMask(space Space, rng *rand.Rand) Mask {
	if space.CostBudgeted() {
		return randomMaskCost(space, rng)
	}
	n := space.N()
	m := NewMask(n)
	keep := min(max(space.Keep, 0), n)
	// Draw whichever side is smaller so rejection needs at most ~2 tries per
	// slot.
	want, draws := true, keep
	if keep > n/2 {
		for i := 0; i < n; i++ {
			m.Set(i, true)
		}
		want, draws = false, n-keep
	}
	for draws > 0 {
		if i := rng.Intn(n); m.Get(i) != want {
			m.Set(i, want)
			draws--
		}
	}
	l := newLayout(space, m)
	l.fillMin(&m, rng, 1)
	l.balance(&m, rng, 1)
	return m
}

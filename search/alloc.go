package search

import (
	"math"
	"math/rand"
	"slices"
)

// Per-layer allocation genomes (Space.PerLayer): the genome is how many
// slots each segment keeps, and a mask keeps the first that many slots of
// every segment. Callers order each segment's slots best first (e.g. by
// |w|), so the search chooses per-layer ratios and magnitude decides inside
// each layer. Masks stay prefix masks: two masks with the same counts are
// the same mask, so the cache, elitism and the hall of fame see allocations.

// prefixMask keeps the first counts[i] slots of segment i.
func prefixMask(space Space, counts []int) Mask {
	m := NewMask(space.N())
	for si, off := range space.Offsets() {
		for j := 0; j < min(max(counts[si], 0), space.Segments[si].Size); j++ {
			m.Set(off+j, true)
		}
	}
	return m
}

// allocMutate moves a share of one segment's kept slots to another
// (budgeted: the total stays Keep) or rescales one segment's count
// (unbudgeted). Shares are log-uniform in [1 %, 50 %] of the donor's count so
// both fine and bold changes are proposed.
func allocMutate(m *Mask, space Space, rate float64, rng *rand.Rand, budgeted bool) {
	c := space.Counts(*m)
	mk := space.minKeep()
	events := max(binomial(len(c), rate, rng), 1)
	for e := 0; e < events; e++ {
		a := rng.Intn(len(c))
		share := math.Exp(math.Log(0.01) + rng.Float64()*(math.Log(0.5)-math.Log(0.01)))
		if !budgeted {
			f := 1 + share
			if rng.Intn(2) == 0 {
				f = 1 / f
			}
			c[a] = int(math.Round(float64(c[a]) * f))
			continue
		}
		if len(c) < 2 {
			return
		}
		b := rng.Intn(len(c) - 1)
		if b >= a {
			b++
		}
		d := max(int(math.Round(share*float64(c[a]))), 1)
		d = min(d, c[a]-mk, space.Segments[b].Size-c[b])
		if d > 0 {
			c[a] -= d
			c[b] += d
		}
	}
	*m = prefixMask(space, fitCounts(space, c, budgeted))
}

// allocCrossover blends the receiver's counts with the mate's, segment by
// segment with random weights, and repairs the budget. The mate is unchanged.
func allocCrossover(dst *Mask, mate Mask, space Space, rng *rand.Rand, budgeted bool) {
	a, b := space.Counts(*dst), space.Counts(mate)
	c := make([]int, len(a))
	for i := range a {
		w := rng.Float64()
		c[i] = int(math.Round(w*float64(a[i]) + (1-w)*float64(b[i])))
	}
	*dst = prefixMask(space, fitCounts(space, c, budgeted))
}

// randomAlloc draws a density per segment uniformly and scales the counts to
// the budget.
func randomAlloc(space Space, rng *rand.Rand) Mask {
	c := make([]int, len(space.Segments))
	for i, seg := range space.Segments {
		c[i] = int(math.Round(rng.Float64() * float64(seg.Size)))
	}
	return prefixMask(space, fitCounts(space, c, true))
}

// proportionalAlloc keeps the same fraction of every segment.
func proportionalAlloc(space Space) Mask {
	c := make([]int, len(space.Segments))
	frac := float64(space.Keep) / float64(space.N())
	for i, seg := range space.Segments {
		c[i] = int(math.Round(frac * float64(seg.Size)))
	}
	return prefixMask(space, fitCounts(space, c, true))
}

// fitCounts clamps counts to [MinKeep, Size] and, when budgeted, scales
// them so they sum to Keep (or fit the cost budget, fitCost): a common
// factor found by bisection, then the rounding remainder one slot at a time
// on the segments with room, largest first.
func fitCounts(space Space, c []int, budgeted bool) []int {
	mk := space.minKeep()
	clamp := func(i int, v float64) int {
		return min(max(int(math.Round(v)), mk), space.Segments[i].Size)
	}
	out := make([]int, len(c))
	for i := range c {
		out[i] = clamp(i, float64(c[i]))
	}
	if !budgeted {
		return out
	}
	if space.CostBudgeted() {
		return fitCost(space, c, clamp)
	}
	total := 0
	for i := range c {
		total += out[i]
	}
	if total == space.Keep && slices.Equal(out, c) {
		return out
	}
	sum := func(f float64) int {
		t := 0
		for _, k := range scaledCounts(c, clamp, f) {
			t += k
		}
		return t
	}
	lo, hi := 0.0, 1.0
	for sum(hi) < space.Keep && hi < 1e12 {
		hi *= 2
	}
	for it := 0; it < 100 && sum(lo) != space.Keep; it++ {
		mid := (lo + hi) / 2
		if sum(mid) <= space.Keep {
			lo = mid
		} else {
			hi = mid
		}
	}
	out, total = scaledCounts(c, clamp, lo), 0
	for _, k := range out {
		total += k
	}
	order := largestFirst(space)
	for total != space.Keep {
		moved := false
		for _, i := range order {
			if total < space.Keep && out[i] < space.Segments[i].Size {
				out[i]++
				total++
				moved = true
			} else if total > space.Keep && out[i] > mk {
				out[i]--
				total--
				moved = true
			}
			if total == space.Keep {
				break
			}
		}
		if !moved {
			break // the budget cannot be met; Validate rejects such spaces
		}
	}
	return out
}

// fitCost is fitCounts under a cost budget: counts scaled by the largest
// common factor whose cost fits MaxCost, then single slots added, largest
// segment first, while one fits, so the cost ends within one slot's marginal
// cost of the budget.
func fitCost(space Space, c []int, clamp func(int, float64) int) []int {
	fits := func(f float64) bool { return space.Cost.Of(scaledCounts(c, clamp, f)) <= space.MaxCost }
	lo, hi := 0.0, 1.0
	for fits(hi) && hi < 1e12 {
		hi *= 2
	}
	for it := 0; it < 60; it++ {
		if mid := (lo + hi) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	out := scaledCounts(c, clamp, lo)
	for added := true; added; {
		added = false
		for _, i := range largestFirst(space) {
			if out[i] < space.Segments[i].Size && space.Cost.Of(out)+space.marginal(out, i) <= space.MaxCost {
				out[i]++
				added = true
			}
		}
	}
	return out
}

// scaledCounts is c scaled by f and clamped (a count of 0 scales as 1, so
// every segment can grow back).
func scaledCounts(c []int, clamp func(int, float64) int, f float64) []int {
	out := make([]int, len(c))
	for i := range c {
		out[i] = clamp(i, f*float64(max(c[i], 1)))
	}
	return out
}

// largestFirst lists the segments by size, largest first (stable), the
// order in which rounding remainders are settled.
func largestFirst(space Space) []int {
	order := make([]int, len(space.Segments))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return space.Segments[y].Size - space.Segments[x].Size })
	return order
}

// initialAllocations is TopK's allocation (global ranking), the
// proportional one, perturbed copies of both, then random allocations.
func initialAllocations(space Space, cfg Config) []Mask {
	rng := rand.New(rand.NewSource(deriveSeed(cfg.Seed, streamInit, 0)))
	seeds := []Mask{prefixMask(space, space.Counts(TopK(space))), proportionalAlloc(space)}
	pop := make([]Mask, cfg.Population)
	for i := range pop {
		switch {
		case i < len(seeds):
			pop[i] = seeds[i]
		case i <= len(pop)/2:
			m := seeds[i%len(seeds)].Clone()
			allocMutate(&m, space, 0, rng, true)
			pop[i] = m
		default:
			pop[i] = randomAlloc(space, rng)
		}
	}
	return pop
}

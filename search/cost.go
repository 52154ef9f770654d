package search

import (
	"math"
	"math/rand"
	"slices"
)

// Cost is the cost (FLOPs) of the network a unit mask rebuilds, as a sum of
// bilinear terms: each conv or linear layer costs Factor · in · out, where in
// and out are the kept units of the segments it reads and writes, or fixed
// widths. With Space.MaxCost set, budgeted searches hold every mask to at
// most MaxCost, as close to it as single units allow, instead of Keep slots.
type Cost struct {
	Terms []CostTerm
	Fixed float64 // layers no segment touches
}

// CostTerm is one layer: Factor · (In's kept · InRepeat, or InFixed) ·
// (Out's kept, or OutFixed). In and Out are segment indices, -1 for fixed.
type CostTerm struct {
	In, Out           int
	InFixed, OutFixed float64
	InRepeat          float64 // inputs per kept unit of In (after a flatten: H·W); 0 means 1
	Factor            float64
}

// Of is the cost of a mask that keeps counts[i] slots of segment i.
func (c *Cost) Of(counts []int) float64 {
	total := c.Fixed
	for _, t := range c.Terms {
		in, out := t.InFixed, t.OutFixed
		if t.In >= 0 {
			in = float64(counts[t.In]) * max(t.InRepeat, 1)
		}
		if t.Out >= 0 {
			out = float64(counts[t.Out])
		}
		total += t.Factor * in * out
	}
	return total
}

// CostBudgeted says whether the space's budget is a cost, not a count.
func (s Space) CostBudgeted() bool { return s.Cost != nil && s.MaxCost > 0 }

// CostOf is the cost of m (0 without a cost model).
func (s Space) CostOf(m Mask) float64 {
	if s.Cost == nil {
		return 0
	}
	return s.Cost.Of(s.Counts(m))
}

// DenseCost is the cost with every slot kept.
func (s Space) DenseCost() float64 {
	counts := make([]int, len(s.Segments))
	for i, seg := range s.Segments {
		counts[i] = seg.Size
	}
	return s.Cost.Of(counts)
}

// marginal is the cost of keeping one more slot of segment si.
func (s Space) marginal(counts []int, si int) float64 {
	before := s.Cost.Of(counts)
	counts[si]++
	after := s.Cost.Of(counts)
	counts[si]--
	return after - before
}

// balanceCost drops slots (low scores first, by tournament) while the mask
// costs more than MaxCost, then adds high-score slots while one fits, never
// taking a segment below MinKeep. It ends within one unit's cost of the
// budget.
func (l *layout) balanceCost(m *Mask, rng *rand.Rand, t int) {
	sp := l.space
	for sp.Cost.Of(l.kept) > sp.MaxCost {
		if !l.dropLow(m, rng, t) {
			return
		}
	}
	for {
		left := sp.MaxCost - sp.Cost.Of(l.kept)
		si := l.chooseSegment(rng, func(si int) int {
			if l.dropped(si) > 0 && sp.marginal(l.kept, si) <= left {
				return l.dropped(si)
			}
			return 0
		})
		if si < 0 {
			return
		}
		l.set(m, si, l.tournament(*m, si, false, true, t, rng), true)
	}
}

// topKCost is TopK under a cost budget: MinKeep per segment, then slots in
// descending score while they fit (a slot that does not fit is skipped, so
// cheaper ones fill what is left).
func topKCost(space Space) Mask {
	off := space.Offsets()
	m := NewMask(space.N())
	counts := make([]int, len(space.Segments))
	var rest []slotScore
	seg := make([]int, 0, space.N())
	for si, s := range space.Segments {
		order := segmentOrder(space, si)
		k := min(space.minKeep(), s.Size)
		for _, c := range order[:k] {
			m.Set(off[si]+c.i, true)
		}
		counts[si] = k
		for _, c := range order[k:] {
			rest = append(rest, slotScore{i: off[si] + c.i, s: c.s})
		}
	}
	slices.SortFunc(rest, byScoreDesc)
	for i := 0; i < space.N(); i++ {
		seg = append(seg, segmentAt(off, i))
	}
	fill(space, &m, counts, rest, seg)
	return m
}

// fill keeps the candidates in order while each fits the budget.
func fill(space Space, m *Mask, counts []int, cands []slotScore, seg []int) {
	cost := space.Cost.Of(counts)
	for _, c := range cands {
		si := seg[c.i]
		if d := space.marginal(counts, si); cost+d <= space.MaxCost {
			m.Set(c.i, true)
			counts[si]++
			cost += d
		}
	}
}

// segmentAt is the segment of global slot i.
func segmentAt(off []int, i int) int {
	si, _ := slices.BinarySearch(off, i+1)
	return si - 1
}

// randomMaskCost keeps MinKeep random slots per segment, then random slots
// in a uniformly random order while they fit: the unbiased control.
func randomMaskCost(space Space, rng *rand.Rand) Mask {
	off := space.Offsets()
	m := NewMask(space.N())
	counts := make([]int, len(space.Segments))
	seg := make([]int, space.N())
	var cands []slotScore
	for si, s := range space.Segments {
		perm := rng.Perm(s.Size)
		k := min(space.minKeep(), s.Size)
		for _, j := range perm[:k] {
			m.Set(off[si]+j, true)
		}
		counts[si] = k
		for _, j := range perm[k:] {
			cands = append(cands, slotScore{i: off[si] + j})
		}
		for j := 0; j < s.Size; j++ {
			seg[off[si]+j] = si
		}
	}
	rng.Shuffle(len(cands), func(a, b int) { cands[a], cands[b] = cands[b], cands[a] })
	fill(space, &m, counts, cands, seg)
	return m
}

// UniformAtCost is how many slots each segment keeps when every segment
// keeps the same share, the largest share whose cost fits the budget (found
// by bisection). The space must be CostBudgeted.
func UniformAtCost(space Space) []int {
	at := func(r float64) []int {
		c := make([]int, len(space.Segments))
		for i, s := range space.Segments {
			c[i] = min(max(int(math.Round(r*float64(s.Size))), min(space.minKeep(), s.Size)), s.Size)
		}
		return c
	}
	lo, hi := 0.0, 1.0
	for it := 0; it < 60; it++ {
		mid := (lo + hi) / 2
		if space.Cost.Of(at(mid)) <= space.MaxCost {
			lo = mid
		} else {
			hi = mid
		}
	}
	return at(lo)
}

package search

import (
	"cmp"
	"slices"
)

// ranked slot, for sorting by score.
type slotScore struct {
	i int
	s float64
}

// byScoreDesc orders slots by descending score; ties (and NaNs, which
// cmp.Compare ranks lowest) fall back to the index so the order is total and
// the baselines are reproducible.
func byScoreDesc(a, b slotScore) int {
	if c := cmp.Compare(b.s, a.s); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

// segmentOrder returns the slots of segment si (as indices within the
// segment) from most to least important.
func segmentOrder(space Space, si int) []slotScore {
	seg := space.Segments[si]
	order := make([]slotScore, seg.Size)
	for j := range order {
		order[j] = slotScore{i: j, s: space.score(si, j)}
	}
	slices.SortFunc(order, byScoreDesc)
	return order
}

// TopK is the magnitude baseline: it keeps the Keep highest-score slots
// globally, but at least MinKeep in every segment. Scores are compared across
// segments as given, so callers whose layers score on different scales should
// normalise them first. Under a cost budget it keeps the best slots that fit.
func TopK(space Space) Mask {
	if space.CostBudgeted() {
		return topKCost(space)
	}
	off := space.Offsets()
	m := NewMask(space.N())
	mk := space.minKeep()
	taken := 0
	rest := make([]slotScore, 0, m.N)
	for si, seg := range space.Segments {
		order := segmentOrder(space, si)
		k := min(mk, seg.Size)
		for _, c := range order[:k] {
			m.Set(off[si]+c.i, true)
		}
		taken += k
		for _, c := range order[k:] {
			rest = append(rest, slotScore{i: off[si] + c.i, s: c.s})
		}
	}
	slices.SortFunc(rest, byScoreDesc)
	for _, c := range rest[:min(max(space.Keep-taken, 0), len(rest))] {
		m.Set(c.i, true)
	}
	return m
}

// PerSegmentTopK keeps the keep[i] highest-score slots of segment i: the
// baseline for a fixed per-layer allocation. Counts are clamped to
// [0, Size]; segments without an entry keep nothing.
func PerSegmentTopK(space Space, keep []int) Mask {
	off := space.Offsets()
	m := NewMask(space.N())
	for si, seg := range space.Segments {
		if si >= len(keep) {
			break
		}
		k := min(max(keep[si], 0), seg.Size)
		for _, c := range segmentOrder(space, si)[:k] {
			m.Set(off[si]+c.i, true)
		}
	}
	return m
}

package search

import (
	"errors"
	"fmt"
	"math"
)

// Segment is one prunable layer: Size consecutive slots of the mask.
type Segment struct {
	Name string
	Size int
	// Scores rank the slots by importance (higher = more important, e.g. an
	// L1 norm); they seed the search and guide Repair. Empty means no prior:
	// all slots rank equal.
	Scores []float64
}

// Space describes the slots a mask covers and the budget it must meet.
type Space struct {
	Segments []Segment
	// Keep is the global budget: the number of kept slots, summed over
	// segments. Budgeted searches hold every mask to exactly Keep; unbudgeted
	// ones use it for the initial population only.
	Keep int
	// MinKeep is the least number of slots each segment keeps, so the net
	// stays connected; 0 means the default of 1.
	MinKeep int
	// Cost and MaxCost, when both set, replace Keep as the budget of
	// budgeted searches: every mask costs at most MaxCost (see Cost).
	Cost    *Cost
	MaxCost float64
	// PerLayer makes the genome a count per segment: masks keep the first
	// count slots of every segment, so callers order each segment's slots
	// best first (see alloc.go).
	PerLayer bool
}

// Offsets returns the first slot of each segment.
func (s Space) Offsets() []int {
	off := make([]int, len(s.Segments))
	n := 0
	for i, seg := range s.Segments {
		off[i] = n
		n += seg.Size
	}
	return off
}

// N returns the total number of slots.
func (s Space) N() int {
	n := 0
	for _, seg := range s.Segments {
		n += seg.Size
	}
	return n
}

// minKeep returns MinKeep with its default applied.
func (s Space) minKeep() int {
	if s.MinKeep <= 0 {
		return 1
	}
	return s.MinKeep
}

// Validate reports whether the budget can be met: every segment can keep
// MinKeep slots and the sum of those minima fits in Keep.
func (s Space) Validate() error {
	if len(s.Segments) == 0 {
		return errors.New("space has no segments")
	}
	mk := s.minKeep()
	for i, seg := range s.Segments {
		if seg.Size < mk {
			return fmt.Errorf("segment %d (%q): size %d below the per-segment minimum %d", i, seg.Name, seg.Size, mk)
		}
		if len(seg.Scores) != 0 && len(seg.Scores) != seg.Size {
			return fmt.Errorf("segment %d (%q): %d scores for %d slots", i, seg.Name, len(seg.Scores), seg.Size)
		}
		for j, v := range seg.Scores {
			if math.IsNaN(v) {
				return fmt.Errorf("segment %d (%q): score %d is NaN", i, seg.Name, j)
			}
		}
	}
	if s.CostBudgeted() {
		least := make([]int, len(s.Segments))
		for i := range least {
			least[i] = mk
		}
		if c := s.Cost.Of(least); c > s.MaxCost {
			return fmt.Errorf("cost budget %.4g below %.4g, the cost of keeping %d slot(s) per segment", s.MaxCost, c, mk)
		}
		for _, t := range s.Cost.Terms {
			if t.In >= len(s.Segments) || t.Out >= len(s.Segments) || t.In < -1 || t.Out < -1 {
				return fmt.Errorf("cost term refers to segment %d or %d of %d", t.In, t.Out, len(s.Segments))
			}
		}
		return nil
	}
	if lo, n := mk*len(s.Segments), s.N(); s.Keep < lo || s.Keep > n {
		return fmt.Errorf("keep %d outside [%d, %d] (%d segments x min %d, %d slots)", s.Keep, lo, n, len(s.Segments), mk, n)
	}
	return nil
}

// Counts returns the kept slots per segment.
func (s Space) Counts(m Mask) []int {
	c := make([]int, len(s.Segments))
	off := 0
	for i, seg := range s.Segments {
		if off+seg.Size <= m.N {
			c[i] = m.countRange(off, off+seg.Size)
		}
		off += seg.Size
	}
	return c
}

// score returns the importance of slot j of segment si.
func (s Space) score(si, j int) float64 {
	if sc := s.Segments[si].Scores; len(sc) > 0 {
		return sc[j]
	}
	return 0
}

package search

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"testing"
	"time"
)

// checkBudget fails unless m keeps exactly Keep slots and MinKeep per segment.
func checkBudget(t *testing.T, what string, m Mask, sp Space) {
	t.Helper()
	if got := m.Count(); got != sp.Keep {
		t.Fatalf("%s: %d kept, want %d", what, got, sp.Keep)
	}
	for si, c := range sp.Counts(m) {
		if c < sp.minKeep() {
			t.Fatalf("%s: segment %d keeps %d < %d", what, si, c, sp.minKeep())
		}
	}
}

func TestTopK(t *testing.T) {
	sp := Space{
		Segments: []Segment{
			{Name: "a", Size: 4, Scores: []float64{5, 1, 4, 3}},
			{Name: "b", Size: 3, Scores: []float64{0.1, 0.3, 0.2}},
		},
		Keep: 3,
	}
	m := TopK(sp)
	// Globally the top 3 are all in "a", but "b" must keep its best slot.
	want := []int{0, 2, 5}
	if m.Count() != 3 {
		t.Fatalf("TopK kept %d", m.Count())
	}
	for _, i := range want {
		if !m.Get(i) {
			t.Fatalf("TopK = %x, want slots %v", m.Bits, want)
		}
	}
	sp.MinKeep = 2
	sp.Keep = 4
	m = TopK(sp)
	if c := sp.Counts(m); c[0] != 2 || c[1] != 2 || !m.Get(0) || !m.Get(2) || !m.Get(5) || !m.Get(6) {
		t.Fatalf("TopK with MinKeep 2 = counts %v bits %x", c, m.Bits)
	}

	p := PerSegmentTopK(sp, []int{1, 9})
	if c := sp.Counts(p); c[0] != 1 || c[1] != 3 || !p.Get(0) {
		t.Fatalf("PerSegmentTopK counts %v", c)
	}
	if PerSegmentTopK(sp, nil).Count() != 0 {
		t.Fatal("PerSegmentTopK without counts kept slots")
	}
}

func TestSpaceValidate(t *testing.T) {
	good := Space{Segments: []Segment{{Size: 3}, {Size: 2}}, Keep: 2}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if off := good.Offsets(); off[0] != 0 || off[1] != 3 || good.N() != 5 {
		t.Fatalf("offsets %v, N %d", off, good.N())
	}
	for name, sp := range map[string]Space{
		"empty":        {},
		"keep too low": {Segments: []Segment{{Size: 3}, {Size: 2}}, Keep: 1},
		"keep too big": {Segments: []Segment{{Size: 3}}, Keep: 4},
		"scores":       {Segments: []Segment{{Size: 3, Scores: []float64{1}}}, Keep: 1},
		"min keep":     {Segments: []Segment{{Size: 3}}, Keep: 3, MinKeep: 4},
	} {
		if sp.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRepair(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	sp := Space{Segments: []Segment{{Size: 90}, {Size: 7}, {Size: 40}}, Keep: 30, MinKeep: 3}
	for i := range sp.Segments {
		sp.Segments[i].Scores = make([]float64, sp.Segments[i].Size)
		for j := range sp.Segments[i].Scores {
			sp.Segments[i].Scores[j] = rng.Float64()
		}
	}
	for trial := 0; trial < 500; trial++ {
		m := randomBits(sp.N(), rng.Float64(), rng)
		Repair(&m, sp, rng)
		checkBudget(t, "repair", m, sp)
		before := m.Clone()
		Repair(&m, sp, rng)
		if !m.Equal(before) {
			t.Fatal("repair changed a mask that met the budget")
		}
	}
	// Score guidance: repairing an empty mask should favour high scores.
	top, sum := TopK(sp), 0
	for trial := 0; trial < 50; trial++ {
		m := NewMask(sp.N())
		Repair(&m, sp, rng)
		for i := 0; i < m.N; i++ {
			if m.Get(i) && top.Get(i) {
				sum++
			}
		}
	}
	if frac := float64(sum) / float64(50*sp.Keep); frac < 0.3 || frac > 0.95 {
		t.Fatalf("repaired masks share %.2f of TopK: want guided but not collapsed", frac)
	}
	// Masks of another space are left alone rather than panicking.
	odd := NewMask(5)
	Repair(&odd, sp, rng)
	Repair(nil, sp, rng)
	if odd.Count() != 0 {
		t.Fatal("repaired a mask of the wrong size")
	}
}

func TestSwapMutationKeepsBudget(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	_, sp := newToy([]int{60, 30, 10}, 25, 4, 0.5)
	sp.MinKeep = 2
	moved, changed := 0, 0
	for trial := 0; trial < 2000; trial++ {
		m := randomMask(sp, rng)
		before := sp.Counts(m)
		orig := m.Clone()
		swapMutate(&m, sp, 0.05, rng)
		checkBudget(t, "swap mutation", m, sp)
		if !m.Equal(orig) {
			changed++
		}
		after := sp.Counts(m)
		for i := range after {
			if after[i] != before[i] {
				moved++
				break
			}
		}
	}
	if changed < 1990 {
		t.Fatalf("only %d of 2000 mutations changed the mask", changed)
	}
	// About crossSegmentProb of the events move across segments: some but
	// not most mutations change the per-segment allocation.
	if moved < 100 || moved > 1000 {
		t.Fatalf("%d of 2000 mutations changed the allocation", moved)
	}
}

func TestCrossover(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	_, sp := newToy([]int{70, 50}, 30, 5, 0.5)
	g := &genetic{space: sp, cfg: Config{Objective: Objective{Name: AccuracyAtSparsity, Budgeted: true}}}
	shared := 0
	for trial := 0; trial < 1000; trial++ {
		a, b := randomMask(sp, rng), randomMask(sp, rng)
		mateJSON, _ := json.Marshal(b)

		// Before repair, a child has only bits its parents agree on or
		// either one has.
		raw := a.Clone()
		uniformCrossover(&raw, b, rng)
		for i := 0; i < sp.N(); i++ {
			if a.Get(i) == b.Get(i) && raw.Get(i) != a.Get(i) {
				t.Fatalf("slot %d: parents agree on %v, child has %v", i, a.Get(i), raw.Get(i))
			}
		}

		child := &genome{mask: a.Clone(), g: g}
		mate := &genome{mask: b, g: g}
		child.Crossover(mate, rng)
		checkBudget(t, "crossover", child.mask, sp)
		after, _ := json.Marshal(mate.mask)
		if !bytes.Equal(mateJSON, after) {
			t.Fatal("crossover changed the mate")
		}
		for i := 0; i < sp.N(); i++ {
			if child.mask.Get(i) && (a.Get(i) || b.Get(i)) {
				shared++
			}
		}
	}
	if frac := float64(shared) / float64(1000*sp.Keep); frac < 0.85 {
		t.Fatalf("only %.2f of repaired children's kept slots come from a parent", frac)
	}
}

func TestFlipMutation(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	sp := Space{Segments: []Segment{{Size: 1000}, {Size: 5}}, Keep: 100, MinKeep: 2}
	total := 0
	for trial := 0; trial < 200; trial++ {
		m := randomMask(sp, rng)
		orig := m.Clone()
		flipMutate(&m, sp, 0.01, rng)
		for _, c := range sp.Counts(m) {
			if c < 2 {
				t.Fatal("flip mutation broke MinKeep")
			}
		}
		for i := 0; i < m.N; i++ {
			if m.Get(i) != orig.Get(i) {
				total++
			}
		}
	}
	// 1005 slots at 1%: about 10 flips each.
	if mean := float64(total) / 200; mean < 8 || mean > 12.5 {
		t.Fatalf("mean %.2f flips per mutation, want about 10", mean)
	}
}

func TestBinomial(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	sum := 0
	for trial := 0; trial < 2000; trial++ {
		sum += binomial(10000, 0.01, rng)
	}
	if mean := float64(sum) / 2000; mean < 98 || mean > 102 {
		t.Fatalf("Binomial(10000, 0.01) mean %.2f", mean)
	}
	if binomial(10, 0, rng) != 0 || binomial(10, 1, rng) != 10 || binomial(0, 0.5, rng) != 0 {
		t.Fatal("binomial edge cases")
	}
	last := -1
	bernoulli(1000, 0.3, rng, func(i int) {
		if i <= last || i >= 1000 {
			t.Fatalf("bernoulli index %d after %d", i, last)
		}
		last = i
	})
}

func TestWeightScaleOperatorsAreSparse(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	sp := Space{Segments: []Segment{{Name: "fc1", Size: 235200}, {Name: "fc2", Size: 30000}, {Name: "fc3", Size: 1000}}, Keep: 26620}
	for i := range sp.Segments {
		sp.Segments[i].Scores = make([]float64, sp.Segments[i].Size)
		for j := range sp.Segments[i].Scores {
			sp.Segments[i].Scores[j] = rng.Float64()
		}
	}
	m := TopK(sp)
	checkBudget(t, "weight TopK", m, sp)
	start := time.Now()
	for i := 0; i < 100; i++ {
		swapMutate(&m, sp, 0.01, rng)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("100 swap mutations of %d slots took %v", sp.N(), d)
	}
	checkBudget(t, "weight mutation", m, sp)
	start = time.Now()
	for i := 0; i < 100; i++ {
		flipMutate(&m, sp, 0.001, rng)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("100 flip mutations took %v", d)
	}
}

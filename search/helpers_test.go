package search

import (
	"math"
	"math/rand"
	"slices"
	"sort"
)

// toy is a problem with a known optimum: every slot has a hidden true value
// and accuracy is the kept share of the best achievable sum.
type toy struct {
	truth   []float64
	best    float64
	quantum float64 // if > 0, accuracies are rounded to it to create ties
	calls   int     // masks evaluated
	batches int
	seen    map[uint64]int
}

// newToy builds a space of the given segment sizes whose scores are the true
// values plus Gaussian noise of the given spread.
func newToy(sizes []int, keep int, seed int64, noise float64) (*toy, Space) {
	rng := rand.New(rand.NewSource(seed))
	t := &toy{seen: map[uint64]int{}}
	sp := Space{Keep: keep}
	for si, n := range sizes {
		seg := Segment{Name: string(rune('a' + si)), Size: n, Scores: make([]float64, n)}
		for j := range seg.Scores {
			v := rng.ExpFloat64()
			t.truth = append(t.truth, v)
			seg.Scores[j] = v + noise*rng.NormFloat64()
		}
		sp.Segments = append(sp.Segments, seg)
	}
	sorted := slices.Clone(t.truth)
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	for _, v := range sorted[:keep] {
		t.best += v
	}
	return t, sp
}

func (t *toy) accuracy(m Mask) float64 {
	s := 0.0
	for i, v := range t.truth {
		if m.Get(i) {
			s += v
		}
	}
	a := s / t.best
	if t.quantum > 0 {
		a = math.Round(a/t.quantum) * t.quantum
	}
	return a
}

func (t *toy) Evaluate(masks []Mask) ([]Score, error) {
	t.batches++
	out := make([]Score, len(masks))
	for i, m := range masks {
		t.calls++
		t.seen[m.Hash()]++
		a := t.accuracy(m)
		out[i] = Score{ValAccuracy: a, Loss: 1 - a}
	}
	return out, nil
}

// stripTiming zeroes the wall-clock fields, the only ones allowed to differ
// between identical runs.
func stripTiming(h []Progress) []Progress {
	out := slices.Clone(h)
	for i := range out {
		out[i].Seconds, out[i].EvalsPerSec = 0, 0
	}
	return out
}

func randomBits(n int, p float64, rng *rand.Rand) Mask {
	m := NewMask(n)
	for i := 0; i < n; i++ {
		if rng.Float64() < p {
			m.Set(i, true)
		}
	}
	return m
}

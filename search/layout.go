package search

import (
	"math"
	"math/rand"
)

// layout caches where each segment lies and how many of its slots a mask
// keeps, so operators can pick slots per segment without scanning the mask
// again after every change.
type layout struct {
	space Space
	off   []int
	kept  []int
	min   int
}

func newLayout(space Space, m Mask) *layout {
	return &layout{space: space, off: space.Offsets(), kept: space.Counts(m), min: space.minKeep()}
}

func (l *layout) size(si int) int    { return l.space.Segments[si].Size }
func (l *layout) dropped(si int) int { return l.size(si) - l.kept[si] }

func (l *layout) total() int {
	t := 0
	for _, k := range l.kept {
		t += k
	}
	return t
}

// set changes slot i (global index) of segment si and keeps the counts true.
func (l *layout) set(m *Mask, si, i int, v bool) {
	if i < 0 || m.Get(i) == v {
		return
	}
	m.flip(i)
	if v {
		l.kept[si]++
	} else {
		l.kept[si]--
	}
}

// chooseSegment draws a segment with probability proportional to weight(si);
// it returns -1 when all weights are zero.
func (l *layout) chooseSegment(rng *rand.Rand, weight func(si int) int) int {
	sum := 0
	for si := range l.kept {
		sum += max(weight(si), 0)
	}
	if sum == 0 {
		return -1
	}
	r := rng.Intn(sum)
	for si := range l.kept {
		if w := max(weight(si), 0); r < w {
			return si
		} else {
			r -= w
		}
	}
	return -1
}

// pick returns a uniformly random global slot of segment si whose bit is
// want, or -1 if there is none.
func (l *layout) pick(m Mask, si int, want bool, rng *rand.Rand) int {
	count := l.kept[si]
	if !want {
		count = l.dropped(si)
	}
	if count <= 0 {
		return -1
	}
	lo, size := l.off[si], l.size(si)
	// Rejection sampling costs O(size/count) draws, which is cheap while the
	// wanted slots are not rare; past that, a rank scan bounds the cost at
	// O(size/64) word reads instead.
	if count*32 >= size {
		for try := 0; try < 256; try++ {
			if i := lo + rng.Intn(size); m.Get(i) == want {
				return i
			}
		}
	}
	return m.nth(lo, lo+size, want, rng.Intn(count))
}

// tournament samples t slots of segment si whose bit is want and returns the
// one with the highest score (best) or lowest score (!best), or -1 if the
// segment has no such slot. Sampling, rather than taking the global extreme,
// keeps repair from pushing every mask toward the same top-k.
func (l *layout) tournament(m Mask, si int, want, best bool, t int, rng *rand.Rand) int {
	win, ws := -1, 0.0
	for k := 0; k < max(t, 1); k++ {
		i := l.pick(m, si, want, rng)
		if i < 0 {
			return -1
		}
		s := l.space.score(si, i-l.off[si])
		if win < 0 || (best && s > ws) || (!best && s < ws) {
			win, ws = i, s
		}
	}
	return win
}

// fillMin brings every segment up to MinKeep kept slots.
func (l *layout) fillMin(m *Mask, rng *rand.Rand, t int) {
	for si := range l.kept {
		for l.kept[si] < l.min {
			i := l.tournament(*m, si, false, true, t, rng)
			if i < 0 {
				break
			}
			l.set(m, si, i, true)
		}
	}
}

// balance drops or adds slots until the total equals Keep, never taking a
// segment below MinKeep. It stops early when the budget cannot be met, which
// only happens for spaces that fail Validate.
func (l *layout) balance(m *Mask, rng *rand.Rand, t int) {
	for total := l.total(); total > l.space.Keep; total-- {
		if !l.dropLow(m, rng, t) {
			return
		}
	}
	for total := l.total(); total < l.space.Keep; total++ {
		si := l.chooseSegment(rng, l.dropped)
		if si < 0 {
			return
		}
		l.set(m, si, l.tournament(*m, si, false, true, t, rng), true)
	}
}

// dropLow drops a low-score kept slot (tournament) of a segment above
// MinKeep, chosen in proportion to its kept slots; false when none can lose
// one.
func (l *layout) dropLow(m *Mask, rng *rand.Rand, t int) bool {
	si := l.chooseSegment(rng, func(si int) int {
		if l.kept[si] > l.min {
			return l.kept[si]
		}
		return 0
	})
	if si < 0 {
		return false
	}
	l.set(m, si, l.tournament(*m, si, true, false, t, rng), false)
	return true
}

// bernoulli calls f with each index in [0, n) independently with probability
// p, in increasing order. It jumps over the misses with geometric draws, so it
// costs O(n·p) rather than O(n) — what makes weight-level masks affordable.
func bernoulli(n int, p float64, rng *rand.Rand, f func(i int)) {
	if n <= 0 || p <= 0 || math.IsNaN(p) {
		return
	}
	if p >= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	lq := math.Log1p(-p)
	for i := -1; ; {
		skip := math.Floor(math.Log(1-rng.Float64()) / lq)
		if skip >= float64(n-1-i) {
			return
		}
		i += int(skip) + 1
		f(i)
	}
}

// binomial draws from Binomial(n, p) in O(n·p).
func binomial(n int, p float64, rng *rand.Rand) int {
	k := 0
	bernoulli(n, p, rng, func(int) { k++ })
	return k
}

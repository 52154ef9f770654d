package search

import (
	"cmp"
	"math"
	"math/rand"
	"slices"
)

// The pareto objective (NSGA-II, Deb et al. 2002): maximise validation
// accuracy and minimise cost (the space's Cost, e.g. FLOPs, or else the
// share of slots kept) at once. One search gives the whole front: the hall
// of fame becomes an archive of every non-dominated mask seen, and the
// Result's Best is its knee. eaopt has no multi-objective model, so the
// generations run here: binary tournaments on (front rank, crowding),
// uniform crossover, bit-flip mutation, and (μ + λ) survival by rank and
// crowding.

// archiveSize caps the front kept in the archive (thinned by crowding).
const archiveSize = 256

// cost is what the pareto objective minimises for m.
func (s Space) cost(m Mask) float64 {
	if s.Cost != nil {
		return s.CostOf(m)
	}
	return m.Density()
}

// point is a scored mask in objective space.
type point struct {
	r    Ranked
	acc  float64 // maximised
	cost float64 // minimised
}

func (r *run) points(pop []Ranked) []point {
	out := make([]point, len(pop))
	for i, p := range pop {
		out[i] = point{r: p, acc: p.Score.ValAccuracy, cost: r.space.cost(p.Mask)}
	}
	return out
}

// dominates: a is no worse in both objectives and better in one.
func dominates(a, b point) bool {
	return a.acc >= b.acc && a.cost <= b.cost && (a.acc > b.acc || a.cost < b.cost)
}

// fronts sorts points into non-dominated fronts (indices), best first.
func fronts(ps []point) [][]int {
	n := len(ps)
	dominated := make([][]int, n)
	count := make([]int, n)
	var out [][]int
	var cur []int
	for i := range ps {
		for j := range ps {
			if i != j && dominates(ps[i], ps[j]) {
				dominated[i] = append(dominated[i], j)
			} else if i != j && dominates(ps[j], ps[i]) {
				count[i]++
			}
		}
		if count[i] == 0 {
			cur = append(cur, i)
		}
	}
	for len(cur) > 0 {
		out = append(out, cur)
		var next []int
		for _, i := range cur {
			for _, j := range dominated[i] {
				if count[j]--; count[j] == 0 {
					next = append(next, j)
				}
			}
		}
		slices.Sort(next)
		cur = next
	}
	return out
}

// crowding is each front member's crowding distance (the extremes get +Inf).
func crowding(ps []point, front []int) map[int]float64 {
	d := make(map[int]float64, len(front))
	for _, obj := range []func(point) float64{func(p point) float64 { return p.acc }, func(p point) float64 { return p.cost }} {
		idx := slices.Clone(front)
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(obj(ps[a]), obj(ps[b])) })
		lo, hi := obj(ps[idx[0]]), obj(ps[idx[len(idx)-1]])
		d[idx[0]], d[idx[len(idx)-1]] = math.Inf(1), math.Inf(1)
		if hi <= lo {
			continue
		}
		for k := 1; k+1 < len(idx); k++ {
			d[idx[k]] += (obj(ps[idx[k+1]]) - obj(ps[idx[k-1]])) / (hi - lo)
		}
	}
	return d
}

// survivors picks n of ps by front, then by crowding (ties by mask hash, so
// the choice is reproducible); it returns them with their rank and crowding.
func survivors(ps []point, n int) (out []point, rank []int, crowd []float64) {
	// A canonical order first, so the outcome depends on the points only
	// (a resumed population comes back in any order).
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b point) int { return cmp.Compare(a.r.Mask.Hash(), b.r.Mask.Hash()) })
	for r, f := range fronts(ps) {
		d := crowding(ps, f)
		idx := slices.Clone(f)
		if len(out)+len(idx) > n {
			slices.SortStableFunc(idx, func(a, b int) int {
				if c := cmp.Compare(d[b], d[a]); c != 0 {
					return c
				}
				return cmp.Compare(ps[a].r.Mask.Hash(), ps[b].r.Mask.Hash())
			})
			idx = idx[:n-len(out)]
		}
		for _, i := range idx {
			out, rank, crowd = append(out, ps[i]), append(rank, r), append(crowd, d[i])
		}
		if len(out) == n {
			break
		}
	}
	return out, rank, crowd
}

// initialSpread seeds the pareto search across the cost range with the
// magnitude top-k at 2 % to 100 % of the dense cost (under a cost model the
// best slots that fit each cost, else each density): the front starts
// where the magnitude baseline is, and the search improves on it.
func initialSpread(space Space, cfg Config) []Mask {
	pop := make([]Mask, cfg.Population)
	n := space.N()
	for i := range pop {
		frac := 0.02 + 0.98*float64(i)/float64(max(len(pop)-1, 1))
		sp := space
		if space.Cost != nil {
			sp.MaxCost = frac * space.DenseCost()
			if sp.Validate() != nil { // below one slot per segment
				sp.MaxCost = 0
			}
		}
		if !sp.CostBudgeted() {
			sp.Cost = nil
			sp.Keep = min(max(int(frac*float64(n)), len(space.Segments)*space.minKeep()), n)
		}
		pop[i] = TopK(sp)
	}
	return pop
}

// evolvePareto runs NSGA-II generations from a scored population.
func (g *genetic) evolvePareto(masks []Mask, generations int) error {
	r := g.run
	pop, err := r.rank(masks)
	if err != nil {
		return err
	}
	ps := r.points(pop)
	for k := 0; k < generations; k++ {
		// Ranks and crowding of the population itself (not of the merged
		// set it survived from), so a resumed population selects alike.
		var rank []int
		var crowd []float64
		ps, rank, crowd = survivors(ps, len(ps))
		gen := r.generation + 1
		rng := rand.New(rand.NewSource(deriveSeed(g.cfg.Seed, streamGeneration, gen)))
		pick := func() point { // binary tournament: lower rank, then larger crowding
			a, b := rng.Intn(len(ps)), rng.Intn(len(ps))
			if rank[b] < rank[a] || rank[b] == rank[a] && crowd[b] > crowd[a] {
				a = b
			}
			return ps[a]
		}
		children := make([]Mask, 0, len(ps))
		for len(children) < len(ps) {
			child := pick().r.Mask.Clone()
			if rng.Float64() < g.cfg.CrossoverRate {
				uniformCrossover(&child, pick().r.Mask, rng)
			}
			paretoMutate(&child, g.space, g.cfg.MutationRate, rng)
			children = append(children, child)
		}
		kids, err := r.rank(children)
		if err != nil {
			return err
		}
		merged := r.points(distinct(append(pointRanked(ps), kids...)))
		ps, _, _ = survivors(merged, len(ps))
		if err := g.report(gen, pointRanked(ps)); err != nil {
			return err
		}
	}
	return nil
}

func pointRanked(ps []point) []Ranked {
	out := make([]Ranked, len(ps))
	for i, p := range ps {
		out[i] = p.r
	}
	return out
}

// distinct drops repeated masks, keeping the first.
func distinct(rs []Ranked) []Ranked {
	seen := map[uint64]bool{}
	var out []Ranked
	for _, r := range rs {
		if h := r.Mask.Hash(); !seen[h] {
			seen[h] = true
			out = append(out, r)
		}
	}
	return out
}

// updateArchive merges pop into the archive of non-dominated masks, sorted
// by cost, thinned by crowding beyond archiveSize.
func (r *run) updateArchive(pop []Ranked) {
	var full []Ranked
	for _, p := range pop {
		if !p.Score.Partial {
			full = append(full, Ranked{Mask: p.Mask.Clone(), Score: p.Score, Fitness: p.Fitness})
		}
	}
	ps := r.points(distinct(append(r.hof, full...)))
	f := fronts(ps)
	if len(f) == 0 {
		return
	}
	front := f[0]
	if len(front) > archiveSize {
		sel, _, _ := survivors(pointsAt(ps, front), archiveSize)
		ps, front = sel, nil
		for i := range sel {
			front = append(front, i)
		}
	}
	r.hof = r.hof[:0]
	for _, i := range front {
		r.hof = append(r.hof, ps[i].r)
	}
	slices.SortFunc(r.hof, func(a, b Ranked) int {
		if c := cmp.Compare(r.space.cost(a.Mask), r.space.cost(b.Mask)); c != 0 {
			return c
		}
		return cmp.Compare(a.Mask.Hash(), b.Mask.Hash())
	})
}

func pointsAt(ps []point, idx []int) []point {
	out := make([]point, len(idx))
	for k, i := range idx {
		out[k] = ps[i]
	}
	return out
}

// WithinError reports whether a score's validation error is at most
// maxError (accuracies are counts over N: a rounding margin, no ties).
func WithinError(s Score, maxError float64) bool { return 1-s.ValAccuracy <= maxError+1e-9 }

// Cheapest is the first (cheapest) member of a front sorted by cost whose
// validation error is at most maxError; when none is, the most accurate.
func Cheapest(front []Ranked, maxError float64) int {
	best := 0
	for i, f := range front {
		if WithinError(f.Score, maxError) {
			return i
		}
		if f.Score.ValAccuracy > front[best].Score.ValAccuracy {
			best = i
		}
	}
	return best
}

// Knee is the front member farthest from the line through the front's
// extremes, in objectives scaled to [0, 1]: where accuracy stops paying
// for cost. front must be sorted by cost (an archive is).
func Knee(space Space, front []Ranked) int {
	if len(front) < 3 {
		return len(front) - 1
	}
	c0, c1 := space.cost(front[0].Mask), space.cost(front[len(front)-1].Mask)
	a0, a1 := front[0].Score.ValAccuracy, front[len(front)-1].Score.ValAccuracy
	if c1 <= c0 || a1 <= a0 {
		return len(front) - 1
	}
	best, bestD := len(front)-1, -1.0
	for i, f := range front {
		x := (space.cost(f.Mask) - c0) / (c1 - c0)
		y := (f.Score.ValAccuracy - a0) / (a1 - a0)
		if d := (y - x) / math.Sqrt2; d > bestD { // distance above the diagonal
			best, bestD = i, d
		}
	}
	return best
}

// paretoMutate moves a mask along or across the front: about
// Binomial(slots, rate) times (at least once) it keeps one more slot (the
// better of two dropped ones of a segment), keeps one fewer (the worse of
// two kept ones) or swaps such a pair, with equal odds. Score-guided like
// the budgeted swaps, so growing and shrinking follow the ranking while
// still proposing any change; then MinKeep is restored.
func paretoMutate(m *Mask, space Space, rate float64, rng *rand.Rand) {
	l := newLayout(space, *m)
	events := max(binomial(m.N, rate, rng), 1)
	for e := 0; e < events; e++ {
		op := rng.Intn(3)
		if op != 1 { // grow, or the adding half of a swap
			if si := l.chooseSegment(rng, l.dropped); si >= 0 {
				l.set(m, si, l.tournament(*m, si, false, true, mutationTournament, rng), true)
			}
		}
		if op != 0 { // shrink, or the dropping half of a swap
			if si := l.chooseSegment(rng, func(si int) int { return max(l.kept[si]-l.min, 0) }); si >= 0 {
				l.set(m, si, l.tournament(*m, si, true, false, mutationTournament, rng), false)
			}
		}
	}
	l.fillMin(m, rng, repairTournament)
}

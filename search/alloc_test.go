package search

import (
	"math"
	"math/rand"
	"testing"
)

// allocToy scores an allocation with a concave value per layer, so the
// optimum (found by marginal gains) is known and not proportional.
type allocToy struct {
	space  Space
	weight []float64 // value of a fully kept layer
	tau    []float64 // slots at which a layer has 63 % of its value
	best   float64
	masks  []Mask // every mask evaluated
}

func newAllocToy() *allocToy {
	t := &allocToy{
		space:  Space{Keep: 300, PerLayer: true},
		weight: []float64{1, 3, 2},
		tau:    []float64{400, 40, 10},
	}
	for i, n := range []int{2000, 300, 50} {
		t.space.Segments = append(t.space.Segments, Segment{Name: string(rune('a' + i)), Size: n})
	}
	// Greedy on marginal gains is optimal for separable concave values.
	c := make([]int, 3)
	for k := 0; k < t.space.Keep; k++ {
		bi, bg := -1, -1.0
		for i := range c {
			if c[i] < t.space.Segments[i].Size {
				if g := t.value(i, c[i]+1) - t.value(i, c[i]); g > bg {
					bi, bg = i, g
				}
			}
		}
		c[bi]++
	}
	t.best = t.total(c)
	return t
}

func (t *allocToy) value(i, k int) float64 { return t.weight[i] * (1 - math.Exp(-float64(k)/t.tau[i])) }

func (t *allocToy) total(c []int) float64 {
	s := 0.0
	for i, k := range c {
		s += t.value(i, k)
	}
	return s
}

func (t *allocToy) Evaluate(masks []Mask) ([]Score, error) {
	out := make([]Score, len(masks))
	for i, m := range masks {
		t.masks = append(t.masks, m.Clone())
		a := t.total(t.space.Counts(m)) / t.best
		out[i] = Score{ValAccuracy: a, Loss: 1 - a}
	}
	return out, nil
}

// isPrefix reports whether m keeps a prefix of every segment.
func isPrefix(sp Space, m Mask) bool {
	return prefixMask(sp, sp.Counts(m)).Hash() == m.Hash()
}

func TestPerLayerGeneticFindsTheAllocation(t *testing.T) {
	toy := newAllocToy()
	cfg := DefaultConfig()
	cfg.Generations, cfg.Seed = 30, 3
	res, err := Genetic(toy.space, toy, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	prop := toy.total(toy.space.Counts(proportionalAlloc(toy.space))) / toy.best
	if res.BestScore.ValAccuracy < 0.995 || res.BestScore.ValAccuracy <= prop {
		t.Errorf("best %.4f of the optimum (proportional %.4f), want >= 0.995", res.BestScore.ValAccuracy, prop)
	}
	for _, m := range toy.masks {
		if m.Count() != toy.space.Keep || !isPrefix(toy.space, m) {
			t.Fatalf("mask keeps %d (budget %d), prefix %v", m.Count(), toy.space.Keep, isPrefix(toy.space, m))
		}
	}
	rnd := newAllocToy()
	rres, err := Random(rnd.space, rnd, res.Evaluations, 3, cfg.Objective, cfg.Population)
	if err != nil {
		t.Fatal(err)
	}
	if rres.BestScore.ValAccuracy >= res.BestScore.ValAccuracy {
		t.Errorf("random allocations %.4f >= genetic %.4f at %d evaluations", rres.BestScore.ValAccuracy, res.BestScore.ValAccuracy, res.Evaluations)
	}
	for _, m := range rnd.masks {
		if m.Count() != rnd.space.Keep || !isPrefix(rnd.space, m) {
			t.Fatalf("random mask keeps %d, prefix %v", m.Count(), isPrefix(rnd.space, m))
		}
	}
	t.Logf("genetic %.4f, random %.4f, proportional %.4f of the optimum; %d evaluations", res.BestScore.ValAccuracy, rres.BestScore.ValAccuracy, prop, res.Evaluations)
}

func TestAllocOperatorsKeepTheBudgetAndTheMate(t *testing.T) {
	sp := newAllocToy().space
	sp.MinKeep = 2
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		a, b := randomAlloc(sp, rng), randomAlloc(sp, rng)
		hb := b.Hash()
		allocCrossover(&a, b, sp, rng, true)
		allocMutate(&a, sp, 0.5, rng, true)
		if b.Hash() != hb {
			t.Fatal("crossover changed the mate")
		}
		for si, k := range sp.Counts(a) {
			if k < 2 || k > sp.Segments[si].Size {
				t.Fatalf("segment %d keeps %d", si, k)
			}
		}
		if a.Count() != sp.Keep || !isPrefix(sp, a) {
			t.Fatalf("keeps %d of budget %d, prefix %v", a.Count(), sp.Keep, isPrefix(sp, a))
		}
	}
	// Unbudgeted: counts change but stay in range.
	a := proportionalAlloc(sp)
	allocMutate(&a, sp, 1, rng, false)
	if !isPrefix(sp, a) {
		t.Error("unbudgeted mutation broke the prefix form")
	}
}

func TestFitCountsMeetsTheBudget(t *testing.T) {
	sp := Space{Keep: 1000, Segments: []Segment{{Size: 900}, {Size: 100}, {Size: 10}}}
	for _, c := range [][]int{{0, 0, 0}, {900, 100, 10}, {5, 900, 3}, {450, 50, 5}} {
		got := fitCounts(sp, c, true)
		s := 0
		for si, k := range got {
			s += k
			if k < 1 || k > sp.Segments[si].Size {
				t.Errorf("%v -> %v: segment %d out of range", c, got, si)
			}
		}
		if s != sp.Keep {
			t.Errorf("%v -> %v sums to %d, want %d", c, got, s, sp.Keep)
		}
	}
}

// Under a cost budget (FLOPs of a chain a → b → c) allocation genomes stay
// prefixes, never cost more than the budget and leave no slot that would
// still fit, and the GA beats the proportional allocation.
func TestPerLayerGeneticUnderACostBudget(t *testing.T) {
	toy := newAllocToy()
	toy.space.Cost = &Cost{Terms: []CostTerm{
		{In: -1, InFixed: 3, Out: 0, Factor: 1}, {In: 0, Out: 1, Factor: 1}, {In: 1, Out: 2, Factor: 1}}}
	toy.space.MaxCost = 0.3 * toy.space.DenseCost()
	cfg := DefaultConfig()
	cfg.Generations, cfg.Seed = 20, 5
	res, err := Genetic(toy.space, toy, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp := toy.space
	for _, m := range toy.masks {
		c := sp.Counts(m)
		if !isPrefix(sp, m) || sp.Cost.Of(c) > sp.MaxCost {
			t.Fatalf("mask %v: prefix %v, cost %.0f over the budget %.0f", c, isPrefix(sp, m), sp.Cost.Of(c), sp.MaxCost)
		}
		for si := range c {
			if c[si] < sp.Segments[si].Size && sp.Cost.Of(c)+sp.marginal(c, si) <= sp.MaxCost {
				t.Fatalf("mask %v: one more slot of segment %d still fits the budget", c, si)
			}
		}
	}
	prop := toy.total(sp.Counts(proportionalAlloc(sp))) / toy.best
	if res.BestScore.ValAccuracy <= prop {
		t.Errorf("best %.4f, proportional %.4f", res.BestScore.ValAccuracy, prop)
	}
	t.Logf("best %v (%.4f), proportional %v (%.4f), %d evaluations", sp.Counts(res.Best), res.BestScore.ValAccuracy,
		sp.Counts(proportionalAlloc(sp)), prop, res.Evaluations)
}

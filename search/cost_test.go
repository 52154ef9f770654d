package search

import (
	"math/rand"
	"testing"
)

// chainCost is a conv chain's cost: fixed input → a → b → c → 10 outputs
// (the last after a flatten of 4 positions).
func chainCost() *Cost {
	return &Cost{Fixed: 1000, Terms: []CostTerm{
		{In: -1, InFixed: 3, Out: 0, Factor: 2 * 9 * 256},
		{In: 0, Out: 1, Factor: 2 * 9 * 64},
		{In: 1, Out: 2, Factor: 2 * 9 * 16},
		{In: 2, InRepeat: 4, Out: -1, OutFixed: 10, Factor: 2},
	}}
}

// Every way a budgeted search builds or changes masks lands within 2 % of a
// cost budget and never above it.
func TestCostBudget(t *testing.T) {
	tc, sp := newToy([]int{48, 64, 96}, 100, 1, 0.3)
	sp.Cost = chainCost()
	for _, share := range []float64{0.2, 0.5, 0.8} {
		sp.MaxCost = share * sp.DenseCost()
		if err := sp.Validate(); err != nil {
			t.Fatal(err)
		}
		near := func(what string, m Mask) {
			t.Helper()
			if c := sp.CostOf(m); c > sp.MaxCost || c < 0.98*sp.MaxCost {
				t.Errorf("share %.1f: %s costs %.4f of the budget", share, what, c/sp.MaxCost)
			}
			for si, k := range sp.Counts(m) {
				if k < 1 {
					t.Errorf("share %.1f: %s keeps nothing of segment %d", share, what, si)
				}
			}
		}
		near("TopK", TopK(sp))
		rng := rand.New(rand.NewSource(2))
		near("a random mask", randomMask(sp, rng))
		u := UniformAtCost(sp)
		near("the uniform allocation", PerSegmentTopK(sp, u))
		m := TopK(sp)
		for i := 0; i < 20; i++ { // crossover with random masks, then repair
			uniformCrossover(&m, randomBits(m.N, 0.9, rng), rng)
			Repair(&m, sp, rng)
			near("a repaired mask", m)
		}
		cfg := toyConfig(3)
		res, err := Genetic(sp, tc, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		near("the GA's best", res.Best)
		for _, h := range res.HallOfFame {
			near("a hall-of-fame mask", h.Mask)
		}
	}
	sp.MaxCost = sp.Cost.Fixed // below the cost of one slot per segment
	if err := sp.Validate(); err == nil {
		t.Error("an impossible cost budget was accepted")
	}
}

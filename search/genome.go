package search

import (
	"math/rand"

	"github.com/MaxHalford/eaopt"
)

// genome adapts a Mask to eaopt.Genome.
type genome struct {
	mask Mask
	g    *genetic
}

// Evaluate returns the negated fitness, as eaopt minimises. The model scores
// whole populations in one batch beforehand, so this is normally a cache hit;
// it only reaches the evaluator (with a batch of one) if eaopt asks about an
// individual the model has not seen.
func (gn *genome) Evaluate() (float64, error) {
	ranked, err := gn.g.run.rank([]Mask{gn.mask})
	if err != nil {
		return 0, err
	}
	return -ranked[0].Fitness, nil
}

// Mutate moves kept slots (budgeted) or flips bits (unbudgeted); per-layer
// genomes move or rescale whole counts.
func (gn *genome) Mutate(rng *rand.Rand) {
	if gn.g.space.PerLayer {
		allocMutate(&gn.mask, gn.g.space, gn.g.cfg.MutationRate, rng, gn.g.cfg.Objective.Budgeted)
	} else if gn.g.cfg.Objective.Budgeted {
		swapMutate(&gn.mask, gn.g.space, gn.g.cfg.MutationRate, rng)
		if gn.g.space.CostBudgeted() { // swaps keep the count, not the cost
			Repair(&gn.mask, gn.g.space, rng)
		}
	} else {
		flipMutate(&gn.mask, gn.g.space, gn.g.cfg.MutationRate, rng)
	}
}

// Crossover is uniform crossover into the receiver, then repair. The mate is
// never changed: eaopt keeps the mate's fitness, which would go stale.
func (gn *genome) Crossover(other eaopt.Genome, rng *rand.Rand) {
	mate, ok := other.(*genome)
	if !ok || mate.mask.N != gn.mask.N {
		return
	}
	if gn.g.space.PerLayer {
		allocCrossover(&gn.mask, mate.mask, gn.g.space, rng, gn.g.cfg.Objective.Budgeted)
		return
	}
	uniformCrossover(&gn.mask, mate.mask, rng)
	if gn.g.cfg.Objective.Budgeted {
		Repair(&gn.mask, gn.g.space, rng)
	} else {
		fixMin(&gn.mask, gn.g.space, rng)
	}
}

// Clone deep-copies the mask; the search state is shared.
func (gn *genome) Clone() eaopt.Genome {
	return &genome{mask: gn.mask.Clone(), g: gn.g}
}

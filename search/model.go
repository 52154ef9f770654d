package search

import (
	"fmt"
	"math/rand"
	"slices"

	"github.com/MaxHalford/eaopt"
)

// model wraps eaopt's generational model with what it lacks: per-generation
// reseeding, elitism, batch evaluation and progress reporting.
type model struct {
	inner eaopt.Model
	g     *genetic
}

// Validate defers to the wrapped model.
func (md *model) Validate() error { return md.inner.Validate() }

// Apply runs one generation.
func (md *model) Apply(pop *eaopt.Population) error {
	g := md.g
	gen := g.run.generation + 1
	// eaopt sorts with sort.Slice, which may order equal fitnesses
	// differently for different input orders (as after a resume). A total
	// order makes selection depend only on the population's contents.
	sortIndividuals(pop.Individuals)
	// A fresh generator per generation makes generation gen a function of
	// (seed, gen, population) alone, so a resumed run replays it exactly.
	pop.RNG = rand.New(rand.NewSource(deriveSeed(g.cfg.Seed, streamGeneration, gen)))
	elites := distinctBest(pop.Individuals, g.cfg.Elitism, pop.RNG)

	if err := md.inner.Apply(pop); err != nil {
		return fmt.Errorf("generation %d: %w", gen, err)
	}
	if err := g.evaluate(pop.Individuals); err != nil {
		return fmt.Errorf("generation %d: %w", gen, err)
	}
	sortIndividuals(pop.Individuals)
	keepElites(pop.Individuals, elites)
	sortIndividuals(pop.Individuals)
	return g.finishGeneration(gen, pop.Individuals)
}

// sortIndividuals orders best (lowest eaopt fitness) first, ties by hash.
func sortIndividuals(indis eaopt.Individuals) {
	type keyed struct {
		indi eaopt.Individual
		hash uint64
	}
	ks := make([]keyed, len(indis))
	for i, in := range indis {
		ks[i] = keyed{in, in.Genome.(*genome).mask.Hash()}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		switch {
		case a.indi.Fitness < b.indi.Fitness:
			return -1
		case a.indi.Fitness > b.indi.Fitness:
			return 1
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	for i, k := range ks {
		indis[i] = k.indi
	}
}

// distinctBest clones the n best individuals of a sorted slice, skipping
// repeats of the same mask so that elitism keeps n different masks.
func distinctBest(indis eaopt.Individuals, n int, rng *rand.Rand) eaopt.Individuals {
	var out eaopt.Individuals
	seen := map[uint64]bool{}
	for _, in := range indis {
		if len(out) == n {
			break
		}
		if h := in.Genome.(*genome).mask.Hash(); !seen[h] {
			seen[h] = true
			out = append(out, in.Clone(rng))
		}
	}
	return out
}

// keepElites puts the elites in place of the worst offspring of a sorted
// slice. Offspring that merely repeat an elite are displaced first, so an
// elite that survived selection does not take two places.
func keepElites(offspring, elites eaopt.Individuals) {
	if len(elites) == 0 {
		return
	}
	isElite := map[uint64]bool{}
	for _, e := range elites {
		isElite[e.Genome.(*genome).mask.Hash()] = true
	}
	var fresh, repeats eaopt.Individuals
	for _, o := range offspring {
		if isElite[o.Genome.(*genome).mask.Hash()] {
			repeats = append(repeats, o)
		} else {
			fresh = append(fresh, o)
		}
	}
	next := append(slices.Clone(elites), fresh...)
	next = append(next, repeats...)
	copy(offspring, next[:len(offspring)])
}

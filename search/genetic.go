package search

import (
	"errors"
	"fmt"
	"math"
	"math/rand"

	"github.com/MaxHalford/eaopt"
)

// Config sets up a genetic search.
type Config struct {
	Population  int
	Generations int // generations after the initial population (generation 0)
	// Elitism is how many of the best distinct masks survive each
	// generation unchanged.
	Elitism int
	// CrossoverRate is the chance that a pair of parents is crossed.
	CrossoverRate float64
	// MutationRate is, for budgeted objectives, the chance per kept slot that
	// it is swapped for a dropped one; otherwise the chance per slot that it
	// flips. Every offspring is mutated at least once while it is positive.
	MutationRate float64
	Seed         int64
	Objective    Objective
	// Perturb is the fraction of kept slots swapped in the seeded initial
	// individuals; 0 means the default of 0.1.
	Perturb float64
}

// DefaultConfig returns a reasonable neuron-level setting.
func DefaultConfig() Config {
	return Config{
		Population:    32,
		Generations:   50,
		Elitism:       2,
		CrossoverRate: 0.7,
		MutationRate:  0.01,
		Objective:     Objective{Name: AccuracyAtSparsity, Budgeted: true},
		Perturb:       0.1,
	}
}

func (c Config) withDefaults() Config {
	if c.Perturb == 0 {
		c.Perturb = 0.1
	}
	return c
}

func (c Config) validate() error {
	unit := func(name string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%s %v outside [0, 1]", name, v)
		}
		return nil
	}
	switch {
	case c.Population < 2:
		return fmt.Errorf("population %d: need at least 2 to select parent pairs", c.Population)
	case c.Generations < 0:
		return fmt.Errorf("negative generations %d", c.Generations)
	case c.Elitism < 0 || c.Elitism >= c.Population:
		return fmt.Errorf("elitism %d outside [0, population %d)", c.Elitism, c.Population)
	}
	if err := errors.Join(unit("crossover rate", c.CrossoverRate), unit("mutation rate", c.MutationRate),
		unit("perturb", c.Perturb)); err != nil {
		return err
	}
	return c.Objective.Validate()
}

// Options hook a caller into a genetic search.
type Options struct {
	// OnGeneration is called after every generation, generation 0 (the
	// initial population) included, with the progress and the state to
	// resume from. A non-nil error stops the search and is returned wrapped.
	OnGeneration func(p Progress, cp *Checkpoint) error
	// Resume continues the search recorded in a checkpoint.
	Resume *Checkpoint
}

// genetic is one genetic search in progress.
type genetic struct {
	space Space
	cfg   Config
	opt   Options
	run   *run
	fp    string // fingerprint of space and cfg, checked on resume
}

// CheckpointError is a checkpoint that cannot continue this search: of
// another space or configuration, another version, or inconsistent.
type CheckpointError struct{ Err error }

func (e *CheckpointError) Error() string { return "genetic search: resume: " + e.Err.Error() }
func (e *CheckpointError) Unwrap() error { return e.Err }

// Genetic searches for the fittest mask with a generational GA: tournament
// selection, uniform crossover, swap (or bit-flip) mutation and elitism. Each
// population is scored as one batch, every distinct mask at most once. The
// same inputs give the same Result, and a run resumed from any checkpoint
// ends as the uninterrupted run would have.
func Genetic(space Space, ev Evaluator, cfg Config, opt Options) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := space.Validate(); err != nil {
		return nil, fmt.Errorf("genetic search: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("genetic search: %w", err)
	}
	if ev == nil {
		return nil, errors.New("genetic search: nil evaluator")
	}
	g := &genetic{space: space, cfg: cfg, opt: opt, run: newRun(space, ev, cfg.Objective), fp: fingerprint(space, cfg)}

	var masks []Mask
	if opt.Resume != nil {
		var err error
		if masks, err = g.restore(opt.Resume); err != nil {
			return nil, &CheckpointError{err}
		}
	} else {
		switch {
		case space.PerLayer:
			masks = initialAllocations(space, cfg)
		case cfg.Objective.Name == Pareto:
			masks = initialSpread(space, cfg)
		default:
			masks = initialPopulation(space, cfg)
		}
		pop, err := g.run.rank(masks)
		if err != nil {
			return nil, fmt.Errorf("genetic search: initial population: %w", err)
		}
		if err := g.report(0, pop); err != nil {
			return nil, fmt.Errorf("genetic search: %w", err)
		}
	}

	if remaining := cfg.Generations - g.run.generation; remaining > 0 {
		evolve := g.evolve
		if cfg.Objective.Name == Pareto {
			evolve = g.evolvePareto
		}
		if err := evolve(masks, remaining); err != nil {
			return nil, fmt.Errorf("genetic search: %w", err)
		}
	}
	return g.run.result(), nil
}

// evolve runs eaopt for the given number of generations from a population
// whose scores are already cached.
func (g *genetic) evolve(masks []Mask, generations int) error {
	ga, err := eaopt.GAConfig{
		NPops:        1,
		PopSize:      uint(g.cfg.Population),
		NGenerations: uint(generations),
		HofSize:      1, // unused: eaopt's hall of fame fills with duplicates
		Model: &model{g: g, inner: eaopt.ModGenerational{
			Selector: eaopt.SelTournament{NContestants: uint(min(3, g.cfg.Population-1))},
			// eaopt's rate is per individual; the per-slot rate is applied
			// inside Mutate, so every offspring goes through it.
			MutRate:   math.Ceil(g.cfg.MutationRate),
			CrossRate: g.cfg.CrossoverRate,
		}},
		ParallelEval: false, // batching is the evaluator's job
		RNG:          rand.New(rand.NewSource(deriveSeed(g.cfg.Seed, streamEAOpt, g.run.generation))),
	}.NewGA()
	if err != nil {
		return fmt.Errorf("configure eaopt: %w", err)
	}
	next := 0
	newGenome := func(*rand.Rand) eaopt.Genome {
		gn := &genome{mask: masks[next%len(masks)].Clone(), g: g}
		next++
		return gn
	}
	return ga.Minimize(newGenome)
}

// initialPopulation is TopK, then about half perturbed copies of it, then
// random masks at the budget: seeded individuals give a good start, random
// ones the diversity crossover needs.
func initialPopulation(space Space, cfg Config) []Mask {
	rng := rand.New(rand.NewSource(deriveSeed(cfg.Seed, streamInit, 0)))
	top := TopK(space)
	pop := make([]Mask, cfg.Population)
	pop[0] = top
	for i := 1; i < len(pop); i++ {
		if i <= len(pop)/2 {
			m := top.Clone()
			perturb(&m, space, cfg.Perturb, rng)
			pop[i] = m
		} else {
			pop[i] = randomMask(space, rng)
		}
	}
	return pop
}

// evaluate scores all unevaluated individuals in one batch.
func (g *genetic) evaluate(indis eaopt.Individuals) error {
	var idx []int
	var masks []Mask
	for i, in := range indis {
		if !in.Evaluated {
			idx = append(idx, i)
			masks = append(masks, in.Genome.(*genome).mask)
		}
	}
	ranked, err := g.run.rank(masks)
	if err != nil {
		return err
	}
	for k, i := range idx {
		indis[i].Fitness = -ranked[k].Fitness
		indis[i].Evaluated = true
	}
	return nil
}

// finishGeneration records a generation eaopt has produced.
func (g *genetic) finishGeneration(gen int, indis eaopt.Individuals) error {
	masks := make([]Mask, len(indis))
	for i, in := range indis {
		masks[i] = in.Genome.(*genome).mask
	}
	pop, err := g.run.rank(masks) // all cached: no evaluator call
	if err != nil {
		return fmt.Errorf("generation %d: %w", gen, err)
	}
	return g.report(gen, pop)
}

// report updates the hall of fame and history with a scored population and
// hands progress and a checkpoint to the caller.
func (g *genetic) report(gen int, pop []Ranked) error {
	r := g.run
	r.generation = gen
	r.updateHallOfFame(pop)
	// The best of the generation among full-fidelity scores (every
	// population has some: see fitness.Fidelity).
	best := pop[0]
	for _, p := range pop[1:] {
		if best.Score.Partial && !p.Score.Partial || p.Score.Partial == best.Score.Partial && compareRanked(p, best) < 0 {
			best = p
		}
	}
	p := r.progress(gen, pop, best)
	r.history = append(r.history, p)
	if g.opt.OnGeneration == nil {
		return nil
	}
	if err := g.opt.OnGeneration(p, g.checkpoint(pop)); err != nil {
		return fmt.Errorf("generation %d: %w", gen, err)
	}
	return nil
}

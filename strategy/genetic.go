package strategy

import (
	"errors"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: genetic, StrategyRules: config.StrategyRules{
		Name: "genetic",
		Summary: "eaopt GA over masks at the budget: tournament selection, uniform crossover + repair, swap mutation, elitism; " +
			"population seeded from the magnitude ranking. With `layer` granularity or `search.genome: layers` the genome is one keep " +
			"count per layer (per tied channel group; `prune.criterion` decides inside each layer): the search finds a per-layer allocation",
		Granularities: []string{"weight", "neuron", "channel", "layer"},
		Screens:       true,
		TargetFLOPs:   true,
		Pareto:        true,
		Default:       true,
	}})
}

// genetic is the GA, checkpointed after every generation so that --resume
// continues it.
func genetic(s *Search) (*Found, error) {
	sc := s.Exp.Search
	cfg := search.Config{Population: sc.Population, Generations: sc.Generations, Elitism: sc.Elitism,
		CrossoverRate: sc.CrossoverRate, MutationRate: sc.MutationRate, Seed: s.Exp.Seed, Objective: s.Objective}
	opt := search.Options{OnGeneration: func(pr search.Progress, cp *search.Checkpoint) error {
		return s.Store.Generation(sc.Generations, pr, cp)
	}}
	cp, err := s.Store.Checkpoint()
	if err != nil {
		return nil, err
	}
	opt.Resume = cp
	return s.overLayers(func(space search.Space, ev search.Evaluator) (*search.Result, error) {
		res, err := search.Genetic(space, ev, cfg, opt)
		var bad *search.CheckpointError
		if errors.As(err, &bad) {
			return nil, s.Store.BadCheckpoint(err)
		}
		return res, err
	})
}

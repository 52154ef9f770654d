package strategy

import (
	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: randomSearch, StrategyRules: config.StrategyRules{
		Name:          "random",
		Summary:       "uniformly random masks at the same budget, as many evaluations as the GA (the control)",
		Granularities: []string{"weight", "neuron", "channel", "layer"},
		Screens:       true,
		TargetFLOPs:   true,
	}})
}

// randomSearch is the control: uniformly random masks at the same budget and
// with as many evaluations as the genetic search would make.
func randomSearch(s *Search) (*Found, error) {
	sc := s.Exp.Search
	return s.overLayers(func(space search.Space, ev search.Evaluator) (*search.Result, error) {
		return search.Random(space, ev, sc.Population*(sc.Generations+1), s.Exp.Seed, s.Objective, sc.Population)
	})
}

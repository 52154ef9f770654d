package experiments

import (
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// Strategy finds a prune mask: the search.algorithm of an experiment.
type Strategy func(s *Search) (*Found, error)

// Search is what a strategy works with.
type Search struct {
	Exp    *Experiment
	Dense  *model.Net          // the trained dense network; strategies must not modify it
	Kind   fitness.Granularity // units (neuron / channel) or weights
	Groups []*model.Group      // the unit groups a Units mask covers, in order
	Space  search.Space        // segments with magnitude scores and the kept-slot budget
	Eval   *fitness.Evaluator  // validation fitness on search.fitness.eval_samples
	// Screen scores the populations of genetic and random: Eval, or the
	// fidelity schedule over it.
	Screen search.Evaluator
	Train  *model.Batch // training data, for strategies that retrain
	Val    *model.Batch // the whole validation split
	// Test is for reports only (iterative rounds' test accuracy); no
	// strategy may choose by it.
	Test *model.Batch
	// Alloc, when prune.layer_sparsity is set, is the number of slots each
	// segment keeps (summing to Space.Keep); see allocation.
	Alloc  []int
	Printf func(format string, args ...any)
	// Stop is asked between units of work (training steps); an error
	// means the run was interrupted: return it.
	Stop func() error

	p *pipeline
}

// Found is a strategy's answer.
type Found struct {
	Result *search.Result
	// Weights, if set, is a retrained copy of the dense network (iterative
	// pruning) that the mask applies to instead of Search.Dense. The
	// pipeline owns and drops it.
	Weights *model.Net
}

// strategies are selected by name from search.algorithm.
var strategies = map[string]Strategy{
	"genetic":             genetic,
	"random":              randomSearch,
	"global-magnitude":    globalMagnitude,
	"threshold":           threshold,
	"iterative-magnitude": iterativeMagnitude,
	"degree":              degree,
	"greedy":              greedy,
	"layerwise":           layerwise,
}

func genetic(s *Search) (*Found, error) {
	res, err := s.p.geneticSearch(s.Space, s.Screen)
	return &Found{Result: res}, err
}

// randomSearch is the control: uniformly random masks at the same budget and
// with as many evaluations as the genetic search would make.
func randomSearch(s *Search) (*Found, error) {
	sc := s.Exp.Search
	res, err := search.Random(s.Space, s.Screen, sc.Population*(sc.Generations+1), s.Exp.Seed, s.p.objective(), sc.Population)
	return &Found{Result: res}, err
}

// globalMagnitude keeps the highest-scoring slots network-wide (unit scores
// are normalised per layer, see fitness.Space).
func globalMagnitude(s *Search) (*Found, error) {
	if s.Alloc != nil {
		return single(s, search.PerSegmentTopK(s.Space, s.Alloc))
	}
	return single(s, search.TopK(s.Space))
}

// allocation is how many slots each segment keeps in strategies with a
// fixed per-layer budget: prune.layer_sparsity, else the same share of
// every segment.
func (s *Search) allocation() []int {
	if s.Alloc != nil {
		return s.Alloc
	}
	return proportional(s.Space, s.Space.Keep)
}

// single reports one mask, scored once on the validation split.
func single(s *Search, m search.Mask) (*Found, error) {
	sc, err := s.Eval.Evaluate([]search.Mask{m})
	if err != nil {
		return nil, err
	}
	f := s.p.objective().Fitness(sc[0], m.Density())
	return &Found{Result: &search.Result{Best: m, BestScore: sc[0], BestFitness: f, Evaluations: 1,
		HallOfFame: []search.Ranked{{Mask: m, Score: sc[0], Fitness: f}}}}, nil
}

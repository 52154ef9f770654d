package strategy

import (
	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// Search is what a strategy works with.
type Search struct {
	Exp    *config.Experiment
	Dense  *model.Net          // the trained dense network; strategies must not modify it
	Kind   fitness.Granularity // units (neuron / channel) or weights
	Groups []*model.Group      // the unit groups a Units mask covers, in order
	Space  search.Space        // segments with magnitude scores and the kept-slot budget
	Eval   *fitness.Evaluator  // validation fitness on search.fitness.eval_samples
	// Screen scores the populations of genetic and random: Eval, or the
	// fidelity schedule over it.
	Screen search.Evaluator
	Train  *model.Batch // training data, for strategies that retrain
	// Retrain are the reconstruct.* training settings (teacher: Dense);
	// strategies set Seed per use.
	Retrain model.TrainOptions
	Val     *model.Batch // the whole validation split
	// Test is for reports only (iterative rounds' test accuracy); no
	// strategy may choose by it.
	Test *model.Batch
	// Alloc, when prune.layer_sparsity is set, is the number of slots each
	// segment keeps (summing to Space.Keep); see allocation.
	Alloc []int
	// Objective turns scores into the fitness strategies maximise.
	Objective search.Objective
	Store     RunStore
	// Rewind returns a new copy of the dense network's initial weights
	// (after reconstruct.rewind_iteration training steps): what rewinding
	// returns to. The caller drops it.
	Rewind func() (*model.Net, error)
	Printf func(format string, args ...any)
	// Stop is asked between units of work (training steps); an error
	// means the run was interrupted: return it.
	Stop func() error
}

// RunStore is what strategies keep in the run directory.
type RunStore interface {
	// Checkpoint is the search checkpoint to resume from: nil for a new
	// run or one stopped before its first generation ended.
	Checkpoint() (*search.Checkpoint, error)
	// Generation reports a finished generation of a population search
	// and saves its checkpoint and history.csv; an error stops the search
	// (the run was interrupted).
	Generation(generations int, pr search.Progress, cp *search.Checkpoint) error
	// BadCheckpoint turns a checkpoint the search refused into the
	// run's error (bad input: never a silent restart).
	BadCheckpoint(err error) error
	// WriteRounds writes rounds.json (iterative pruning).
	WriteRounds(rows []results.RoundRow) error
}

// Found is a strategy's answer.
type Found struct {
	Result *search.Result
	// Weights, if set, is a retrained copy of the dense network (iterative
	// pruning) that the mask applies to instead of Search.Dense. The
	// pipeline owns and drops it.
	Weights *model.Net
}

// Allocation is how many slots each segment keeps in strategies with a
// fixed per-layer budget: prune.layer_sparsity, else the same share of
// every segment (under a FLOPs budget, the largest share that fits).
func (s *Search) Allocation() []int {
	if s.Alloc != nil {
		return s.Alloc
	}
	if s.Space.CostBudgeted() {
		return search.UniformAtCost(s.Space)
	}
	return proportional(s.Space, s.Space.Keep)
}

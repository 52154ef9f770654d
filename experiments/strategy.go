package experiments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
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
	Alloc []int
	// Objective turns scores into the fitness strategies maximise.
	Objective search.Objective
	Store     RunStore
	Printf    func(format string, args ...any)
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

// StrategyInfo is a registered strategy: the search.algorithm name that
// selects it, what it works on, and how it runs. Validation, --help and the
// README's table read the registry; a new strategy is one file that
// registers itself.
type StrategyInfo struct {
	Name    string
	Summary string // one line of Markdown: what it does
	// Granularities are the prune.granularity values it works on.
	Granularities []string
	// LayerSparsity: it honours prune.layer_sparsity (a fixed per-layer
	// allocation, in Search.Alloc).
	LayerSparsity bool
	// Screens: it scores whole populations through Search.Screen, so the
	// fidelity schedule (search.fitness.low_samples) applies.
	Screens bool
	Run     Strategy
}

// registry holds the strategies by name, registered (the order messages
// list them in) by their files' init, the only time it is written.
var (
	registry   = map[string]StrategyInfo{}
	registered []string
)

func register(s StrategyInfo) {
	if _, dup := registry[s.Name]; dup || s.Run == nil || len(s.Granularities) == 0 {
		panic("experiments: bad or duplicate strategy registration " + s.Name)
	}
	registry[s.Name] = s
	registered = append(registered, s.Name)
}

// Strategies lists the registered strategies, sorted by name.
func Strategies() []StrategyInfo {
	out := make([]StrategyInfo, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b StrategyInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// strategyNames are the registered names in registration order; with a
// filter, only the strategies it accepts.
func strategyNames(keep func(StrategyInfo) bool) []string {
	var out []string
	for _, name := range registered {
		if s, ok := registry[name]; ok && (keep == nil || keep(s)) {
			out = append(out, name)
		}
	}
	return out
}

// either joins alternatives for a message: "a", "a or b", "a, b or c"
// (with and: "a, b and c").
func either(items []string, and bool) string {
	word := " or "
	if and {
		word = " and "
	}
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + word + items[len(items)-1]
}

// StrategiesMarkdown is the README's table of strategies.
func StrategiesMarkdown() string {
	var b strings.Builder
	b.WriteString("| algorithm | what it does | granularities | `prune.layer_sparsity` |\n|---|---|---|---|\n")
	for _, s := range Strategies() {
		ls := ""
		if s.LayerSparsity {
			ls = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Name, s.Summary, strings.Join(s.Granularities, ", "), ls)
	}
	return b.String()
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
	f := s.Objective.Fitness(sc[0], m.Density())
	return &Found{Result: &search.Result{Best: m, BestScore: sc[0], BestFitness: f, Evaluations: 1,
		HallOfFame: []search.Ranked{{Mask: m, Score: sc[0], Fitness: f}}}}, nil
}

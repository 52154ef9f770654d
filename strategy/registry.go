// Package strategy holds the pruning strategies (search.algorithm): each
// one file that registers itself with its name, the granularities it works
// on and the budgets it honours. Strategies see a narrow Search context,
// never the pipeline that runs them.
package strategy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/search"
)

// Func finds a prune mask: what a search.algorithm runs.
type Func func(s *Search) (*Found, error)

// Info is a registered strategy: the rules validation reads (name,
// granularities, budgets) and how it runs.
type Info struct {
	config.StrategyRules
	Run Func
}

// registry holds the strategies by name; their files' init functions write
// it, the only time it is written.
var registry = map[string]Info{}

// Register makes a strategy selectable by search.algorithm and known to
// validation (config.RegisterStrategy). A bad or duplicate registration is a
// programming error and panics.
func Register(s Info) {
	if s.Run == nil {
		panic("strategy: no Run for " + s.Name)
	}
	config.RegisterStrategy(s.StrategyRules) // panics on a duplicate
	registry[s.Name] = s
}

// Unregister undoes Register (for tests that register their own).
func Unregister(name string) {
	config.UnregisterStrategy(name)
	delete(registry, name)
}

// Lookup returns the strategy search.algorithm names.
func Lookup(name string) (Info, bool) {
	s, ok := registry[name]
	return s, ok
}

// All lists the registered strategies, sorted by name.
func All() []Info {
	out := make([]Info, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Markdown is the README's table of strategies.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| algorithm | what it does | granularities | `prune.layer_sparsity` | `prune.target_flops` |\n|---|---|---|---|---|\n")
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return ""
	}
	for _, s := range All() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.Name, s.Summary, strings.Join(s.Granularities, ", "), yes(s.LayerSparsity), yes(s.TargetFLOPs))
	}
	return b.String()
}

// Single reports one mask, scored once on the validation split.
func Single(s *Search, m search.Mask) (*Found, error) {
	sc, err := s.Eval.Evaluate([]search.Mask{m})
	if err != nil {
		return nil, err
	}
	f := s.Objective.Fitness(sc[0], m.Density())
	return &Found{Result: &search.Result{Best: m, BestScore: sc[0], BestFitness: f, Evaluations: 1,
		HallOfFame: []search.Ranked{{Mask: m, Score: sc[0], Fitness: f}}}}, nil
}

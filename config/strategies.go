package config

import (
	"slices"
	"strings"
)

// StrategyRules is what validation knows of a search.algorithm. Package
// strategy registers one per strategy (strategy.Register), so the rules and
// the code live in the strategy's own file; config stays free of tensors.
type StrategyRules struct {
	Name    string
	Summary string // one line of Markdown: what it does
	// Granularities are the prune.granularity values it works on.
	Granularities []string
	// LayerSparsity: it honours prune.layer_sparsity (a fixed per-layer
	// allocation).
	LayerSparsity bool
	// TargetFLOPs: it honours prune.target_flops (a FLOPs budget).
	TargetFLOPs bool
	// Screens: it scores whole populations, so the fidelity schedule
	// (search.fitness.low_samples) applies.
	Screens bool
	// Options are the key paths only this strategy reads (prune.k, ...).
	Options []string
	// Pareto: it runs search.fitness.objective pareto (the whole front).
	Pareto bool
	// Default: search.algorithm's default (exactly one strategy).
	Default bool
}

// strategies holds the rules by name and in registration order (the order
// messages list them in). Registrations happen in init functions, the only
// time the table is written, like database/sql drivers.
var (
	strategies    = map[string]StrategyRules{}
	strategyOrder []string
)

// RegisterStrategy makes a search.algorithm known to validation. A bad or
// duplicate registration is a programming error and panics.
func RegisterStrategy(r StrategyRules) {
	if _, dup := strategies[r.Name]; dup || r.Name == "" || len(r.Granularities) == 0 || (r.Default && defaultStrategy() != "") {
		panic("config: bad or duplicate strategy registration " + r.Name)
	}
	strategies[r.Name] = r
	strategyOrder = append(strategyOrder, r.Name)
}

// UnregisterStrategy removes a registration (tests that register their own).
func UnregisterStrategy(name string) {
	delete(strategies, name)
	strategyOrder = slices.DeleteFunc(strategyOrder, func(n string) bool { return n == name })
}

// defaultStrategy is the registered default search.algorithm ("" before
// the strategies register).
func defaultStrategy() string {
	for _, name := range strategyOrder {
		if strategies[name].Default {
			return name
		}
	}
	return ""
}

// LookupStrategy returns the rules of a registered search.algorithm.
func LookupStrategy(name string) (StrategyRules, bool) {
	r, ok := strategies[name]
	return r, ok
}

// StrategyNames are the registered names in registration order; with a
// filter, only the strategies it accepts.
func StrategyNames(keep func(StrategyRules) bool) []string {
	var out []string
	for _, name := range strategyOrder {
		if r := strategies[name]; keep == nil || keep(r) {
			out = append(out, name)
		}
	}
	return out
}

// Either joins alternatives for a message: "a", "a or b", "a, b or c"
// (with and: "a, b and c").
func Either(items []string, and bool) string {
	word := " or "
	if and {
		word = " and "
	}
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + word + items[len(items)-1]
}

package strategy

import (
	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: uniformMagnitude, StrategyRules: config.StrategyRules{
		Name: "uniform-magnitude",
		Summary: "the same share of every layer, top-k by criterion score inside each (the uniform L1 / Taylor baselines); " +
			"under `prune.target_flops` the largest share whose FLOPs fit",
		Granularities: []string{"weight", "neuron", "channel"},
		LayerSparsity: true,
		TargetFLOPs:   true,
	}})
}

// uniformMagnitude keeps each segment's best slots at the allocation.
func uniformMagnitude(s *Search) (*Found, error) {
	return Single(s, search.PerSegmentTopK(s.Space, s.Allocation()))
}

package strategy

import (
	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: globalMagnitude, StrategyRules: config.StrategyRules{
		Name:          "global-magnitude",
		Summary:       "global top-k by \\|w\\| (units: by criterion score, normalised per layer); with `prune.layer_sparsity`, top-k per layer",
		Granularities: []string{"weight", "neuron", "channel"},
		LayerSparsity: true,
		TargetFLOPs:   true,
	}})
}

// globalMagnitude keeps the highest-scoring slots network-wide (unit scores
// are normalised per layer, see fitness.Space).
func globalMagnitude(s *Search) (*Found, error) {
	if s.Alloc != nil {
		return Single(s, search.PerSegmentTopK(s.Space, s.Alloc))
	}
	return Single(s, search.TopK(s.Space))
}

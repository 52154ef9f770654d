package strategy

import (
	"math"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: degree, StrategyRules: config.StrategyRules{
		Name:          "degree",
		Summary:       "from a global magnitude mask, repeatedly remove units with fan-in or fan-out below `prune.k`",
		Granularities: []string{"weight"},
		Options:       []string{"prune.k"},
	}})
}

// degree is structure-based pruning of the weight graph: it starts from the
// global magnitude mask at the target sparsity (search.TopK), then removes
// every unit whose remaining fan-in or fan-out (kept weights into / out of
// it) is below k = ceil(prune.k) (k <= 0 means 1), group by group from the
// input and again until nothing changes, clearing the removed units'
// remaining weights (model.PruneByDegree). This only lowers the density: the
// result is at least as sparse as the target. Weight granularity only.
func degree(s *Search) (*Found, error) {
	k := max(int(math.Ceil(s.Exp.Prune.K)), 1)
	m := search.TopK(s.Space)
	before := m.Count()
	flags := model.WeightFlags{}
	off := s.Space.Offsets()
	for si, seg := range s.Space.Segments {
		f := make([]bool, seg.Size)
		for j := range f {
			f[j] = m.Get(off[si] + j)
		}
		flags[seg.Name] = f
	}
	alive, sweeps, err := model.PruneByDegree(s.Dense.Arch, flags, k)
	if err != nil {
		return nil, err
	}
	for si, seg := range s.Space.Segments {
		for j, v := range flags[seg.Name] {
			m.Set(off[si]+j, v)
		}
	}
	for _, g := range model.Groups(s.Dense.Arch) {
		n := 0
		for _, a := range alive[g.Name] {
			if a {
				n++
			}
		}
		s.Printf("degree: layer %s keeps %d of %d units with fan-in and fan-out >= %d\n", g.Name, n, g.Size, k)
	}
	s.Printf("degree: %d sweeps removed %d more weights: kept %d of %d (sparsity %.2f%%, target %.2f%%)\n",
		sweeps, before-m.Count(), m.Count(), m.N, 100*(1-m.Density()), 100*s.Exp.Prune.TargetSparsity)
	return found(s, s.Eval, m, 0, 0, nil)
}

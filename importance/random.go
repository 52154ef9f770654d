package importance

import (
	"math/rand"

	"github.com/evoprune/evoprune/model"
)

// random gives seeded uniform scores: the control.
type random struct{}

func (random) Name() string { return Random }

func (random) Units(_ *model.Net, groups []*model.Group, _ *model.Batch, seed int64) (map[string][]float64, error) {
	rng := rand.New(rand.NewSource(seed))
	out := map[string][]float64{}
	for _, g := range groups {
		s := make([]float64, g.Size)
		for i := range s {
			s[i] = rng.Float64()
		}
		out[g.Name] = s
	}
	return out, nil
}

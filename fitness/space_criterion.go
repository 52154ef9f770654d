package fitness

import (
	"github.com/evoprune/evoprune/importance"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// SpaceWith is Space with the unit scores of a criterion: data is the batch
// activation and taylor run on (the validation samples the search uses),
// seed drives random. Weight granularity always ranks by |w|, whatever the
// criterion. Like magnitude, every criterion's scores are divided by their
// layer's mean, so a global ranking compares units across layers fairly.
func SpaceWith(n *model.Net, kind Granularity, groups []*model.Group, target float64, criterion string, data *model.Batch, seed int64) (search.Space, error) {
	c, err := importance.Lookup(criterion)
	if err != nil {
		return search.Space{}, err
	}
	sp, err := Space(n, kind, groups, target)
	if err != nil || kind != Units || c.Name() == importance.Magnitude {
		return sp, err
	}
	scores, err := c.Units(n, groups, data, seed)
	if err != nil {
		return sp, err
	}
	for i, g := range groups {
		sp.Segments[i].Scores = normalise(scores[g.Name])
	}
	return sp, nil
}

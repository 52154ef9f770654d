// Package importance holds the unit-importance criteria (prune.criterion):
// how much each neuron or channel of a network matters, higher meaning more
// important. Every criterion is one Criterion, looked up by name.
package importance

import (
	"fmt"
	"strings"

	"github.com/evoprune/evoprune/model"
)

// The criteria's names, as prune.criterion selects them.
const (
	Magnitude  = "magnitude"
	Activation = "activation"
	Taylor     = "taylor"
	Random     = "random"
)

// Criterion scores units.
type Criterion interface {
	Name() string
	// Units returns the raw (not normalised) score of every unit of the
	// groups, by group name. data is the batch data-driven criteria measure
	// on (they measure wherever a group is masked: inside residual blocks
	// and at every place of a tied group); seed drives random ones. The
	// network is not modified.
	Units(n *model.Net, groups []*model.Group, data *model.Batch, seed int64) (map[string][]float64, error)
}

// criteria in the order messages list them.
var criteria = []Criterion{magnitude{}, activation{}, taylor{}, random{}}

// Names lists the criteria.
func Names() []string {
	out := make([]string, len(criteria))
	for i, c := range criteria {
		out[i] = c.Name()
	}
	return out
}

// Lookup returns the criterion prune.criterion names ("" is magnitude).
func Lookup(name string) (Criterion, error) {
	if name == "" {
		name = Magnitude
	}
	for _, c := range criteria {
		if c.Name() == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("unknown prune.criterion %q (%s)", name, strings.Join(Names(), " | "))
}

// Units scores the groups' units under the named criterion.
func Units(n *model.Net, groups []*model.Group, name string, data *model.Batch, seed int64) (map[string][]float64, error) {
	c, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return c.Units(n, groups, data, seed)
}

func needData(name string, data *model.Batch) error {
	if data == nil || data.N == 0 {
		return fmt.Errorf("prune.criterion %s: no data to measure activations on", name)
	}
	return nil
}

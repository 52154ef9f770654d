package importance_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/importance"
)

// Validation's list of prune.criterion values is this package's.
func TestConfigListsEveryCriterion(t *testing.T) {
	if got := importance.Names(); !slices.Equal(got, config.Criteria) {
		t.Errorf("criteria %v, config.Criteria %v", got, config.Criteria)
	}
}

func TestLookup(t *testing.T) {
	if c, err := importance.Lookup(""); err != nil || c.Name() != importance.Magnitude {
		t.Errorf("empty name: %v, %v", c, err)
	}
	for _, name := range importance.Names() {
		if c, err := importance.Lookup(name); err != nil || c.Name() != name {
			t.Errorf("%s: %v, %v", name, c, err)
		}
	}
	if _, err := importance.Lookup("saliency"); err == nil || !strings.Contains(err.Error(), `unknown prune.criterion "saliency" (magnitude | activation | taylor | random)`) {
		t.Errorf("unknown: %v", err)
	}
}

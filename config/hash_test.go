package config_test

import (
	"regexp"
	"testing"

	"github.com/evoprune/evoprune/config"
)

func TestHashStable(t *testing.T) {
	a := mustLoad(t, "testdata/lenet300.yaml")
	b := mustLoad(t, "testdata/lenet300.yaml")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a.Hash()) {
		t.Fatalf("Hash() = %q, want 64 hex digits", a.Hash())
	}
	if a.Hash() != b.Hash() || a.Hash("model", "data") != b.Hash("data", "model") {
		t.Error("hash differs between equal experiments or depends on key order")
	}
	if a.Hash() != a.Hash() {
		t.Error("hash not deterministic")
	}
}

func TestHashSections(t *testing.T) {
	dense := []string{"model", "data", "train", "seed"}
	base := mustLoad(t, "testdata/lenet300.yaml")
	search := mustLoad(t, "testdata/lenet300.yaml", "search.population=8")
	if base.Hash() == search.Hash() {
		t.Error("full hash ignores search.population")
	}
	if base.Hash(dense...) != search.Hash(dense...) {
		t.Error("dense-model hash depends on the search section")
	}
	for _, set := range []string{"train.lr=0.01", "seed=2", "data.validation=6000", "model.checkpoint=w.ot"} {
		other := mustLoad(t, "testdata/lenet300.yaml", set)
		if base.Hash(dense...) == other.Hash(dense...) {
			t.Errorf("dense-model hash ignores --set %s", set)
		}
	}
}

func TestHashUnknownKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Hash(\"trian\") did not panic")
		}
	}()
	config.Default().Hash("trian")
}

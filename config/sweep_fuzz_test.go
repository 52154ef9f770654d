package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/evoprune/evoprune/config"
)

// FuzzLoadSweep checks that no sweep file (and no base experiment) crashes
// LoadSweep, that every failure is a *ConfigError, and that every trial of
// an accepted sweep is a validated experiment.
func FuzzLoadSweep(f *testing.F) {
	// Seeds: the pipeline tests' tiny experiment and sweep, and this
	// package's sweep.
	base, err := os.ReadFile("../experiments/testdata/tiny.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range []string{"../experiments/testdata/sweep-tiny.yaml", "testdata/sweep.yaml"} {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, base)
	}
	f.Add([]byte("base: tiny.yaml\ngrid: {search.population: [2, 4]}\nseeds: [1]\n"), []byte("name: x\n"))
	f.Add([]byte("base: tiny.yaml\ngrid: {a: &a [*a]}\n"), base)
	f.Add([]byte("base: ../../../etc/passwd\n"), base)
	f.Fuzz(func(t *testing.T, src, baseSrc []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "sweep.yaml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tiny.yaml"), baseSrc, 0o644); err != nil {
			t.Fatal(err)
		}
		_, trials, err := config.LoadSweep(path)
		var ce *config.ConfigError
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is %T, want *config.ConfigError", err, err)
			}
			return
		}
		for _, tr := range trials {
			if tr.Experiment == nil || tr.ID == "" {
				t.Fatalf("trial %d: no experiment or id", tr.Index)
			}
		}
	})
}

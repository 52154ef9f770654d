package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
)

func TestLoadSweepOrder(t *testing.T) {
	sw, trials, err := config.LoadSweep("testdata/sweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if sw.Base != "synthetic-mlp.yaml" || !reflect.DeepEqual(sw.Seeds, []int64{1, 2}) ||
		!reflect.DeepEqual(sw.Grid["search.algorithm"], []any{"genetic", "random"}) ||
		!reflect.DeepEqual(sw.Grid["prune.target_sparsity"], []any{0.5, 0.9}) {
		t.Errorf("sweep = %+v", sw)
	}
	want := [][]string{
		{"prune.target_sparsity=0.5", "search.algorithm=genetic", "seed=1"},
		{"prune.target_sparsity=0.5", "search.algorithm=genetic", "seed=2"},
		{"prune.target_sparsity=0.5", "search.algorithm=random", "seed=1"},
		{"prune.target_sparsity=0.5", "search.algorithm=random", "seed=2"},
		{"prune.target_sparsity=0.9", "search.algorithm=genetic", "seed=1"},
		{"prune.target_sparsity=0.9", "search.algorithm=genetic", "seed=2"},
		{"prune.target_sparsity=0.9", "search.algorithm=random", "seed=1"},
		{"prune.target_sparsity=0.9", "search.algorithm=random", "seed=2"},
	}
	if len(trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(trials), len(want))
	}
	ids := map[string]bool{}
	for i, tr := range trials {
		if tr.Index != i || !reflect.DeepEqual(tr.Overrides, want[i]) {
			t.Errorf("trial %d: index %d overrides %v, want %v", i, tr.Index, tr.Overrides, want[i])
		}
		e := tr.Experiment
		if e.Name != "tiny-mlp" || e.Seed != int64(i%2+1) || e.Search.Population != 8 {
			t.Errorf("trial %d: name %q seed %d population %d", i, e.Name, e.Seed, e.Search.Population)
		}
		if len(tr.ID) != 12 || tr.ID != e.Hash()[:12] || ids[tr.ID] {
			t.Errorf("trial %d: ID %q not a unique short hash", i, tr.ID)
		}
		ids[tr.ID] = true
		// The overrides reproduce the trial from the base file.
		again := mustLoad(t, "testdata/synthetic-mlp.yaml", tr.Overrides...)
		if !reflect.DeepEqual(again, e) {
			t.Errorf("trial %d: --set %v gives %+v, want %+v", i, tr.Overrides, again, e)
		}
	}
	if trials[6].Experiment.Prune.TargetSparsity != 0.9 || trials[6].Experiment.Search.Algorithm != "random" {
		t.Errorf("trial 6 = %+v", trials[6].Experiment.Prune)
	}
}

func TestShardCoversEveryTrialOnce(t *testing.T) {
	_, trials, err := config.LoadSweep("testdata/sweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 10; n++ {
		seen := map[int]int{}
		for i := 0; i < n; i++ {
			for _, tr := range config.Shard(trials, i, n) {
				if tr.Index%n != i {
					t.Errorf("Shard(%d/%d) has trial %d", i, n, tr.Index)
				}
				seen[tr.Index]++
			}
		}
		for _, tr := range trials {
			if seen[tr.Index] != 1 {
				t.Errorf("n=%d: trial %d in %d shards", n, tr.Index, seen[tr.Index])
			}
		}
	}
	if config.Shard(trials, 3, 3) != nil || config.Shard(trials, 0, 0) != nil || config.Shard(trials, -1, 2) != nil {
		t.Error("Shard with a bad i/n returned trials")
	}
}

// writeSweep writes a sweep file next to a copy of the synthetic base.
func writeSweep(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	base, err := os.ReadFile("testdata/synthetic-mlp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), base, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSweepErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"base: base.yaml\ngrid:\n  search.population:\n    - 8\n    - 1\nseeds: [1, 2]\n",
			"S:5:7: search.population: must be >= 2"},
		{"base: base.yaml\ngrid:\n  search.populaton: [4]\n",
			`S:3:3: search.populaton: unknown key (did you mean "population"?); valid keys in search: ` +
				"algorithm, population, generations, crossover_rate, mutation_rate, elitism, genome, fitness"},
		{"base: base.yaml\ngrid: {search.elitism: [2, 8]}\n",
			"S:2:28: search.elitism: must be < search.population (8)"},
		{"base: base.yaml\ngrid: {model.widths: [[16], [0]]}\n",
			"S:2:29: model.widths[0]: must be >= 1"},
		{"base: base.yaml\ngrid: {search.algorithm: [genetic, genetic]}\n",
			"S:2:36: search.algorithm: duplicate value genetic"},
		{"base: base.yaml\ngrid: {search.algorithm: []}\n",
			"S:2:8: search.algorithm: must be a non-empty list of values, got a list"},
		{"base: base.yaml\nseeds: [1, x, 1]\n",
			"S:2:12: seeds: must be an integer, got \"x\"\nS:2:15: seeds: duplicate seed 1"},
		{"bases: base.yaml\n",
			"S: base: required (the experiment file the grid applies to)\n" +
				`S:1:1: bases: unknown key (did you mean "base"?); valid keys in a sweep file: base, grid, seeds`},
		{"base: nope.yaml\n", "S:1:1: base: cannot read D/nope.yaml: no such file or directory"},
		{"base: base.yaml\ngrid: {seed: [1]}\nseeds: [1]\n", "S:2:8: seed: set by the seeds list; remove it from grid"},
		{"base: base.yaml\ngrid: {reconstruct.batch_size: [0, 60]}\n",
			"S: grid: trials 0 and 1 resolve to the same experiment (reconstruct.batch_size=60)"},
	}
	for _, c := range cases {
		path := writeSweep(t, c.src)
		_, _, err := config.LoadSweep(path)
		want := strings.ReplaceAll(c.want, "S:", path+":")
		want = strings.ReplaceAll(want, "D/", filepath.Dir(path)+"/")
		wantErr(t, err, want)
	}
}

// Keys joined by commas vary together: one trial per tuple, not the
// product, and each key's override is listed as if set alone.
func TestSweepLinkedKeys(t *testing.T) {
	path := writeSweep(t, "base: base.yaml\ngrid:\n  search.algorithm, prune.criterion:\n"+
		"    - [genetic, magnitude]\n    - [random, taylor]\n  search.population: [8, 12]\nseeds: [1, 2]\n")
	sw, trials, err := config.LoadSweep(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sw.Grid["search.algorithm, prune.criterion"]; !reflect.DeepEqual(got, []any{[]any{"genetic", "magnitude"}, []any{"random", "taylor"}}) {
		t.Errorf("grid = %v", sw.Grid)
	}
	if len(trials) != 8 {
		t.Fatalf("%d trials, want 2 tuples x 2 populations x 2 seeds = 8", len(trials))
	}
	want := []string{"search.algorithm=random", "prune.criterion=taylor", "search.population=8", "seed=1"}
	if tr := trials[4]; !reflect.DeepEqual(tr.Overrides, want) || tr.Experiment.Search.Algorithm != "random" ||
		tr.Experiment.Prune.Criterion != "taylor" || tr.Experiment.Search.Population != 8 {
		t.Errorf("trial 4: %v, want %v", tr.Overrides, want)
	}
	for _, c := range []struct{ src, want string }{
		{"base: base.yaml\ngrid:\n  search.algorithm, prune.criterion: [[genetic], [random, taylor]]\n",
			"S:3:39: search.algorithm, prune.criterion: must be a list of 2 values, one per key, got a list"},
		{"base: base.yaml\ngrid:\n  search.algorithm, prune.critrion: [[genetic, taylor]]\n",
			"S:3:3: prune.critrion: unknown key"},
		{"base: base.yaml\ngrid:\n  search.algorithm, search.algorithm: [[genetic, random]]\n",
			"S:3:3: search.algorithm: duplicate grid key"},
	} {
		p := writeSweep(t, c.src)
		_, _, err := config.LoadSweep(p)
		if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(c.want, "S:", p+":")) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestSweepBaseErrorsNameBaseFile(t *testing.T) {
	path := writeSweep(t, "base: base.yaml\ngrid: {search.generations: [1, 2]}\n")
	base := filepath.Join(filepath.Dir(path), "base.yaml")
	if err := os.WriteFile(base, []byte("search:\n  population: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := config.LoadSweep(path)
	wantErr(t, err, base+":2:3: search.population: must be >= 2")
}

func TestSweepWithoutSeedsKeepsBaseSeed(t *testing.T) {
	_, trials, err := config.LoadSweep(writeSweep(t, "base: base.yaml\ngrid: {model.widths: [[16], [32, 8]]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 2 || trials[0].Experiment.Seed != 3 || trials[1].Overrides[0] != "model.widths=[32, 8]" {
		t.Errorf("trials = %+v", trials)
	}
}

func TestIsSweepFile(t *testing.T) {
	for path, want := range map[string]bool{"testdata/sweep.yaml": true, "testdata/lenet300.yaml": false} {
		if got, err := config.IsSweepFile(path); err != nil || got != want {
			t.Errorf("IsSweepFile(%s) = %v, %v", path, got, err)
		}
	}
}

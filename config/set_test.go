package config_test

import (
	"reflect"
	"testing"

	"github.com/evoprune/evoprune/config"
)

func TestSetOverrides(t *testing.T) {
	e := mustLoad(t, "testdata/lenet300.yaml",
		"search.population=8",
		"model.arch=mlp", "model.widths=[64,32]",
		"data.dataset=synthetic",
		"data.samples=6000",
		"search.fitness.eval_samples=100",
		"reconstruct.batch_size=0",
		"train.batch_size=128",
		"data.dir=/tmp/a: b",
		"train.lr=1e-3",
	)
	if e.Search.Population != 8 || e.Model.Arch != "mlp" || !reflect.DeepEqual(e.Model.Widths, []int{64, 32}) {
		t.Errorf("overrides not applied: search %+v model %+v", e.Search, e.Model)
	}
	// Defaults depend on the overridden values: synthetic data has its own.
	if e.Data.Dataset != "synthetic" || e.Data.Validation != 5000 || e.Data.Samples != 6000 {
		t.Errorf("data = %+v", e.Data)
	}
	if e.Reconstruct.BatchSize != 128 || e.Data.Dir != "/tmp/a: b" || e.Train.LR != 1e-3 {
		t.Errorf("reconstruct.batch_size %d, data.dir %q, train.lr %g", e.Reconstruct.BatchSize, e.Data.Dir, e.Train.LR)
	}
}

func TestSetCreatesSections(t *testing.T) {
	e := mustLoad(t, "testdata/minimal.yaml", "search.fitness.objective=weighted", "seed=9", "train.epochs=",
		"data.dataset=synthetic")
	if e.Search.Fitness.Objective != "weighted" || e.Seed != 9 || e.Train.Epochs != 20 {
		t.Errorf("got objective %q seed %d epochs %d", e.Search.Fitness.Objective, e.Seed, e.Train.Epochs)
	}
	// Defaults that depend on the dataset follow the override.
	if e.Data.Validation != 500 || e.Data.Samples != 2000 {
		t.Errorf("data = %+v, want the synthetic defaults", e.Data)
	}
}

func TestSetLastWins(t *testing.T) {
	e := mustLoad(t, "testdata/minimal.yaml", "search.population=8", "search.population=10")
	if e.Search.Population != 10 {
		t.Errorf("population %d, want 10", e.Search.Population)
	}
}

func TestSetErrors(t *testing.T) {
	cases := []struct {
		sets []string
		want string
	}{
		{[]string{"search.population=1"}, "--set search.population=1: search.population: must be >= 2"},
		{[]string{"search.populaton=8"}, `--set search.populaton=8: search.populaton: unknown key (did you mean "population"?); ` +
			"valid keys in search: algorithm, population, generations, crossover_rate, mutation_rate, elitism, genome, fitness"},
		{[]string{"bogus=1"}, "--set bogus=1: bogus: unknown key; valid keys at the top level: " +
			"name, seed, device, threads, eval_batch, data, model, train, prune, search, reconstruct"},
		{[]string{"search=1"}, "--set search=1: search: is a section, not a value; set one of its keys: " +
			"algorithm, population, generations, crossover_rate, mutation_rate, elitism, genome, fitness"},
		{[]string{"model.arch.x=1"}, "--set model.arch.x=1: model.arch.x: unknown key: model.arch is a value, not a section"},
		{[]string{"search.population"}, "--set search.population: expected key.path=value"},
		{[]string{"train.epochs=ten"}, `--set train.epochs=ten: train.epochs: must be an integer, got "ten"`},
		{[]string{"model.widths=[64,0]"}, "--set model.widths=[64,0]: model.widths[1]: must be >= 1\n" +
			"--set model.widths=[64,0]: model.widths: only allowed with model.arch mlp (model.arch is lenet300-100)"},
		{[]string{"model.arch=mlp"}, "--set model.arch=mlp: model.widths: required for model.arch mlp (a non-empty list of hidden widths)"},
		{[]string{"search.elitism=40"}, "--set search.elitism=40: search.elitism: must be < search.population (32)"},
		{[]string{"search.population=2"}, "testdata/lenet300.yaml:16:3: search.elitism: must be < search.population (2)"},
	}
	for _, c := range cases {
		_, err := config.LoadWith("testdata/lenet300.yaml", c.sets)
		wantErr(t, err, c.want)
	}
}

func TestSetBlamedForDefaultClash(t *testing.T) {
	// elitism is not in the file: its default clashes with the override.
	_, err := config.LoadWith("testdata/minimal.yaml", []string{"search.population=2"})
	wantErr(t, err, "--set search.population=2: search.elitism: must be < search.population (2)")
}

func TestSetAndFileErrorsTogether(t *testing.T) {
	_, err := config.LoadWith("testdata/bad-unknown.yaml", []string{"search.population=1"})
	wantErr(t, err, `testdata/bad-unknown.yaml:4:3: train.epoch: unknown key (did you mean "epochs"?)
testdata/bad-unknown.yaml:6:3: search.populaton: unknown key (did you mean "population"?)
--set search.population=1: search.population: must be >= 2`)
}

func TestSetKeepsAnchoredOriginal(t *testing.T) {
	src := "train: &t {epochs: 3, batch_size: 32}\nreconstruct: *t\n"
	e, err := config.Parse("a.yaml", []byte(src), []string{"reconstruct.epochs=1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Train.Epochs != 3 || e.Reconstruct.Epochs != 1 || e.Reconstruct.BatchSize != 32 {
		t.Errorf("train.epochs %d reconstruct %+v", e.Train.Epochs, e.Reconstruct)
	}
}

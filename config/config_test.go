package config_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
	// The strategies register the search.algorithm rules validation reads.
	_ "github.com/evoprune/evoprune/strategy"
)

func mustLoad(t *testing.T, path string, sets ...string) *config.Experiment {
	t.Helper()
	e, err := config.LoadWith(path, sets)
	if err != nil {
		t.Fatalf("LoadWith(%s): %v", path, err)
	}
	return e
}

// wantErr checks that err is a *ConfigError whose text is exactly want.
func wantErr(t *testing.T, err error, want string) *config.ConfigError {
	t.Helper()
	var ce *config.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want *config.ConfigError", err, err)
	}
	if got := err.Error(); got != want {
		t.Fatalf("error:\n%s\nwant:\n%s", got, want)
	}
	return ce
}

func TestLoadContractExample(t *testing.T) {
	e := mustLoad(t, "testdata/lenet300.yaml")
	if e.Name != "lenet300-mnist-neurons" || e.Seed != 1 || e.Search.Fitness.EvalSamples != 5000 {
		t.Errorf("got name %q seed %d eval_samples %d", e.Name, e.Seed, e.Search.Fitness.EvalSamples)
	}
	if e.Reconstruct.Method != "refit+finetune" || e.Reconstruct.BatchSize != 60 || e.Train.LR != 1.2e-3 {
		t.Errorf("reconstruct %+v, train.lr %g", e.Reconstruct, e.Train.LR)
	}
}

func TestDefaultsFilled(t *testing.T) {
	e := mustLoad(t, "testdata/minimal.yaml")
	want := config.Default()
	want.Name, want.Seed = "minimal", 7 // name defaults to the file's stem
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %+v\nwant %+v", e, want)
	}
	if e.Device != "auto" || e.Threads != 2 || e.Data.Validation != 5000 || e.Train.Schedule != "cosine" ||
		e.Search.Population != 32 || e.Reconstruct.LR != 1.2e-4 || e.Reconstruct.BatchSize != 60 {
		t.Errorf("defaults not filled: %+v", e)
	}
	if err := config.Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestSyntheticDefaults(t *testing.T) {
	e := mustLoad(t, "testdata/synthetic-mlp.yaml")
	if e.Data.Validation != 500 || e.Data.Samples != 1200 {
		t.Errorf("data = %+v, want validation 500, samples 1200", e.Data)
	}
	if !reflect.DeepEqual(e.Model.Widths, []int{64, 32}) || e.Train.Momentum != 0.9 || e.Reconstruct.BatchSize != 60 {
		t.Errorf("model %+v, momentum %g, reconstruct.batch_size %d", e.Model, e.Train.Momentum, e.Reconstruct.BatchSize)
	}
}

func TestExplicitZeroAndNull(t *testing.T) {
	src := "train:\n  epochs: 0\n  batch_size: 30\nsearch:\n  elitism: 0\n  population:\nreconstruct:\n  epochs: 0\n"
	e, err := config.Parse("z.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Train.Epochs != 0 || e.Search.Elitism != 0 || e.Reconstruct.Epochs != 0 {
		t.Errorf("explicit zeros replaced by defaults: %+v %+v", e.Train, e.Reconstruct)
	}
	if e.Search.Population != 32 || e.Reconstruct.BatchSize != 30 {
		t.Errorf("population %d (null means default), reconstruct.batch_size %d", e.Search.Population, e.Reconstruct.BatchSize)
	}
}

func TestErrorPositions(t *testing.T) {
	cases := map[string]string{
		"bad-unknown.yaml": `testdata/bad-unknown.yaml:4:3: train.epoch: unknown key (did you mean "epochs"?)
testdata/bad-unknown.yaml:6:3: search.populaton: unknown key (did you mean "population"?)`,
		"bad-type.yaml": `testdata/bad-type.yaml:3:3: train.epochs: must be an integer, got "ten"
testdata/bad-type.yaml:4:3: train.lr: must be a number, got "fast"
testdata/bad-type.yaml:7:16: model.widths[1]: must be an integer, got "x"`,
		"bad-range.yaml": `testdata/bad-range.yaml:2:1: threads: must be >= 1
testdata/bad-range.yaml:4:3: prune.target_sparsity: must be in (0, 1)
testdata/bad-range.yaml:6:3: search.population: must be >= 2
testdata/bad-range.yaml:7:3: search.mutation_rate: must be in [0, 1]`,
		"bad-combo.yaml": `testdata/bad-combo.yaml:4:3: model.widths: only allowed with model.arch mlp (model.arch is lenet300-100)
testdata/bad-combo.yaml:6:3: prune.granularity: channel granularity needs a convolutional model
testdata/bad-combo.yaml:9:3: search.elitism: must be < search.population (4)`,
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := config.Load(filepath.Join("testdata", file))
			wantErr(t, err, want)
		})
	}
}

func TestFieldErrorParts(t *testing.T) {
	_, err := config.Load("testdata/bad-range.yaml")
	ce := wantErr(t, err, err.Error())
	got := ce.Errors[2]
	want := config.FieldError{File: "testdata/bad-range.yaml", Line: 6, Col: 3, Path: "search.population", Msg: "must be >= 2"}
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestFileProblems(t *testing.T) {
	_, err := config.Load("testdata/nope.yaml")
	wantErr(t, err, "testdata/nope.yaml: cannot read file: no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false")
	}
	cases := []struct{ src, want string }{
		{"", "x.yaml: empty file"},
		{"# only a comment\n", "x.yaml: empty file"},
		{"---\n", "x.yaml: empty file"},
		{"- a\n- b\n", "x.yaml:1:1: expected a mapping of keys at the top level, got a list"},
		{"seed: 1\ntrain: [1\n", "x.yaml:2: invalid YAML: did not find expected ',' or ']'"},
		{"seed: 1\ntrain:\n  epochs: 1\n lr: 2\n", "x.yaml:4: invalid YAML: did not find expected key"},
		{"seed: 1\ntrain:\n\tepochs: 1\n", "x.yaml:3: invalid YAML: found character that cannot start any token"},
		{"seed: 1\nx: {a: *nope}\n", "x.yaml:2:8: invalid YAML: unknown anchor 'nope' referenced"},
		{"seed: 1\n...\n---\n", ""},
		{"seed: 1\n---\nseed: 2\n", "x.yaml:2:1: more than one YAML document; expected one"},
		{"seed: 1\nseed: 2\n", "x.yaml:2:1: seed: duplicate key (first set at line 1)"},
		{"train: 5\n", "x.yaml:1:1: train: must be a mapping, got 5"},
		{"epochs: 5\n", "x.yaml:1:1: epochs: unknown key (did you mean train.epochs or reconstruct.epochs?)"},
		{"model: {arch: mlp}\n", "x.yaml:1:9: model.widths: required for model.arch mlp (a non-empty list of hidden widths)"},
		{"model: {arch: lenet300}\n", `x.yaml:1:9: model.arch: must be one of lenet300-100, lenet5, resnet20, resnet32, resnet44, resnet56, resnet110, resnet18, resnet18-cifar, vgg16-bn, mlp, custom; got "lenet300" (did you mean "lenet300-100"?)`},
		{"prune: {k: .nan}\n", "x.yaml:1:9: prune.k: must be a finite number, got .nan"},
		{"name: a/b\n", `x.yaml:1:1: name: must start with a letter or digit and use only letters, digits and . _ + -; got "a/b"`},
		{"data: {validation: 60000}\nsearch: {fitness: {eval_samples: 70000}}\n",
			"x.yaml:1:8: data.validation: must be < 60000 (the mnist training set size)\n" +
				"x.yaml:2:20: search.fitness.eval_samples: must be <= data.validation (60000)"},
	}
	for _, c := range cases {
		_, err := config.Parse("x.yaml", []byte(c.src), nil)
		if c.want == "" {
			if err != nil {
				t.Errorf("Parse(%q) = %v", c.src, err)
			}
			continue
		}
		wantErr(t, err, c.want)
	}
}

func TestAliasesAndMerge(t *testing.T) {
	src := "train: &t {epochs: 3, lr: 0.01}\nreconstruct:\n  <<: {epochs: 4, lr: 0.02}\n  epochs: 5\n"
	e, err := config.Parse("a.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Reconstruct.Epochs != 5 || e.Reconstruct.LR != 0.02 || e.Train.Epochs != 3 {
		t.Errorf("reconstruct %+v train %+v", e.Reconstruct, e.Train)
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	for _, f := range []string{"lenet300.yaml", "minimal.yaml", "synthetic-mlp.yaml"} {
		e := mustLoad(t, filepath.Join("testdata", f))
		b, err := e.YAML()
		if err != nil {
			t.Fatal(err)
		}
		back, err := config.Parse("config.yaml", b, nil)
		if err != nil {
			t.Fatalf("%s: reparse: %v\n%s", f, err, b)
		}
		if !reflect.DeepEqual(e, back) {
			t.Errorf("%s: round trip changed the experiment:\n%+v\n%+v", f, e, back)
		}
		if !strings.Contains(string(b), "\n  population: ") {
			t.Errorf("%s: YAML is not fully spelled out:\n%s", f, b)
		}
	}
}

func TestValidateProgrammatic(t *testing.T) {
	e := config.Default()
	e.Search.Population = 1
	e.Prune.Granularity = "channel"
	err := e.Validate()
	wantErr(t, err, "search.population: must be >= 2\nprune.granularity: channel granularity needs a convolutional model")
}

// Every shipped experiment and sweep is valid.
func TestShippedConfigsAreValid(t *testing.T) {
	paths, _ := filepath.Glob("../configs/*.yaml")
	more, _ := filepath.Glob("../configs/*/*.yaml")
	paths = append(paths, more...)
	if len(paths) < 5 {
		t.Fatalf("found %d configs", len(paths))
	}
	for _, p := range paths {
		sweep, err := config.IsSweepFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if sweep {
			_, _, err = config.LoadSweep(p)
		} else {
			_, err = config.Load(p)
		}
		if err != nil {
			t.Errorf("%v", err)
		}
	}
}

// prune.inputs prunes an MLP's input features: neuron granularity only.
func TestPruneInputsRule(t *testing.T) {
	e := config.Default()
	e.Prune.Inputs = true
	if err := e.Validate(); err != nil {
		t.Fatalf("the default (LeNet-300-100, neurons) with prune.inputs: %v", err)
	}
	e.Model.Arch = "lenet5"
	e.Prune.Granularity = "channel"
	wantErr(t, e.Validate(), "prune.inputs: prunes the input features of an MLP: only with granularity neuron and a model without convolutions")
}

func TestGenomeRule(t *testing.T) {
	e := config.Default()
	e.Model.Arch, e.Prune.Granularity, e.Search.Genome = "lenet5", "channel", config.GenomeLayers
	if err := e.Validate(); err != nil {
		t.Fatalf("the GA over per-layer channel counts: %v", err)
	}
	e.Search.Genome = "layer"
	wantErr(t, e.Validate(), `search.genome: must be one of masks, layers; got "layer" (did you mean "layers"?)`)
	e.Search.Genome, e.Search.Algorithm = config.GenomeLayers, "global-magnitude"
	wantErr(t, e.Validate(), "search.genome: per-layer allocations are searched by genetic or random, not global-magnitude")
	e.Search.Algorithm, e.Search.Fitness.Objective = "genetic", "pareto"
	wantErr(t, e.Validate(), "search.genome: pareto searches masks, not per-layer allocations")
}

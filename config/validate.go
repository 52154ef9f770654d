package config

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// search.genome values.
const (
	GenomeMasks  = "masks"
	GenomeLayers = "layers"
)

// Allowed values of the enumerated keys.
var (
	Devices  = []string{"auto", "cpu", "cuda"}
	Datasets = []string{"mnist", "fashion-mnist", "cifar10", "cifar100", "synthetic"}
	Archs    = []string{"lenet300-100", "lenet5", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
		"resnet18", "resnet18-cifar", "vgg16-bn", "mlp", "custom"}
	Optimizers    = []string{"adam", "sgd"}
	Schedules     = []string{"constant", "step", "multistep", "cosine"}
	Granularities = []string{"weight", "neuron", "channel", "layer"}
	Criteria      = []string{"magnitude", "activation", "taylor", "random"}
	Objectives    = []string{"accuracy_at_sparsity", "weighted", "pareto"}
	Costs         = []string{"flops", "params", "latency", "units"}
	Methods       = []string{"none", "refit", "finetune", "refit+finetune"}
	Inits         = []string{"keep", "rewind", "reinit"}
	Genomes       = []string{GenomeMasks, GenomeLayers}
	trainSetSize  = map[string]int{"mnist": 60000, "fashion-mnist": 60000, "cifar10": 50000, "cifar100": 50000}
)

// Allowed lists the values an enumerated key path accepts (nil for other
// keys); search.algorithm lists the registered strategies.
func Allowed(path string) []string {
	switch path {
	case "device":
		return Devices
	case "data.dataset":
		return Datasets
	case "model.arch":
		return Archs
	case "model.init":
		return []string{"default", "glorot-normal"}
	case "train.optimizer":
		return Optimizers
	case "train.schedule", "reconstruct.schedule":
		return Schedules
	case "prune.granularity":
		return Granularities
	case "prune.criterion":
		return Criteria
	case "search.algorithm":
		return StrategyNames(nil)
	case "search.genome":
		return Genomes
	case "search.fitness.objective":
		return Objectives
	case "search.fitness.cost":
		return Costs
	case "reconstruct.method":
		return Methods
	case "reconstruct.init":
		return Inits
	}
	return nil
}

// HasBatchNorm says whether a model.arch has batch norm (a test checks it
// against the models).
func HasBatchNorm(arch string) bool {
	return strings.HasPrefix(arch, "resnet") || strings.HasSuffix(arch, "-bn")
}

// HasBatchNorm says whether the configured network has batch norm.
func (m ModelConfig) HasBatchNorm() bool {
	if len(m.Layers) > 0 {
		return hasLayer(m.Layers, "bn")
	}
	return HasBatchNorm(m.Arch)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// Validate checks the experiment's values and combinations. Its errors
// carry key paths but no file positions (a *ConfigError).
func (e *Experiment) Validate() error {
	c := &checker{}
	c.experiment(e)
	var l errorList
	l.addAll(c.errs)
	return l.err()
}

// checker collects validation errors; at places them (nil: no position),
// skip silences key paths that already failed to decode, and partial
// (some keys failed to decode) turns off the checks of combinations.
type checker struct {
	at      func(path string) origin
	has     func(path string) bool // whether a key path was given
	skip    func(path string) bool
	partial bool
	errs    []FieldError
}

func (c *checker) fail(path, format string, args ...any) {
	c.failBecause(path, path, format, args...)
}

// failBecause reports a problem with path, placed at the key cause when
// path itself was not given (its default clashes with cause).
func (c *checker) failBecause(path, cause, format string, args ...any) {
	if c.skip != nil && c.skip(path) {
		return
	}
	var o origin
	if c.at != nil {
		where := path
		if c.has != nil && !c.has(path) && c.has(cause) {
			where = cause
		}
		o = c.at(where)
	}
	c.errs = append(c.errs, o.fail(path, format, args...))
}

// oneOf checks an enumerated key against its Allowed values.
func (c *checker) oneOf(path, v string) {
	allowed := Allowed(path)
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	msg := fmt.Sprintf("must be one of %s; got %q", strings.Join(allowed, ", "), v)
	if s := closest(v, allowed); s != "" && v != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	c.fail(path, "%s", msg)
}

func (c *checker) atLeast(path string, v, lo int) {
	if v < lo {
		c.fail(path, "must be >= %d", lo)
	}
}

// within checks lo < v < hi, with each end closed when loIn / hiIn.
func (c *checker) within(path string, v, lo, hi float64, loIn, hiIn bool) {
	okLo := v > lo || (loIn && v == lo)
	okHi := v < hi || (hiIn && v == hi)
	if okLo && okHi {
		return
	}
	l, r := "(", ")"
	if loIn {
		l = "["
	}
	if hiIn {
		r = "]"
	}
	c.fail(path, "must be in %s%g, %g%s", l, lo, hi, r)
}

func (c *checker) positive(path string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		c.fail(path, "must be > 0")
	}
}

func (c *checker) nonNegative(path string, v float64) {
	if !(v >= 0) || math.IsInf(v, 0) {
		c.fail(path, "must be >= 0")
	}
}

func (c *checker) finite(path string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		c.fail(path, "must be a finite number")
	}
}

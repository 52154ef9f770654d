package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Sweep is a parsed sweep file: a base experiment, a grid of overrides and
// a list of seeds.
type Sweep struct {
	Base  string           // path of the base experiment, relative to the sweep file's folder
	Grid  map[string][]any // key path -> values, e.g. "train.lr": [0.001, 0.01]; linked keys "a, b" -> [[a1, b1], ...]
	Seeds []int64          // empty: the base experiment's seed
}

// Trial is one expanded run of a sweep.
type Trial struct {
	Index      int         // position in the expansion, from 0
	Overrides  []string    // "key.path=value", grid keys in sorted order, then "seed=N"
	Experiment *Experiment // resolved and validated
	ID         string      // short hash of the resolved experiment
}

// maxTrials bounds the expansion of a grid.
const maxTrials = 100000

// gridKey is one grid entry with the nodes of its values.
type gridKey struct {
	path   string   // as written: one key path, or several joined by commas
	paths  []string // the key paths it sets
	key    *yaml.Node
	values []*yaml.Node
}

// LoadSweep reads a sweep file and expands it into trials: grid keys in
// sorted order (the first key varies slowest), values in file order, seeds
// innermost. Each trial's experiment is the base experiment with the grid
// values and the seed applied, defaults filled and validated; problems
// caused by a grid value or seed are reported at its place in the sweep
// file. Every error a user can cause is a *ConfigError.
func LoadSweep(path string) (*Sweep, []Trial, error) {
	src, err := readFile(path)
	if err != nil {
		return nil, nil, err
	}
	root, err := parseDoc(path, src)
	if err != nil {
		return nil, nil, err
	}
	p := &sweepParser{file: path}
	sw, grid, seeds, baseAt := p.parse(root)
	if err := p.errs.err(); err != nil {
		return nil, nil, err
	}
	basePath := sw.Base
	if !filepath.IsAbs(basePath) {
		basePath = filepath.Join(filepath.Dir(path), basePath)
	}
	baseSrc, err := readFile(basePath)
	if err != nil {
		f := baseAt.fail("base", "cannot read %s: %v", basePath, errCause(err))
		f.Err = err
		return nil, nil, &ConfigError{Errors: []FieldError{f}}
	}
	if _, err := parseDoc(basePath, baseSrc); err != nil {
		return nil, nil, err
	}
	trials, err := expand(path, basePath, baseSrc, grid, seeds)
	if err != nil {
		return nil, nil, err
	}
	return sw, trials, nil
}

// Shard returns the trials whose Index ≡ i (mod n); nil unless 0 <= i < n.
func Shard(trials []Trial, i, n int) []Trial {
	if n <= 0 || i < 0 || i >= n {
		return nil
	}
	var out []Trial
	for _, t := range trials {
		if t.Index%n == i {
			out = append(out, t)
		}
	}
	return out
}

// errCause digs the operating-system cause out of a readFile error.
func errCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// IsSweepFile reports whether the file at path is a sweep file (its top
// level has a "base" or "grid" key) rather than an experiment.
func IsSweepFile(path string) (bool, error) {
	src, err := readFile(path)
	if err != nil {
		return false, err
	}
	root, err := parseDoc(path, src)
	if err != nil {
		return false, err
	}
	for _, p := range pairs(root, 0) {
		if p.key.Value == "base" || p.key.Value == "grid" {
			return true, nil
		}
	}
	return false, nil
}

func (t Trial) String() string {
	return fmt.Sprintf("trial %d (%s)", t.Index, t.ID)
}

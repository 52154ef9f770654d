package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes, completes with defaults and validates an experiment
// file. Every error a user can cause is a *ConfigError.
func Load(path string) (*Experiment, error) {
	return LoadWith(path, nil)
}

// LoadWith is Load with --set overrides ("key.path=value", value parsed as
// a YAML scalar or flow list) applied before defaults and validation.
func LoadWith(path string, sets []string) (*Experiment, error) {
	src, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, sets)
}

// Parse is LoadWith for a file's contents; name is the file name used in
// error messages and for the default experiment name.
func Parse(name string, src []byte, sets []string) (*Experiment, error) {
	root, err := parseDoc(name, src)
	if err != nil {
		return nil, err
	}
	s := newSource(name, root)
	for _, arg := range sets {
		s.applySet(arg)
	}
	return s.experiment()
}

func readFile(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		cause := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			cause = pe.Err
		}
		return nil, &ConfigError{Errors: []FieldError{{File: path, Msg: "cannot read file: " + cause.Error(), Err: err}}}
	}
	return src, nil
}

// source is a parsed file plus the overrides applied to it.
type source struct {
	file string
	root *yaml.Node
	over map[*yaml.Node]origin
	errs errorList // override problems
}

func newSource(file string, root *yaml.Node) *source {
	return &source{file: file, root: root, over: map[*yaml.Node]origin{}}
}

// experiment decodes the source, fills defaults and validates the result.
func (s *source) experiment() (*Experiment, error) {
	rootAt := origin{file: s.file, line: s.root.Line, col: s.root.Column}
	d := newDecoder(s.file, s.over)
	e := &Experiment{}
	d.mapping(s.root, reflect.ValueOf(e).Elem(), "", rootAt, nil)
	has := func(p string) bool { _, ok := d.pos[p]; return ok }
	fillDefaults(e, has)
	if !has("name") {
		e.Name = defaultName(s.file)
	}
	c := &checker{at: d.locator(rootAt), has: has, skip: d.failed, partial: len(d.errs) > 0 || len(s.errs.errs) > 0}
	c.experiment(e)
	l := s.errs
	l.addAll(d.errs)
	l.addAll(c.errs)
	if err := l.err(); err != nil {
		return nil, err
	}
	return e, nil
}

// locator places a key path at its own position or, when absent, at the
// position of its closest present ancestor.
func (d *decoder) locator(root origin) func(string) origin {
	return func(p string) origin {
		for {
			if o, ok := d.pos[p]; ok {
				return o
			}
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				return root
			}
			p = p[:i]
		}
	}
}

// failed reports whether path or one of its ancestors failed to decode.
func (d *decoder) failed(p string) bool {
	for {
		if d.bad[p] {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._+-]+`)

// defaultName derives an experiment name from its file name.
func defaultName(file string) string {
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = strings.Trim(unsafeName.ReplaceAllString(base, "-"), "-._+")
	if base == "" {
		return "experiment"
	}
	return base
}

package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// sweepParser decodes the top level of a sweep file.
type sweepParser struct {
	file string
	errs errorList
}

// seedValue is one seed with its node in the sweep file.
type seedValue struct {
	seed int64
	node *yaml.Node
}

var sweepKeys = []string{"base", "grid", "seeds"}

func (p *sweepParser) at(n *yaml.Node) origin {
	return origin{file: p.file, line: n.Line, col: n.Column}
}

func (p *sweepParser) parse(root *yaml.Node) (*Sweep, []gridKey, []seedValue, origin) {
	sw := &Sweep{Grid: map[string][]any{}}
	var grid []gridKey
	var seeds []seedValue
	var baseAt origin
	seen := map[string]bool{}
	for _, kv := range pairs(root, 0) {
		name, at := kv.key.Value, p.at(kv.key)
		if seen[name] {
			p.errs.add(at.fail(name, "duplicate key"))
			continue
		}
		seen[name] = true
		val := deref(kv.val)
		switch name {
		case "base":
			baseAt = at
			if val.Kind != yaml.ScalarNode || val.ShortTag() != "!!str" || val.Value == "" {
				p.errs.add(at.fail("base", "must be the path of an experiment file, got %s", describe(val)))
			}
			sw.Base = val.Value
		case "grid":
			grid = p.grid(val, at, sw)
		case "seeds":
			seeds = p.seeds(val, at, sw)
		default:
			msg := "unknown key"
			if s := closest(name, sweepKeys); s != "" {
				msg += " (did you mean \"" + s + "\"?)"
			}
			p.errs.add(at.fail(name, "%s; valid keys in a sweep file: %s", msg, strings.Join(sweepKeys, ", ")))
		}
	}
	if !seen["base"] {
		p.errs.add(origin{file: p.file}.fail("base", "required (the experiment file the grid applies to)"))
	}
	if len(seeds) > 0 {
		for _, g := range grid {
			if g.path == "seed" {
				p.errs.add(p.at(g.key).fail("seed", "set by the seeds list; remove it from grid"))
			}
		}
	}
	return sw, grid, seeds, baseAt
}

func (p *sweepParser) grid(n *yaml.Node, at origin, sw *Sweep) []gridKey {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errs.add(at.fail("grid", "must be a mapping of key paths to lists of values, got %s", describe(n)))
		return nil
	}
	var out []gridKey
	seen := map[string]bool{}
	for _, kv := range pairs(n, 0) {
		path, kAt := kv.key.Value, p.at(kv.key)
		// "a.b, c.d" links keys: each value is a list with one entry per key.
		var paths []string
		ok := true
		for _, q := range strings.Split(path, ",") {
			q = strings.TrimSpace(q)
			if _, bad, msg := resolvePath(q); msg != "" {
				p.errs.add(kAt.fail(bad, "%s", msg))
				ok = false
			} else if seen[q] {
				p.errs.add(kAt.fail(q, "duplicate grid key"))
				ok = false
			}
			seen[q] = true
			paths = append(paths, q)
		}
		if !ok {
			continue
		}
		vals := deref(kv.val)
		if vals.Kind != yaml.SequenceNode || len(vals.Content) == 0 {
			p.errs.add(kAt.fail(path, "must be a non-empty list of values, got %s", describe(vals)))
			continue
		}
		g := gridKey{path: path, paths: paths, key: kv.key}
		rendered := map[string]bool{}
		for _, v := range vals.Content {
			if len(paths) > 1 {
				if t := deref(v); t.Kind != yaml.SequenceNode || len(t.Content) != len(paths) {
					p.errs.add(p.at(v).fail(path, "must be a list of %d values, one per key, got %s", len(paths), describe(t)))
					continue
				}
			}
			r := render(v)
			if rendered[r] {
				p.errs.add(p.at(v).fail(path, "duplicate value %s", r))
				continue
			}
			rendered[r] = true
			var x any
			if err := deref(v).Decode(&x); err != nil {
				p.errs.add(p.at(v).fail(path, "invalid value: %v", err))
				continue
			}
			g.values = append(g.values, v)
			sw.Grid[path] = append(sw.Grid[path], x)
		}
		out = append(out, g)
	}
	return out
}

func (p *sweepParser) seeds(n *yaml.Node, at origin, sw *Sweep) []seedValue {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errs.add(at.fail("seeds", "must be a non-empty list of integers, got %s", describe(n)))
		return nil
	}
	var out []seedValue
	seen := map[int64]bool{}
	for _, el := range n.Content {
		var s int64
		v := deref(el)
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&s) != nil {
			p.errs.add(p.at(el).fail("seeds", "must be an integer, got %s", describe(v)))
			continue
		}
		if seen[s] {
			p.errs.add(p.at(el).fail("seeds", "duplicate seed %d", s))
			continue
		}
		seen[s] = true
		out = append(out, seedValue{seed: s, node: el})
		sw.Seeds = append(sw.Seeds, s)
	}
	return out
}

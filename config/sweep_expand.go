package config

import (
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// expand builds every trial of the grid × seeds over the base experiment.
func expand(sweepFile, baseFile string, baseSrc []byte, grid []gridKey, seeds []seedValue) ([]Trial, error) {
	sort.Slice(grid, func(i, j int) bool { return grid[i].path < grid[j].path })
	total := max(len(seeds), 1)
	for _, g := range grid {
		total *= len(g.values)
		if total > maxTrials {
			return nil, &ConfigError{Errors: []FieldError{{File: sweepFile, Path: "grid",
				Msg: "expands to more than " + strconv.Itoa(maxTrials) + " trials"}}}
		}
	}
	var errs errorList
	var trials []Trial
	ids := map[string]int{}
	idx := make([]int, len(grid)) // odometer over grid values, last key fastest
	for n := 0; n < total; n++ {
		rest := n / max(len(seeds), 1)
		for k := len(grid) - 1; k >= 0; k-- {
			idx[k] = rest % len(grid[k].values)
			rest /= len(grid[k].values)
		}
		root, err := parseDoc(baseFile, baseSrc)
		if err != nil {
			return nil, err
		}
		s := newSource(baseFile, root)
		var over []string
		for k, g := range grid {
			v := g.values[idx[k]]
			vs := []*yaml.Node{v}
			if len(g.paths) > 1 {
				vs = deref(v).Content
			}
			for i, path := range g.paths {
				s.override(strings.Split(path, "."), vs[i], origin{file: sweepFile, line: vs[i].Line, col: vs[i].Column})
				over = append(over, path+"="+render(vs[i]))
			}
		}
		if len(seeds) > 0 {
			sv := seeds[n%len(seeds)]
			node := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(sv.seed, 10)}
			s.override([]string{"seed"}, node, origin{file: sweepFile, line: sv.node.Line, col: sv.node.Column})
			over = append(over, "seed="+node.Value)
		}
		e, err := s.experiment()
		if err != nil {
			if ce, ok := err.(*ConfigError); ok {
				errs.addAll(ce.Errors)
				continue
			}
			return nil, err
		}
		t := Trial{Index: n, Overrides: over, Experiment: e, ID: e.Hash()[:12]}
		if prev, dup := ids[t.ID]; dup {
			errs.add(FieldError{File: sweepFile, Path: "grid", Msg: "trials " + strconv.Itoa(prev) + " and " +
				strconv.Itoa(n) + " resolve to the same experiment (" + strings.Join(over, ", ") + ")"})
		}
		ids[t.ID] = n
		trials = append(trials, t)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return trials, nil
}

// render writes a value node as a one-line YAML value, for overrides.
func render(n *yaml.Node) string {
	c := flowCopy(deref(n), 0)
	b, err := yaml.Marshal(c)
	if err != nil {
		return n.Value
	}
	return strings.TrimSpace(string(b))
}

// flowCopy copies n without comments or anchors, in flow style.
func flowCopy(n *yaml.Node, depth int) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Style: n.Style &^ (yaml.LiteralStyle | yaml.FoldedStyle)}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		c.Style = yaml.FlowStyle
		for _, x := range n.Content {
			if depth < 20 {
				c.Content = append(c.Content, flowCopy(deref(x), depth+1))
			}
		}
	}
	return c
}

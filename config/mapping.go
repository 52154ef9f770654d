package config

import (
	"reflect"

	"gopkg.in/yaml.v3"
)

// pair is one key/value entry of a YAML mapping.
type pair struct{ key, val *yaml.Node }

// pairs lists the entries of mapping n, expanding YAML merge keys ("<<")
// whose entries apply only where n does not set the key itself.
func pairs(n *yaml.Node, depth int) []pair {
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() != "!!merge" || depth > 10 {
			own = append(own, pair{k, v})
			continue
		}
		v = deref(v)
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, s := range srcs {
			if s = deref(s); s.Kind == yaml.MappingNode {
				merged = append(merged, pairs(s, depth+1)...)
			} else {
				own = append(own, pair{k, v}) // reported as a bad key
			}
		}
	}
	set := map[string]bool{}
	for _, p := range own {
		set[p.key.Value] = true
	}
	for _, p := range merged {
		if !set[p.key.Value] {
			set[p.key.Value] = true
			own = append(own, p)
		}
	}
	return own
}

// mapping decodes mapping n into struct v.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, at origin, inh *origin) {
	if n.Kind != yaml.MappingNode {
		d.fail(at, path, "must be a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	seen := map[string]*yaml.Node{}
	for _, p := range pairs(n, 0) {
		keyAt, childInh := d.originOf(p.key, p.val, inh)
		if p.key.Kind != yaml.ScalarNode || p.key.ShortTag() == "!!merge" {
			d.fail(keyAt, path, "invalid key %s", describe(p.key))
			continue
		}
		name := p.key.Value
		childPath := join(path, name)
		if first, dup := seen[name]; dup {
			d.fail(keyAt, childPath, "duplicate key (first set at line %d)", first.Line)
			continue
		}
		seen[name] = p.key
		f, ok := lookupField(t, name)
		if !ok {
			d.fail(keyAt, childPath, "%s", unknownKeyMsg(t, path, name))
			continue
		}
		if isNull(p.val) {
			continue // null means "use the default"
		}
		d.pos[childPath] = keyAt
		d.value(p.val, v.Field(f.index), childPath, keyAt, childInh)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

package config

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// applySet applies one --set override "key.path=value" to the source,
// recording any problem in s.errs.
func (s *source) applySet(arg string) {
	at := origin{file: "--set " + arg}
	path, val, ok := strings.Cut(arg, "=")
	path = strings.TrimSpace(path)
	if !ok {
		s.errs.add(at.fail("", "expected key.path=value"))
		return
	}
	leaf, bad, msg := resolvePath(path)
	if msg != "" {
		s.errs.add(at.fail(bad, "%s", msg))
		return
	}
	node, err := scalarNode(val, leaf.Kind() == reflect.String)
	if err != nil {
		s.errs.add(at.fail(path, "invalid value: %v", err))
		return
	}
	s.override(strings.Split(path, "."), node, at)
}

// scalarNode parses an override value as YAML. For string keys a value
// that is not a YAML scalar is taken literally.
func scalarNode(text string, isString bool) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.Unmarshal([]byte(text), &doc)
	if err == nil && len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, nil
	}
	if isString && (err != nil || doc.Content[0].Kind != yaml.ScalarNode) {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}, nil
	}
	if err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}

// override puts val at path in the source tree, creating missing sections.
// Nodes it adds are marked with origin at. If a section on the path is not
// a mapping in the file, nothing is changed: decoding reports that.
func (s *source) override(path []string, val *yaml.Node, at origin) {
	m := s.root
	for i, seg := range path {
		idx := -1
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Kind == yaml.ScalarNode && m.Content[j].Value == seg {
				idx = j // the last one wins, as for duplicate keys
			}
		}
		if i == len(path)-1 {
			s.over[val] = at
			if idx >= 0 {
				m.Content[idx+1] = val
				return
			}
			m.Content = append(m.Content, s.newKey(seg, at), val)
			return
		}
		var child *yaml.Node
		if idx >= 0 {
			child = m.Content[idx+1]
			if child.Kind == yaml.AliasNode && child.Alias != nil {
				cp := *deref(child) // do not change the anchored original
				cp.Content = append([]*yaml.Node(nil), cp.Content...)
				child = &cp
			}
			if isNull(child) {
				child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				s.over[m.Content[idx]] = at
			}
			if child.Kind != yaml.MappingNode {
				return
			}
			m.Content[idx+1] = child
		} else {
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, s.newKey(seg, at), child)
		}
		m = child
	}
}

func (s *source) newKey(name string, at origin) *yaml.Node {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}
	s.over[k] = at
	return k
}

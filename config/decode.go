package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"
)

// decoder fills a struct from a yaml.Node tree, recording where every value
// came from and collecting unknown keys and type errors.
type decoder struct {
	file string                // file the nodes were parsed from
	over map[*yaml.Node]origin // nodes that came from overrides
	pos  map[string]origin     // present (non-null) key paths
	bad  map[string]bool       // key paths whose value could not be decoded
	errs []FieldError
}

func newDecoder(file string, over map[*yaml.Node]origin) *decoder {
	return &decoder{file: file, over: over, pos: map[string]origin{}, bad: map[string]bool{}}
}

func (d *decoder) fail(at origin, path, format string, args ...any) {
	d.errs = append(d.errs, at.fail(path, format, args...))
	if path != "" {
		d.bad[path] = true
	}
}

func (d *decoder) filePos(n *yaml.Node) origin {
	return origin{file: d.file, line: n.Line, col: n.Column}
}

// originOf says where the value of one mapping entry came from: its
// override, the inherited override of an enclosing value, or the key's
// position in the file.
func (d *decoder) originOf(key, val *yaml.Node, inh *origin) (origin, *origin) {
	if o, ok := d.over[val]; ok {
		return o, &o
	}
	if o, ok := d.over[key]; ok {
		return o, &o
	}
	if inh != nil {
		return *inh, inh
	}
	return d.filePos(key), nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe renders a node for "got ..." in messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// value decodes n into v. at is where the value is reported; inh is the
// override origin inherited from an enclosing value, if any.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, at origin, inh *origin) {
	n = deref(n)
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, v, path, at, inh)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(at, path, "must be a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		if x, ok := d.integer(n, path, at); ok {
			v.SetInt(x)
		}
	case reflect.Float64:
		if x, ok := d.number(n, path, at); ok {
			v.SetFloat(x)
		}
	case reflect.Bool:
		var x bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&x) != nil {
			d.fail(at, path, "must be true or false, got %s", describe(n))
			return
		}
		v.SetBool(x)
	case reflect.Slice:
		if v.Type() == reflect.TypeOf([]LayerConfig(nil)) {
			v.Set(reflect.ValueOf(d.layers(n, path, at, inh)))
			return
		}
		d.list(n, v, path, at, inh)
	default:
		d.fail(at, path, "unsupported field type %s", v.Type())
	}
}

func (d *decoder) integer(n *yaml.Node, path string, at origin) (int64, bool) {
	var x int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&x) != nil {
		d.fail(at, path, "must be an integer, got %s", describe(n))
		return 0, false
	}
	if strconv.IntSize == 32 && (x > math.MaxInt32 || x < math.MinInt32) {
		d.fail(at, path, "is out of range, got %s", n.Value)
		return 0, false
	}
	return x, true
}

func (d *decoder) number(n *yaml.Node, path string, at origin) (float64, bool) {
	var x float64
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&x) != nil {
		d.fail(at, path, "must be a number, got %s", describe(n))
		return 0, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		d.fail(at, path, "must be a finite number, got %s", n.Value)
		return 0, false
	}
	return x, true
}

// list decodes a list of integers or of numbers, as v's element type says.
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, at origin, inh *origin) {
	floats := v.Type().Elem().Kind() == reflect.Float64
	if n.Kind != yaml.SequenceNode {
		what := "integers"
		if floats {
			what = "numbers"
		}
		d.fail(at, path, "must be a list of %s, got %s", what, describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	d.elements(n, path, inh, func(el *yaml.Node, elPath string, elAt origin) {
		if floats {
			if x, ok := d.number(el, elPath, elAt); ok {
				out = reflect.Append(out, reflect.ValueOf(x))
			}
		} else if x, ok := d.integer(el, elPath, elAt); ok {
			out = reflect.Append(out, reflect.ValueOf(int(x)))
		}
	})
	if out.Len() > 0 {
		v.Set(out)
	}
}

// elements calls fn for every element of sequence n with its key path
// (path[i]) and position, which it records.
func (d *decoder) elements(n *yaml.Node, path string, inh *origin, fn func(el *yaml.Node, elPath string, elAt origin)) {
	for i, el := range n.Content {
		elPath := fmt.Sprintf("%s[%d]", path, i)
		elAt := d.filePos(el)
		if inh != nil {
			elAt = *inh
		}
		d.pos[elPath] = elAt
		fn(deref(el), elPath, elAt)
	}
}

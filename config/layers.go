package config

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// LayerConfig is one layer of a network described in YAML (model.layers):
// a bare kind (relu, bn, gap, flatten, linear) or a one-key mapping from the
// kind to its settings. Input channels and features follow from the data
// and the layers before; batch norm takes its channels from its input. The
// network must end in the classes' logits; its last linear layer's out
// defaults to them. Validation places shape problems at their layer.
//
//	model:
//	  layers:
//	    - conv: {out: 16, kernel: 3, stride: 1, pad: 1, bias: false}  # stride 1, bias true by default
//	    - bn
//	    - relu
//	    - block:                 # relu(body(x) + shortcut(x)); no shortcut: the identity
//	        body:
//	          - conv: {out: 32, kernel: 3, stride: 2, pad: 1, bias: false}
//	          - bn
//	        shortcut:
//	          - conv: {out: 32, kernel: 1, stride: 2, bias: false}
//	    - maxpool: {kernel: 2}   # stride defaults to the kernel; pad 0
//	    - gap                    # global average pool; or flatten
//	    - linear: {out: 64}
//	    - relu
//	    - linear                 # out: the classes
//
// Channel pruning keeps the channels of a block's additions tied, as for
// the zoo's ResNets; a network with batch norm is searched with adaptive
// BN by default.
type LayerConfig struct {
	Kind     string
	Out      int
	Kernel   int
	Stride   int
	Pad      int
	Bias     bool // conv and linear; default true, as in PyTorch
	Body     []LayerConfig
	Shortcut []LayerConfig
}

// layerCheck checks model.layers against the data (shapes, residual
// branches, the logits) and returns the key path of the first problem; the
// pipeline registers it, as config builds no networks.
var layerCheck func(e *Experiment) (path, msg string)

// RegisterLayerCheck installs the check of model.layers against the data.
func RegisterLayerCheck(f func(e *Experiment) (path, msg string)) { layerCheck = f }

func hasLayer(ls []LayerConfig, kind string) bool {
	for _, l := range ls {
		if l.Kind == kind || hasLayer(l.Body, kind) || hasLayer(l.Shortcut, kind) {
			return true
		}
	}
	return false
}

// LayerKinds are the kinds model.layers accepts.
var LayerKinds = []string{"conv", "linear", "bn", "relu", "maxpool", "gap", "flatten", "block"}

// layerKeys are the settings of each kind.
var layerKeys = map[string][]string{
	"conv":    {"out", "kernel", "stride", "pad", "bias"},
	"linear":  {"out", "bias"},
	"maxpool": {"kernel", "stride", "pad"},
	"block":   {"body", "shortcut"},
}

// layers decodes a list of layers at path (model.layers or a block's body
// or shortcut).
func (d *decoder) layers(n *yaml.Node, path string, at origin, inh *origin) []LayerConfig {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.fail(at, path, "must be a list of layers, got %s", describe(n))
		return nil
	}
	var out []LayerConfig
	d.elements(n, path, inh, func(el *yaml.Node, p string, at origin) {
		if l, ok := d.layer(el, p, at, inh); ok {
			out = append(out, l)
		}
	})
	return out
}

func (d *decoder) layer(n *yaml.Node, path string, at origin, inh *origin) (LayerConfig, bool) {
	l := LayerConfig{Bias: true}
	var settings *yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode:
		l.Kind = n.Value
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Kind == yaml.ScalarNode:
		l.Kind, settings = n.Content[0].Value, deref(n.Content[1])
	default:
		d.fail(at, path, "must be a layer kind (%s) or a one-key mapping such as {conv: {out: 16, kernel: 3}}, got %s",
			strings.Join(LayerKinds, ", "), describe(n))
		return l, false
	}
	if !slices.Contains(LayerKinds, l.Kind) {
		d.fail(at, path, "unknown layer kind %q (want one of %s)", l.Kind, strings.Join(LayerKinds, ", "))
		return l, false
	}
	keys := layerKeys[l.Kind]
	if settings == nil || isNull(settings) {
		if _, needs := layerExample[l.Kind]; needs {
			d.fail(at, path, "%s needs settings, e.g. %s", l.Kind, layerExample[l.Kind])
			return l, false
		}
		l.normalise()
		return l, true
	}
	if settings.Kind != yaml.MappingNode {
		d.fail(at, path+"."+l.Kind, "must be a mapping of %s settings (%s), got %s", l.Kind, strings.Join(keys, ", "), describe(settings))
		return l, false
	}
	ok := true
	for _, pr := range pairs(settings, 0) {
		key := pr.key.Value
		kp := path + "." + l.Kind + "." + key
		kAt, kInh := d.originOf(pr.key, pr.val, inh)
		if !slices.Contains(keys, key) {
			if len(keys) == 0 {
				d.fail(kAt, kp, "%s takes no settings", l.Kind)
			} else {
				d.fail(kAt, kp, "unknown %s setting %q (want %s)", l.Kind, key, strings.Join(keys, ", "))
			}
			ok = false
			continue
		}
		d.pos[kp] = kAt
		v := deref(pr.val)
		switch key {
		case "body", "shortcut":
			ls := d.layers(v, kp, kAt, kInh)
			if key == "body" {
				l.Body = ls
			} else {
				l.Shortcut = ls
			}
		case "bias":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&l.Bias) != nil {
				d.fail(kAt, kp, "must be true or false, got %s", describe(v))
				ok = false
			}
		default:
			x, good := d.integer(v, kp, kAt)
			if good && (x < 0 || (x == 0 && key != "pad")) {
				min := 1
				if key == "pad" {
					min = 0
				}
				d.fail(kAt, kp, "must be at least %d, got %d", min, x)
				good = false
			}
			if !good {
				ok = false
				continue
			}
			*l.field(key) = int(x)
		}
	}
	for _, need := range map[string][]string{"conv": {"out", "kernel"}, "maxpool": {"kernel"}, "block": {"body"}}[l.Kind] {
		if _, set := d.pos[path+"."+l.Kind+"."+need]; !set && ok {
			d.fail(at, path+"."+l.Kind+"."+need, "required: %s needs %s, e.g. %s", l.Kind, need, layerExample[l.Kind])
			ok = false
		}
	}
	l.normalise()
	return l, ok
}

var layerExample = map[string]string{
	"conv":    "{conv: {out: 16, kernel: 3, pad: 1}}",
	"maxpool": "{maxpool: {kernel: 2}}",
	"block":   "{block: {body: [...], shortcut: [...]}}",
}

func (l *LayerConfig) field(key string) *int {
	switch key {
	case "out":
		return &l.Out
	case "kernel":
		return &l.Kernel
	case "stride":
		return &l.Stride
	}
	return &l.Pad
}

// normalise fills the defaults: stride 1 (maxpool: its kernel); bias only
// on conv and linear.
func (l *LayerConfig) normalise() {
	switch l.Kind {
	case "conv":
		if l.Stride == 0 {
			l.Stride = 1
		}
	case "maxpool":
		if l.Stride == 0 {
			l.Stride = l.Kernel
		}
	default:
		l.Stride = 0
	}
	if l.Kind != "conv" && l.Kind != "linear" {
		l.Bias = false
	}
}

// MarshalYAML writes a layer in the form the decoder reads.
func (l LayerConfig) MarshalYAML() (any, error) {
	var s yaml.Node
	s.Kind = yaml.MappingNode
	s.Style = yaml.FlowStyle
	add := func(k string, v any) {
		var kn, vn yaml.Node
		kn.SetString(k)
		if err := vn.Encode(v); err != nil {
			panic(err)
		}
		s.Content = append(s.Content, &kn, &vn)
	}
	switch l.Kind {
	case "conv":
		add("out", l.Out)
		add("kernel", l.Kernel)
		add("stride", l.Stride)
		add("pad", l.Pad)
		add("bias", l.Bias)
	case "linear":
		if l.Out > 0 {
			add("out", l.Out)
		}
		add("bias", l.Bias)
	case "maxpool":
		add("kernel", l.Kernel)
		add("stride", l.Stride)
		add("pad", l.Pad)
	case "block":
		s.Style = 0
		add("body", l.Body)
		add("shortcut", l.Shortcut)
	default:
		return l.Kind, nil
	}
	return map[string]*yaml.Node{l.Kind: &s}, nil
}

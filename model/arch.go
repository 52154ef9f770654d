// Package model holds the network architectures, their parameters, masks,
// rebuild into smaller dense networks, training, counting and checkpoints.
//
// A network is described by an Arch (serialised as arch.json) and its
// parameters. Arch is a sequence of layers; a "block" layer is a residual
// block (body + shortcut, added, then ReLU). One description serves every
// architecture, so masks, rebuild and counting need no special cases.
package model

import (
	"encoding/json"
	"fmt"
	"os"
)

// Layer kinds.
const (
	KLinear  = "linear"
	KConv    = "conv"
	KBN      = "bn"
	KReLU    = "relu"
	KMaxPool = "maxpool"
	KGAP     = "gap" // global average pool to [N, C]
	KFlatten = "flatten"
	KBlock   = "block"
	// KSelect keeps some features of a flat input (prune.inputs): Index
	// lists them in order; nil keeps all In. It has no parameters.
	KSelect = "select"
)

// Layer is one node of an Arch. Fields unused by a kind stay zero.
type Layer struct {
	Kind   string  `json:"kind"`
	In     int64   `json:"in,omitempty"`  // linear: in features; conv: in channels
	Out    int64   `json:"out,omitempty"` // linear: out features; conv, bn: channels
	Kernel int64   `json:"kernel,omitempty"`
	Stride int64   `json:"stride,omitempty"`
	Pad    int64   `json:"pad,omitempty"`
	Bias   bool    `json:"bias,omitempty"`
	Body   []Layer `json:"body,omitempty"`     // block
	Short  []Layer `json:"shortcut,omitempty"` // block; empty means identity
	Index  []int64 `json:"index,omitempty"`    // select: kept input features
}

// Arch describes a network: input shape (C, H, W), classes and layers.
type Arch struct {
	Name    string   `json:"name"`
	Input   [3]int64 `json:"input"`
	Classes int64    `json:"classes"`
	Layers  []Layer  `json:"layers"`
	// Dense is the number of prunable weights of the dense network this one
	// was derived from, so sparsity can be reported after a rebuild.
	Dense int64 `json:"dense_prunable,omitempty"`
}

// JSON is the arch as indented JSON (arch.json).
func (a Arch) JSON() ([]byte, error) { return json.MarshalIndent(a, "", "  ") }

// LoadArch reads an arch.json file.
func LoadArch(path string) (Arch, error) {
	var a Arch
	b, err := os.ReadFile(path)
	if err != nil {
		return a, fmt.Errorf("load arch: %w", err)
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("load arch %s: %w", path, err)
	}
	if err := checkKinds(a.Layers, ""); err != nil {
		return a, fmt.Errorf("load arch %s: %w", path, err)
	}
	return a, nil
}

// checkKinds rejects layer kinds the forward pass does not know, and select
// layers whose index the forward pass could not apply.
func checkKinds(ls []Layer, prefix string) error {
	for i, l := range ls {
		switch l.Kind {
		case KLinear, KConv, KBN, KReLU, KMaxPool, KGAP, KFlatten:
		case KSelect:
			if err := checkSelect(l); err != nil {
				return fmt.Errorf("layer %s%d: %w", prefix, i, err)
			}
		case KBlock:
			if err := checkKinds(l.Body, fmt.Sprintf("%s%d.body.", prefix, i)); err != nil {
				return err
			}
			if err := checkKinds(l.Short, fmt.Sprintf("%s%d.shortcut.", prefix, i)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("layer %s%d: unknown kind %q", prefix, i, l.Kind)
		}
	}
	return nil
}

func checkSelect(l Layer) error {
	if l.Index == nil && l.Out != l.In || l.Index != nil && int64(len(l.Index)) != l.Out {
		return fmt.Errorf("select keeps %d of %d features with an index of %d", l.Out, l.In, len(l.Index))
	}
	for _, k := range l.Index {
		if k < 0 || k >= l.In {
			return fmt.Errorf("select index %d outside [0, %d)", k, l.In)
		}
	}
	return nil
}

// Widths lists the input size followed by every linear/conv layer's output
// width, in forward order: [784, 300, 100, 10] for LeNet-300-100.
func (a Arch) Widths() []int64 {
	w := []int64{a.Input[0] * a.Input[1] * a.Input[2]}
	if len(a.Layers) > 0 && a.Layers[0].Kind == KConv {
		w[0] = a.Input[0]
	}
	var walk func(ls []Layer)
	walk = func(ls []Layer) {
		for _, l := range ls {
			switch l.Kind {
			case KSelect:
				w[0] = l.Out // the input features it keeps
			case KLinear, KConv:
				w = append(w, l.Out)
			case KBlock:
				walk(l.Body)
			}
		}
	}
	walk(a.Layers)
	return w
}

// clone deep-copies layers so a rebuild can change widths freely.
func cloneLayers(ls []Layer) []Layer {
	out := make([]Layer, len(ls))
	for i, l := range ls {
		out[i] = l
		out[i].Index = append([]int64(nil), l.Index...)
		if l.Index == nil {
			out[i].Index = nil
		}
		out[i].Body = cloneLayers(l.Body)
		out[i].Short = cloneLayers(l.Short)
		if len(l.Short) == 0 {
			out[i].Short = nil
		}
		if len(l.Body) == 0 {
			out[i].Body = nil
		}
	}
	return out
}

// Clone deep-copies the arch.
func (a Arch) Clone() Arch {
	a.Layers = cloneLayers(a.Layers)
	return a
}

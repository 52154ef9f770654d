package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// HostParam is one named parameter or buffer on the host: row-major float32,
// the unit of exchange with other formats (PyTorch, safetensors, ONNX).
type HostParam struct {
	Name  string
	Shape []int64
	Data  []float32
}

// HostParams copies every parameter and buffer to the host, in forward order.
func (n *Net) HostParams() []HostParam {
	out := make([]HostParam, 0, len(n.names))
	for _, k := range n.names {
		out = append(out, HostParam{Name: k, Shape: n.T[k].MustSize(), Data: Host(n.T[k])})
	}
	return out
}

// ParamShapes lists the names and shapes of a's parameters and buffers in
// forward order, without allocating the network.
func ParamShapes(a Arch) []HostParam {
	var out []HostParam
	Walk(a, func(path string, l Layer, _, _ Shape) {
		switch l.Kind {
		case KLinear, KConv:
			out = append(out, HostParam{Name: path + ".weight", Shape: weightShape(l)})
			if l.Bias {
				out = append(out, HostParam{Name: path + ".bias", Shape: []int64{l.Out}})
			}
		case KBN:
			for _, s := range []string{".weight", ".bias", ".running_mean", ".running_var"} {
				out = append(out, HostParam{Name: path + s, Shape: []int64{l.Out}})
			}
		}
	})
	return out
}

// FromHostParams builds a network of arch a from host tensors that must
// match its parameters exactly; the error lists the first mismatches
// (missing, unexpected and mis-shaped tensors).
func FromHostParams(a Arch, ps []HostParam, dev gotch.Device) (*Net, error) {
	if err := CheckParams(a, ps); err != nil {
		return nil, err
	}
	have := map[string]HostParam{}
	for _, p := range ps {
		have[p.Name] = p
	}
	n := &Net{Arch: a, Device: dev, T: map[string]*ts.Tensor{}, buffer: map[string]bool{}}
	for _, w := range ParamShapes(a) {
		p := have[w.Name]
		n.add(w.Name, hostTensor{p.Data, p.Shape}, isBufferName(w.Name))
	}
	return n, nil
}

func isBufferName(k string) bool {
	return strings.HasSuffix(k, ".running_mean") || strings.HasSuffix(k, ".running_var")
}

// maxMismatches is how many problems a mismatch error lists.
const maxMismatches = 5

// CheckParams compares host tensors with a's parameters.
func CheckParams(a Arch, ps []HostParam) error {
	want := ParamShapes(a)
	wantShape := map[string][]int64{}
	for _, w := range want {
		wantShape[w.Name] = w.Shape
	}
	have := map[string]bool{}
	var problems []string
	for _, p := range ps {
		have[p.Name] = true
		s, ok := wantShape[p.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected %q %v", p.Name, p.Shape))
		case !slices.Equal(s, p.Shape):
			problems = append(problems, fmt.Sprintf("%q has shape %v, %s wants %v", p.Name, p.Shape, a.Name, s))
		case int64(len(p.Data)) != Numel(p.Shape):
			problems = append(problems, fmt.Sprintf("%q holds %d values for shape %v", p.Name, len(p.Data), p.Shape))
		}
	}
	for _, w := range want {
		if !have[w.Name] {
			problems = append(problems, fmt.Sprintf("missing %q %v", w.Name, w.Shape))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	more := ""
	if len(problems) > maxMismatches {
		more = fmt.Sprintf("; and %d more", len(problems)-maxMismatches)
		problems = problems[:maxMismatches]
	}
	return fmt.Errorf("tensors do not match %s: %s%s", a.Name, strings.Join(problems, "; "), more)
}

package interop

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/evoprune/evoprune/model"
)

// ONNX writes a network as an ONNX model (IR version 7, opset 13): input
// "input" [N, C, H, W], output "logits" [N, classes], parameters as float32
// initialisers named as evoprune names them. Batch norm is exported as
// BatchNormalization with the running statistics (inference mode).
func ONNX(a model.Arch, ps []model.HostParam, in Input) ([]byte, error) {
	byName := map[string]model.HostParam{}
	for _, p := range ps {
		byName[p.Name] = p
	}
	if err := model.CheckParams(a, ps); err != nil {
		return nil, err
	}
	g := &graph{}
	out := g.layers(a.Layers, "", "input")
	g.node("Identity", []string{out}, "logits", nil)
	var graphB pb
	for _, n := range g.nodes {
		graphB.msg(1, n)
	}
	graphB.str(2, a.Name)
	for _, w := range model.ParamShapes(a) {
		p := byName[w.Name]
		var t pb
		for _, d := range p.Shape {
			t.varint(1, uint64(d))
		}
		t.varint(2, 1) // FLOAT
		t.str(8, p.Name)
		t.bytes(9, appendFloats(nil, p.Data))
		graphB.msg(5, t.b)
	}
	for _, t := range g.inits {
		graphB.msg(5, t)
	}
	graphB.str(10, "input: "+in.describe(a))
	graphB.msg(11, valueInfo("input", []any{"N", a.Input[0], a.Input[1], a.Input[2]}))
	graphB.msg(12, valueInfo("logits", []any{"N", a.Classes}))
	var m pb
	m.varint(1, 7) // IR version 7 (opset 13)
	m.str(2, "evoprune")
	m.msg(7, graphB.b)
	var opset pb
	opset.str(1, "")
	opset.varint(2, 13)
	m.msg(8, opset.b)
	return m.b, nil
}

// graph collects nodes; every node's output is a fresh value name.
type graph struct {
	nodes [][]byte
	n     int
	inits [][]byte // initialisers that are not parameters (a select layer's index)
}

// int64s adds an INT64 initialiser.
func (g *graph) int64s(name string, v []int64) {
	var t pb
	t.varint(1, uint64(len(v)))
	t.varint(2, 7) // INT64
	t.str(8, name)
	raw := make([]byte, 0, 8*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(x))
	}
	t.bytes(9, raw)
	g.inits = append(g.inits, t.b)
}

type attr struct {
	name string
	ints []int64
	i    *int64
	f    *float32
}

func (g *graph) node(op string, inputs []string, output string, attrs []attr) string {
	if output == "" {
		g.n++
		output = fmt.Sprintf("v%d", g.n)
	}
	var n pb
	for _, x := range inputs {
		n.str(1, x)
	}
	n.str(2, output)
	n.str(3, fmt.Sprintf("%s_%d", op, len(g.nodes)))
	n.str(4, op)
	for _, a := range attrs {
		var ab pb
		ab.str(1, a.name)
		switch {
		case a.f != nil:
			ab.fixed32(2, math.Float32bits(*a.f))
			ab.varint(20, 1) // FLOAT
		case a.i != nil:
			ab.varint(3, uint64(*a.i))
			ab.varint(20, 2) // INT
		default:
			for _, v := range a.ints {
				ab.varint(8, uint64(v))
			}
			ab.varint(20, 7) // INTS
		}
		n.msg(5, ab.b)
	}
	g.nodes = append(g.nodes, n.b)
	return output
}

func (g *graph) layers(ls []model.Layer, prefix, x string) string {
	one := int64(1)
	for i, l := range ls {
		p := fmt.Sprintf("%s%d", prefix, i)
		switch l.Kind {
		case model.KLinear:
			in := []string{x, p + ".weight"}
			if l.Bias {
				in = append(in, p+".bias")
			}
			x = g.node("Gemm", in, "", []attr{{name: "transB", i: &one}})
		case model.KConv:
			in := []string{x, p + ".weight"}
			if l.Bias {
				in = append(in, p+".bias")
			}
			x = g.node("Conv", in, "", []attr{
				{name: "kernel_shape", ints: []int64{l.Kernel, l.Kernel}},
				{name: "strides", ints: []int64{l.Stride, l.Stride}},
				{name: "pads", ints: []int64{l.Pad, l.Pad, l.Pad, l.Pad}}})
		case model.KBN:
			eps := float32(model.BNEps)
			x = g.node("BatchNormalization", []string{x, p + ".weight", p + ".bias", p + ".running_mean", p + ".running_var"}, "",
				[]attr{{name: "epsilon", f: &eps}})
		case model.KReLU:
			x = g.node("Relu", []string{x}, "", nil)
		case model.KMaxPool:
			x = g.node("MaxPool", []string{x}, "", []attr{
				{name: "kernel_shape", ints: []int64{l.Kernel, l.Kernel}},
				{name: "strides", ints: []int64{l.Stride, l.Stride}},
				{name: "pads", ints: []int64{l.Pad, l.Pad, l.Pad, l.Pad}}})
		case model.KGAP:
			x = g.node("GlobalAveragePool", []string{x}, "", nil)
			x = g.node("Flatten", []string{x}, "", []attr{{name: "axis", i: &one}})
		case model.KFlatten:
			x = g.node("Flatten", []string{x}, "", []attr{{name: "axis", i: &one}})
		case model.KSelect:
			if l.Index != nil {
				g.int64s(p+".index", l.Index)
				x = g.node("Gather", []string{x, p + ".index"}, "", []attr{{name: "axis", i: &one}})
			}
		case model.KBlock:
			body := g.layers(l.Body, p+".body.", x)
			short := x
			if len(l.Short) > 0 {
				short = g.layers(l.Short, p+".shortcut.", x)
			}
			x = g.node("Relu", []string{g.node("Add", []string{body, short}, "", nil)}, "", nil)
		}
	}
	return x
}

// valueInfo is a float tensor's ValueInfoProto; dims are int64 sizes or
// string names.
func valueInfo(name string, dims []any) []byte {
	var shape pb
	for _, d := range dims {
		var dim pb
		switch v := d.(type) {
		case int64:
			dim.varint(1, uint64(v))
		case string:
			dim.str(2, v)
		}
		shape.msg(1, dim.b)
	}
	var tensor pb
	tensor.varint(1, 1) // FLOAT
	tensor.msg(2, shape.b)
	var typ pb
	typ.msg(1, tensor.b)
	var vi pb
	vi.str(1, name)
	vi.msg(2, typ.b)
	return vi.b
}

// pb appends protocol-buffer fields.
type pb struct{ b []byte }

func (p *pb) tag(field, wire int) { p.b = binary.AppendUvarint(p.b, uint64(field<<3|wire)) }

func (p *pb) varint(field int, v uint64) {
	p.tag(field, 0)
	p.b = binary.AppendUvarint(p.b, v)
}

func (p *pb) fixed32(field int, v uint32) {
	p.tag(field, 5)
	p.b = binary.LittleEndian.AppendUint32(p.b, v)
}

func (p *pb) bytes(field int, v []byte) {
	p.tag(field, 2)
	p.b = binary.AppendUvarint(p.b, uint64(len(v)))
	p.b = append(p.b, v...)
}

func (p *pb) str(field int, s string) { p.bytes(field, []byte(s)) }

func (p *pb) msg(field int, m []byte) { p.bytes(field, m) }

package model

import (
	"fmt"
	"strings"
)

// Shape is a per-sample activation shape (C, H, W); a flat vector is (F, 1, 1).
type Shape [3]int64

func (s Shape) Numel() int64 { return s[0] * s[1] * s[2] }

// visit is called for every layer in forward order with its path and the
// per-sample shapes going in and out.
type visit func(path string, l Layer, in, out Shape)

// Walk visits every layer of a, blocks' bodies and shortcuts included.
func Walk(a Arch, fn visit) Shape {
	return walkLayers(a.Layers, "", Shape(a.Input), fn)
}

func walkLayers(ls []Layer, prefix string, s Shape, fn visit) Shape {
	for i, l := range ls {
		path := fmt.Sprintf("%s%d", prefix, i)
		var out Shape
		switch l.Kind {
		case KBlock:
			out = walkLayers(l.Body, path+".body.", s, fn)
			walkLayers(l.Short, path+".shortcut.", s, fn)
		default:
			out = outShape(l, s)
		}
		if fn != nil {
			fn(path, l, s, out)
		}
		s = out
	}
	return s
}

func outShape(l Layer, s Shape) Shape {
	switch l.Kind {
	case KLinear:
		return Shape{l.Out, 1, 1}
	case KConv:
		return Shape{l.Out, (s[1]+2*l.Pad-l.Kernel)/l.Stride + 1, (s[2]+2*l.Pad-l.Kernel)/l.Stride + 1}
	case KMaxPool:
		return Shape{s[0], (s[1]+2*l.Pad-l.Kernel)/l.Stride + 1, (s[2]+2*l.Pad-l.Kernel)/l.Stride + 1}
	case KGAP:
		return Shape{s[0], 1, 1}
	case KFlatten:
		return Shape{s.Numel(), 1, 1}
	case KSelect:
		return Shape{l.Out, 1, 1}
	}
	return s
}

// weightShape is the shape of a linear or conv layer's weight (PyTorch layout).
func weightShape(l Layer) []int64 {
	if l.Kind == KConv {
		return []int64{l.Out, l.In, l.Kernel, l.Kernel}
	}
	return []int64{l.Out, l.In}
}

// Numel is the number of elements of a tensor of this shape.
func Numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// Params counts the parameters stored in a network of this arch: weights,
// biases and batch-norm scale and shift (running statistics are buffers).
func Params(a Arch) int64 {
	var n int64
	Walk(a, func(_ string, l Layer, _, _ Shape) {
		switch l.Kind {
		case KLinear, KConv:
			n += Numel(weightShape(l))
			if l.Bias {
				n += l.Out
			}
		case KBN:
			n += 2 * l.Out
		}
	})
	return n
}

// PrunableWeights counts the weights of linear and conv layers.
func PrunableWeights(a Arch) int64 {
	var n int64
	Walk(a, func(_ string, l Layer, _, _ Shape) {
		if l.Kind == KLinear || l.Kind == KConv {
			n += Numel(weightShape(l))
		}
	})
	return n
}

// FLOPs counts 2 x multiply-accumulates of linear and conv layers for one
// sample: the work the physical network does.
func FLOPs(a Arch) int64 {
	var n int64
	Walk(a, func(_ string, l Layer, _, out Shape) {
		switch l.Kind {
		case KLinear:
			n += 2 * l.In * l.Out
		case KConv:
			n += 2 * l.In * l.Kernel * l.Kernel * out.Numel()
		}
	})
	return n
}

// FLOPsBefore counts the FLOPs of the top-level layers before the layer at
// path (a top-level index); 0 for a path inside a block.
func FLOPsBefore(a Arch, path string) int64 {
	var k int
	if _, err := fmt.Sscanf(path, "%d", &k); err != nil || strings.Contains(path, ".") {
		return 0
	}
	b := a
	b.Layers = a.Layers[:k]
	return FLOPs(b)
}

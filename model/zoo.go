package model

import (
	"fmt"
	"sort"
)

// Spec selects an architecture by name.
type Spec struct {
	Arch    string  // registered name
	Widths  []int64 // mlp hidden widths
	Input   [3]int64
	Classes int64
}

type builder func(s Spec) (Arch, error)

var zoo = map[string]builder{
	"lenet300-100": func(s Spec) (Arch, error) { return mlp("lenet300-100", s, []int64{300, 100}), nil },
	"mlp": func(s Spec) (Arch, error) {
		if len(s.Widths) == 0 {
			return Arch{}, fmt.Errorf("mlp needs model.widths")
		}
		return mlp("mlp", s, s.Widths), nil
	},
	"lenet5":         lenet5,
	"resnet20":       cifarResNet(20),
	"resnet32":       cifarResNet(32),
	"resnet44":       cifarResNet(44),
	"resnet56":       cifarResNet(56),
	"resnet110":      cifarResNet(110),
	"resnet18":       resnet18,
	"resnet18-cifar": resnet18CIFAR,
	"vgg16-bn":       vgg16BN,
}

// Names lists the registered architectures.
func Names() []string {
	var n []string
	for k := range zoo {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Convolutional reports whether an architecture has conv layers (channel granularity applies).
func Convolutional(arch string) bool {
	a, err := Build(Spec{Arch: arch, Input: [3]int64{3, 32, 32}, Classes: 10})
	if err != nil {
		return false
	}
	for _, l := range a.Layers {
		if l.Kind == KConv || l.Kind == KBlock {
			return true
		}
	}
	return false
}

// Build returns the architecture s names.
func Build(s Spec) (Arch, error) {
	b, ok := zoo[s.Arch]
	if !ok {
		return Arch{}, fmt.Errorf("unknown model %q (known: %v)", s.Arch, Names())
	}
	a, err := b(s)
	if err != nil {
		return a, err
	}
	a.Dense = PrunableWeights(a)
	return a, nil
}

func mlp(name string, s Spec, hidden []int64) Arch {
	in := s.Input[0] * s.Input[1] * s.Input[2]
	ls := []Layer{{Kind: KFlatten}}
	for _, w := range hidden {
		ls = append(ls, Layer{Kind: KLinear, In: in, Out: w, Bias: true}, Layer{Kind: KReLU})
		in = w
	}
	ls = append(ls, Layer{Kind: KLinear, In: in, Out: s.Classes, Bias: true})
	return Arch{Name: name, Input: s.Input, Classes: s.Classes, Layers: ls}
}

// lenet5 is Caffe's LeNet (conv 20@5x5, pool, conv 50@5x5, pool, fc 500, fc 10)
// with ReLU after each conv, as PyTorch ports use.
func lenet5(s Spec) (Arch, error) {
	c, h, w := s.Input[0], s.Input[1], s.Input[2]
	oh, ow := ((h-4)/2-4)/2, ((w-4)/2-4)/2
	if oh < 1 || ow < 1 {
		return Arch{}, fmt.Errorf("lenet5 needs inputs of at least 16x16, got %dx%d", h, w)
	}
	return Arch{Name: "lenet5", Input: s.Input, Classes: s.Classes, Layers: []Layer{
		{Kind: KConv, In: c, Out: 20, Kernel: 5, Stride: 1, Bias: true}, {Kind: KReLU},
		{Kind: KMaxPool, Kernel: 2, Stride: 2},
		{Kind: KConv, In: 20, Out: 50, Kernel: 5, Stride: 1, Bias: true}, {Kind: KReLU},
		{Kind: KMaxPool, Kernel: 2, Stride: 2},
		{Kind: KFlatten},
		{Kind: KLinear, In: 50 * oh * ow, Out: 500, Bias: true}, {Kind: KReLU},
		{Kind: KLinear, In: 500, Out: s.Classes, Bias: true},
	}}, nil
}

func conv(in, out, k, stride, pad int64) Layer {
	return Layer{Kind: KConv, In: in, Out: out, Kernel: k, Stride: stride, Pad: pad}
}

func bn(c int64) Layer { return Layer{Kind: KBN, Out: c} }

// basicBlock is ResNet's two-conv block; a projection shortcut (1x1 conv + BN)
// where the shape changes.
func basicBlock(in, out, stride int64) Layer {
	b := Layer{Kind: KBlock, Body: []Layer{
		conv(in, out, 3, stride, 1), bn(out), {Kind: KReLU},
		conv(out, out, 3, 1, 1), bn(out),
	}}
	if stride != 1 || in != out {
		b.Short = []Layer{conv(in, out, 1, stride, 0), bn(out)}
	}
	return b
}

func stages(ls []Layer, in int64, widths []int64, blocks int) ([]Layer, int64) {
	for i, w := range widths {
		for j := 0; j < blocks; j++ {
			stride := int64(1)
			if i > 0 && j == 0 {
				stride = 2
			}
			ls = append(ls, basicBlock(in, w, stride))
			in = w
		}
	}
	return ls, in
}

// cifarResNet is He et al.'s CIFAR ResNet of a depth 6n+2 (3 stages of n
// blocks, 16/32/64 channels: ResNet-20, 32, 44, 56, 110) with projection
// shortcuts where the shape changes (the paper's option B; option A's
// zero-padding shortcut has no weights to prune).
func cifarResNet(depth int) builder {
	return func(s Spec) (Arch, error) {
		ls := []Layer{conv(s.Input[0], 16, 3, 1, 1), bn(16), {Kind: KReLU}}
		ls, in := stages(ls, 16, []int64{16, 32, 64}, (depth-2)/6)
		ls = append(ls, Layer{Kind: KGAP}, Layer{Kind: KLinear, In: in, Out: s.Classes, Bias: true})
		return Arch{Name: fmt.Sprintf("resnet%d", depth), Input: s.Input, Classes: s.Classes, Layers: ls}, nil
	}
}

// resnet18 follows torchvision's layout (7x7 stem, max-pool, 4 stages of 2 blocks).
func resnet18(s Spec) (Arch, error) {
	if s.Input[1] < 32 || s.Input[2] < 32 {
		return Arch{}, fmt.Errorf("resnet18 needs inputs of at least 32x32, got %dx%d", s.Input[1], s.Input[2])
	}
	ls := []Layer{conv(s.Input[0], 64, 7, 2, 3), bn(64), {Kind: KReLU}, {Kind: KMaxPool, Kernel: 3, Stride: 2, Pad: 1}}
	ls, in := stages(ls, 64, []int64{64, 128, 256, 512}, 2)
	ls = append(ls, Layer{Kind: KGAP}, Layer{Kind: KLinear, In: in, Out: s.Classes, Bias: true})
	return Arch{Name: "resnet18", Input: s.Input, Classes: s.Classes, Layers: ls}, nil
}

// resnet18CIFAR is ResNet-18 in its CIFAR form (3x3 stem of stride 1, no
// max-pool), as in the pruning literature's CIFAR tables.
func resnet18CIFAR(s Spec) (Arch, error) {
	ls := []Layer{conv(s.Input[0], 64, 3, 1, 1), bn(64), {Kind: KReLU}}
	ls, in := stages(ls, 64, []int64{64, 128, 256, 512}, 2)
	ls = append(ls, Layer{Kind: KGAP}, Layer{Kind: KLinear, In: in, Out: s.Classes, Bias: true})
	return Arch{Name: "resnet18-cifar", Input: s.Input, Classes: s.Classes, Layers: ls}, nil
}

// vgg16BN is VGG-16 with batch norm in its CIFAR form: 13 conv-BN-ReLU
// layers in 5 stages, each ending in a 2x2 max-pool, then 512 → 512 → classes
// (the form of the HRank / ABCPruner tables, 15.0 M parameters at 32x32).
func vgg16BN(s Spec) (Arch, error) {
	if s.Input[1] < 32 || s.Input[2] < 32 {
		return Arch{}, fmt.Errorf("vgg16-bn needs inputs of at least 32x32, got %dx%d", s.Input[1], s.Input[2])
	}
	var ls []Layer
	in, h, w := s.Input[0], s.Input[1], s.Input[2]
	for _, stage := range [][]int64{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}} {
		for _, out := range stage {
			ls = append(ls, conv(in, out, 3, 1, 1), bn(out), Layer{Kind: KReLU})
			in = out
		}
		ls = append(ls, Layer{Kind: KMaxPool, Kernel: 2, Stride: 2})
		h, w = h/2, w/2
	}
	ls = append(ls, Layer{Kind: KFlatten},
		Layer{Kind: KLinear, In: in * h * w, Out: 512, Bias: true}, Layer{Kind: KReLU},
		Layer{Kind: KLinear, In: 512, Out: s.Classes, Bias: true})
	return Arch{Name: "vgg16-bn", Input: s.Input, Classes: s.Classes, Layers: ls}, nil
}

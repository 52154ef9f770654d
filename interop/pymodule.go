package interop

import (
	"fmt"
	"strings"

	"github.com/evoprune/evoprune/model"
)

// Input describes what a network expects: pixels scaled to [0, 1], padded
// with Pad black pixels, then normalised per channel as (x - Mean) / Std.
type Input struct {
	Dataset   string
	Mean, Std []float64 // empty: the data is used as it is (synthetic)
	Pad       int
}

func (in Input) describe(a model.Arch) string {
	s := fmt.Sprintf("float32 [N, %s] from %s", inputShape(a), in.Dataset)
	if len(in.Mean) == 0 {
		return s + " (synthetic: the samples are used as generated)"
	}
	s += fmt.Sprintf(": pixels scaled to [0, 1], normalised per channel as (x - mean) / std with mean = %v, std = %v", in.Mean, in.Std)
	if in.Pad > 0 {
		s += fmt.Sprintf("; padded with %d black pixels on every side (0 before normalising, -mean/std after)", in.Pad)
	}
	return s
}

func inputShape(a model.Arch) string {
	return fmt.Sprintf("%d, %d, %d", a.Input[0], a.Input[1], a.Input[2])
}

// PyModule is the source of model.py: build() returns a torch.nn.Module of
// arch a whose state_dict keys are evoprune's parameter names.
func PyModule(a model.Arch, in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, `"""%s exported by evoprune: the network at its rebuilt (pruned) widths.

    import torch, model
    m = model.build()
    m.load_state_dict(torch.load("model.pt"))
    m.eval()
    logits = m(x)

Input x: %s.
Output: [N, %d] logits.
"""
import torch
from torch import nn


class Block(nn.Module):
    """Residual block: relu(body(x) + shortcut(x)); an empty shortcut is the identity."""

    def __init__(self, body, shortcut):
        super().__init__()
        self.body = nn.Sequential(*body)
        self.shortcut = nn.Sequential(*shortcut)

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class GlobalAvgPool(nn.Module):
    """Mean over the spatial dimensions: [N, C, H, W] -> [N, C]."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


class Select(nn.Module):
    """The input features a pruned network kept: x[:, index]."""

    def __init__(self, index):
        super().__init__()
        self.register_buffer("index", torch.tensor(index, dtype=torch.long), persistent=False)

    def forward(self, x):
        return x.index_select(1, self.index)


INPUT_SHAPE = (%s)


def build():
    return nn.Sequential(
`, a.Name, in.describe(a), a.Classes, inputShape(a))
	pyLayers(&b, a.Layers, "        ", false)
	b.WriteString("    )\n")
	return b.String()
}

// pyLayers writes one constructor per layer; flat tells whether the input
// is a vector (batch norm is then BatchNorm1d).
func pyLayers(b *strings.Builder, ls []model.Layer, indent string, flat bool) bool {
	for _, l := range ls {
		b.WriteString(indent)
		switch l.Kind {
		case model.KLinear:
			fmt.Fprintf(b, "nn.Linear(%d, %d, bias=%s),\n", l.In, l.Out, pyBool(l.Bias))
			flat = true
		case model.KConv:
			fmt.Fprintf(b, "nn.Conv2d(%d, %d, %d, stride=%d, padding=%d, bias=%s),\n", l.In, l.Out, l.Kernel, l.Stride, l.Pad, pyBool(l.Bias))
			flat = false
		case model.KBN:
			d := "2d"
			if flat {
				d = "1d"
			}
			fmt.Fprintf(b, "nn.BatchNorm%s(%d, eps=%g),\n", d, l.Out, model.BNEps)
		case model.KReLU:
			b.WriteString("nn.ReLU(),\n")
		case model.KMaxPool:
			fmt.Fprintf(b, "nn.MaxPool2d(%d, stride=%d, padding=%d),\n", l.Kernel, l.Stride, l.Pad)
		case model.KGAP:
			b.WriteString("GlobalAvgPool(),\n")
			flat = true
		case model.KFlatten:
			b.WriteString("nn.Flatten(),\n")
			flat = true
		case model.KSelect:
			if l.Index == nil {
				b.WriteString("nn.Identity(),\n")
			} else {
				fmt.Fprintf(b, "Select(%s),\n", pyInts(l.Index))
			}
		case model.KBlock:
			b.WriteString("Block([\n")
			out := pyLayers(b, l.Body, indent+"    ", flat)
			b.WriteString(indent + "], [\n")
			pyLayers(b, l.Short, indent+"    ", flat)
			b.WriteString(indent + "]),\n")
			flat = out
		}
	}
	return flat
}

func pyInts(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

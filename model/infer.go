package model

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// DefaultEvalBatch is the samples per forward pass outside training on dev.
// On the CPU libtorch's convolutions run ~20x slower at batch 5,000 than at
// 64–128 (activations fall out of cache); a GPU wants larger batches.
func DefaultEvalBatch(dev gotch.Device) int {
	if dev == gotch.CPU {
		return 128
	}
	return 1024
}

// EvalBatchSize is n's samples per inference pass: EvalBatch, or the
// device's default.
func (n *Net) EvalBatchSize() int {
	if n.EvalBatch > 0 {
		return n.EvalBatch
	}
	return DefaultEvalBatch(n.Device)
}

// InferRange runs top-level layers [from, to) on x in eval mode without
// gradients, EvalBatchSize() samples at a time, and calls fn with each
// chunk's output and its first row; the output is dropped after fn. Every
// forward pass that is not a training step goes through here.
func (n *Net) InferRange(from, to int, x *ts.Tensor, fn func(out *ts.Tensor, start int)) {
	rows := int(x.MustSize()[0])
	chunk := n.EvalBatchSize()
	NoGrad(func() {
		for s := 0; s < rows; s += chunk {
			c := x.MustNarrow(0, int64(s), int64(min(chunk, rows-s)), false)
			out := n.ForwardRange(from, to, c, false)
			c.MustDrop()
			fn(out, s)
			out.MustDrop()
		}
	})
}

// Infer runs layers [from, to) on x (as InferRange) and returns the whole
// output; the caller drops it.
func (n *Net) Infer(from, to int, x *ts.Tensor) *ts.Tensor {
	var parts []*ts.Tensor
	n.InferRange(from, to, x, func(out *ts.Tensor, _ int) { parts = append(parts, out.MustShallowClone()) })
	if len(parts) == 1 {
		return parts[0]
	}
	var all *ts.Tensor
	NoGrad(func() { all = ts.MustCat(parts, 0) })
	for _, p := range parts {
		p.MustDrop()
	}
	return all
}

// Logits runs the whole network on x (as Infer).
func (n *Net) Logits(x *ts.Tensor) *ts.Tensor { return n.Infer(0, len(n.Arch.Layers), x) }

package model

import (
	"strconv"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

var noBias = ts.NewTensor()

// Forward runs the network on a batch x ([N, C, H, W]); train selects
// batch-norm's training mode. The caller drops the result; x is not dropped.
func (n *Net) Forward(x *ts.Tensor, train bool) *ts.Tensor {
	return n.forward(n.Arch.Layers, "", 0, x, train)
}

// ForwardRange runs top-level layers [from, to) on x, an activation of the
// shape layer `from` expects. Fitness evaluation uses it to share a prefix.
func (n *Net) ForwardRange(from, to int, x *ts.Tensor, train bool) *ts.Tensor {
	return n.forward(n.Arch.Layers[from:to], "", from, x, train)
}

// forward runs layers on x. Intermediate tensors are dropped as soon as the
// next one exists; autograd keeps what backward needs on the C++ side.
func (n *Net) forward(ls []Layer, prefix string, first int, x *ts.Tensor, train bool) *ts.Tensor {
	cur := x
	for i, l := range ls {
		path := prefix + itoa(first+i)
		next := n.layer(path, l, cur, train)
		if m, ok := n.unitMasks[path]; ok {
			next = next.MustMul(m, true)
		}
		if f, ok := n.taps[path]; ok {
			next = f(next)
		}
		if cur != x {
			cur.MustDrop()
		}
		cur = next
	}
	if cur == x {
		// Keep the contract that the result is the caller's to drop.
		return x.MustShallowClone()
	}
	return cur
}

func (n *Net) layer(path string, l Layer, x *ts.Tensor, train bool) *ts.Tensor {
	switch l.Kind {
	case KLinear:
		w := n.T[path+".weight"].MustT(false)
		defer w.MustDrop()
		if b, ok := n.T[path+".bias"]; ok {
			return b.MustAddmm(x, w, false)
		}
		return x.MustMm(w, false)
	case KConv:
		b, ok := n.T[path+".bias"]
		if !ok {
			b = noBias
		}
		s, p := []int64{l.Stride, l.Stride}, []int64{l.Pad, l.Pad}
		return ts.MustConv2d(x, n.T[path+".weight"], b, s, p, []int64{1, 1}, 1)
	case KBN:
		m := 0.1
		if n.bnMomentum > 0 {
			m = n.bnMomentum
		}
		return ts.MustBatchNorm(x, n.T[path+".weight"], n.T[path+".bias"],
			n.T[path+".running_mean"], n.T[path+".running_var"], train, m, BNEps, false)
	case KReLU:
		return x.MustRelu(false)
	case KMaxPool:
		k, s, p := []int64{l.Kernel, l.Kernel}, []int64{l.Stride, l.Stride}, []int64{l.Pad, l.Pad}
		return x.MustMaxPool2d(k, s, p, []int64{1, 1}, false, false)
	case KGAP:
		return x.MustMeanDim([]int64{2, 3}, false, gotch.Float, false)
	case KFlatten:
		return x.MustFlatten(1, -1, false)
	case KSelect:
		if l.Index == nil {
			return x.MustShallowClone()
		}
		idx := ts.MustOfSlice(l.Index)
		if n.Device != gotch.CPU {
			idx = idx.MustTo(n.Device, true)
		}
		defer idx.MustDrop()
		return x.MustIndexSelect(1, idx, false)
	case KBlock:
		body := n.forward(l.Body, path+".body.", 0, x, train)
		var sum *ts.Tensor
		if len(l.Short) > 0 {
			sc := n.forward(l.Short, path+".shortcut.", 0, x, train)
			sum = body.MustAdd(sc, true)
			sc.MustDrop()
		} else {
			sum = body.MustAdd(x, true)
		}
		return sum.MustRelu(true)
	}
	panic("model: unknown layer kind " + l.Kind)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// SetTaps installs functions that see the output of the layers at the given
// paths (after unit masks) during Forward; each returns what the network
// goes on with (the output itself, or a replacement, dropping the output).
// nil removes them.
func (n *Net) SetTaps(taps map[string]func(*ts.Tensor) *ts.Tensor) { n.taps = taps }

// FollowedByReLU reports whether the layer at path is directly followed by a
// ReLU in its own sequence.
func (a Arch) FollowedByReLU(path string) bool {
	i := strings.LastIndex(path, ".")
	k, err := strconv.Atoi(path[i+1:])
	if err != nil {
		return false
	}
	next, err := layerAt(&a, path[:i+1]+strconv.Itoa(k+1))
	return err == nil && next.Kind == KReLU
}

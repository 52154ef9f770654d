package model

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch/ts"
)

// BNEps is batch norm's ε (PyTorch's default).
const BNEps = 1e-5

// FoldBN returns an inference copy of n in which every batch norm that
// directly follows a convolution or linear layer is folded into it (eval
// mode: y = γ·(Wx + b − μ)/√(σ² + ε) + β is a convolution with weights
// scaled per output channel and a bias), so each costs no pass of its own.
// It computes what n computes in eval mode; training it would not train
// batch norm. Networks with unit masks are not folded (the masks sit after
// batch norm): they, and networks without batch norm, are returned as a
// clone. The caller drops the result.
func (n *Net) FoldBN() *Net {
	if !n.HasBN() || len(n.unitMasks) > 0 {
		return n.Clone()
	}
	out := &Net{Device: n.Device, T: map[string]*ts.Tensor{}, buffer: map[string]bool{}, EvalBatch: n.EvalBatch}
	out.Arch = n.Arch.Clone()
	out.Arch.Layers = n.fold(out, n.Arch.Layers, "", "")
	return out
}

// fold copies layers ls (at path prefix from, in n) to prefix to (in out),
// dropping each batch norm it folds.
func (n *Net) fold(out *Net, ls []Layer, from, to string) []Layer {
	var kept []Layer
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		src, dst := fmt.Sprintf("%s%d", from, i), fmt.Sprintf("%s%d", to, len(kept))
		switch l.Kind {
		case KConv, KLinear:
			w, b := Host(n.T[src+".weight"]), make([]float32, l.Out)
			if t, ok := n.T[src+".bias"]; ok {
				b = Host(t)
			}
			if i+1 < len(ls) && ls[i+1].Kind == KBN {
				i++
				bn := fmt.Sprintf("%s%d", from, i)
				scale, shift := BNFold(b, Host(n.T[bn+".weight"]), Host(n.T[bn+".bias"]),
					Host(n.T[bn+".running_mean"]), Host(n.T[bn+".running_var"]))
				row := len(w) / len(b)
				for j := range w {
					w[j] *= scale[j/row]
				}
				b = shift
				l.Bias = true
			}
			out.add(dst+".weight", hostTensor{w, weightShape(l)}, false)
			if l.Bias {
				out.add(dst+".bias", hostTensor{b, []int64{l.Out}}, false)
			}
		case KBN:
			for _, s := range []string{".weight", ".bias"} {
				out.set(dst+s, n.T[src+s].MustDetachCopy(false), false)
			}
			for _, s := range []string{".running_mean", ".running_var"} {
				out.set(dst+s, n.T[src+s].MustDetachCopy(false), true)
			}
		case KBlock:
			l.Body = n.fold(out, l.Body, src+".body.", dst+".body.")
			l.Short = n.fold(out, l.Short, src+".shortcut.", dst+".shortcut.")
			if len(l.Short) == 0 {
				l.Short = nil
			}
		}
		kept = append(kept, l)
	}
	return kept
}

// BNFold gives, per channel, the scale and shift that a batch norm in eval
// mode applies to the output of a layer with bias b:
// γ·(z + b − μ)/√(σ² + ε) + β = scale·z + shift.
func BNFold(b, gamma, beta, mean, variance []float32) (scale, shift []float32) {
	scale, shift = make([]float32, len(b)), make([]float32, len(b))
	for o := range b {
		s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+BNEps)
		scale[o] = float32(s)
		shift[o] = float32(float64(beta[o]) + (float64(b[o])-float64(mean[o]))*s)
	}
	return scale, shift
}

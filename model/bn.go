package model

import (
	"strings"

	"github.com/sugarme/gotch/ts"
)

// HasBN reports whether the network has batch-norm layers.
func (n *Net) HasBN() bool {
	for k := range n.T {
		if strings.HasSuffix(k, ".running_mean") {
			return true
		}
	}
	return false
}

// RecalibrateBN re-estimates every batch-norm layer's running statistics on
// the given input batches (adaptive BN, Li et al. 2020, "EagleEye"): a
// pruned network's activations no longer match the statistics the dense
// network collected, which makes its accuracy a poor guide to how well it
// will recover. The statistics become the plain average over the batches
// (momentum 1/k for the k-th batch). Weights and masks are unchanged.
func (n *Net) RecalibrateBN(batches []*ts.Tensor) {
	if len(batches) == 0 {
		return
	}
	NoGrad(func() {
		for k, t := range n.T {
			switch {
			case strings.HasSuffix(k, ".running_mean"):
				z := t.MustZerosLike(false)
				t.Copy_(z)
				z.MustDrop()
			case strings.HasSuffix(k, ".running_var"):
				o := t.MustOnesLike(false)
				t.Copy_(o)
				o.MustDrop()
			}
		}
		defer func() { n.bnMomentum = 0 }()
		for k, x := range batches {
			n.bnMomentum = 1 / float64(k+1)
			n.Forward(x, true).MustDrop()
		}
	})
}

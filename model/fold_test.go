package model

import (
	"math/rand"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// A network with batch norm folded into its convolutions computes what the
// network computes in eval mode (statistics of real activations, scale and
// shift away from the identity), has no batch norm left, and so does the
// rebuilt network of a mask after its statistics were re-estimated.
func TestFoldBNEqualsTheUnfoldedNetwork(t *testing.T) {
	for _, s := range []Spec{
		{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10},
		{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10},
		{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10},
		{Arch: "vgg16-bn", Input: [3]int64{3, 32, 32}, Classes: 10},
	} {
		a := build(t, s)
		n, err := New(a, gotch.CPU, InitDefault, 1)
		if err != nil {
			t.Fatal(err)
		}
		x := randomInput(a, 40, 2)
		n.RecalibrateBN([]*ts.Tensor{x})
		rng := rand.New(rand.NewSource(3))
		NoGrad(func() {
			for _, k := range n.Names() {
				if l := len(k) - len(".running_mean"); l > 0 && k[l:] == ".running_mean" {
					for _, p := range []string{".weight", ".bias"} {
						v := Host(n.T[k[:l]+p])
						for i := range v {
							v[i] = rng.Float32() + 0.5
						}
						src := FromHost(v, []int64{int64(len(v))}, gotch.CPU)
						n.T[k[:l]+p].Copy_(src)
						src.MustDrop()
					}
				}
			}
		})
		check := func(what string, a, b *Net) {
			f := b.FoldBN()
			defer f.Drop()
			Walk(f.Arch, func(path string, l Layer, _, _ Shape) {
				if l.Kind == KBN {
					t.Errorf("%s %s: batch norm left at %s", s.Arch, what, path)
				}
			})
			ya, yb := a.Logits(x), f.Logits(x)
			if d := maxAbsDiff(ya, yb); d > 1e-4 {
				t.Errorf("%s %s: folded logits differ by %.3g", s.Arch, what, d)
			}
			ya.MustDrop()
			yb.MustDrop()
		}
		check("dense", n, n)
		m := randomMask(Groups(a), 0.5, rng)
		masked := n.Clone()
		if err := masked.SetUnitMask(m); err != nil {
			t.Fatal(err)
		}
		masked.RecalibrateBN([]*ts.Tensor{x})
		r, err := n.Rebuild(m)
		if err != nil {
			t.Fatal(err)
		}
		r.RecalibrateBN([]*ts.Tensor{x})
		check("rebuilt, adapted", masked, r)
		masked.Drop()
		r.Drop()
		n.Drop()
		x.MustDrop()
	}
}

package fitness

import (
	"math/rand"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// The cost models' FLOPs and weights of a unit mask are those of the
// network the mask rebuilds, for every kind of network.
func TestFLOPsCostIsTheRebuiltNetworks(t *testing.T) {
	for _, s := range []model.Spec{
		{Arch: "lenet300-100", Input: [3]int64{1, 28, 28}, Classes: 10},
		{Arch: "lenet5", Input: [3]int64{1, 28, 28}, Classes: 10},
		{Arch: "resnet20", Input: [3]int64{3, 16, 16}, Classes: 10},
		{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10},
		{Arch: "vgg16-bn", Input: [3]int64{3, 32, 32}, Classes: 10},
	} {
		a, err := model.Build(s)
		if err != nil {
			t.Fatal(err)
		}
		n, err := model.New(a, gotch.CPU, model.InitDefault, 1)
		if err != nil {
			t.Fatal(err)
		}
		groups := model.Groups(a)
		var sp search.Space
		for _, g := range groups {
			sp.Segments = append(sp.Segments, search.Segment{Name: g.Name, Size: int(g.Size)})
		}
		cost := FLOPsCost(a, groups)
		sp.Cost = cost
		if d := sp.DenseCost(); d != float64(model.FLOPs(a)) {
			t.Errorf("%s: dense cost %.0f, FLOPs %d", s.Arch, d, model.FLOPs(a))
		}
		rng := rand.New(rand.NewSource(1))
		for trial := 0; trial < 3; trial++ {
			m := search.NewMask(sp.N())
			for i := 0; i < m.N; i++ {
				m.Set(i, rng.Float64() < 0.2+0.3*float64(trial))
			}
			off := sp.Offsets()
			for si := range sp.Segments { // at least one unit per group
				m.Set(off[si], true)
			}
			r, err := n.Rebuild(UnitMask(m, groups))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := sp.CostOf(m), float64(model.FLOPs(r.Arch)); got != want {
				t.Errorf("%s: cost %.0f, rebuilt FLOPs %.0f", s.Arch, got, want)
			}
			params := sp
			params.Cost = ParamsCost(a, groups)
			if got, want := params.CostOf(m), float64(weights(r.Arch)); got != want {
				t.Errorf("%s: params cost %.0f, rebuilt conv / linear weights %.0f", s.Arch, got, want)
			}
			r.Drop()
		}
		n.Drop()
	}
}

// weights counts the conv and linear weights of a (no biases).
func weights(a model.Arch) int64 {
	var n int64
	model.Walk(a, func(_ string, l model.Layer, _, _ model.Shape) {
		switch l.Kind {
		case model.KLinear:
			n += l.In * l.Out
		case model.KConv:
			n += l.In * l.Out * l.Kernel * l.Kernel
		}
	})
	return n
}

package fitness

import (
	"fmt"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// FLOPsCost is the cost model of unit masks over groups: the FLOPs
// (model.FLOPs) of the network such a mask rebuilds. Each conv or linear
// layer costs 2·k²·H·W (conv; 2 for linear) per pair of kept input and
// output units; its inputs and outputs are a group's kept units or fixed.
func FLOPsCost(a model.Arch, groups []*model.Group) *search.Cost {
	type use struct {
		group  int
		repeat int64
	}
	out, in := map[string]int{}, map[string]use{}
	for i, g := range groups {
		for _, p := range g.Producers {
			out[p] = i
		}
		for _, c := range g.Consumers {
			in[c.Path] = use{i, c.Repeat}
		}
	}
	c := &search.Cost{}
	model.Walk(a, func(path string, l model.Layer, _, o model.Shape) {
		var factor float64
		switch l.Kind {
		case model.KLinear:
			factor = 2
		case model.KConv:
			factor = float64(2 * l.Kernel * l.Kernel * o[1] * o[2])
		default:
			return
		}
		t := search.CostTerm{In: -1, Out: -1, InFixed: float64(l.In), OutFixed: float64(l.Out), Factor: factor}
		if g, ok := out[path]; ok {
			t.Out = g
		}
		if u, ok := in[path]; ok {
			t.In, t.InRepeat = u.group, float64(u.repeat)
		}
		c.Terms = append(c.Terms, t)
	})
	return c
}

// BudgetFLOPs makes sp's budget the FLOPs of the rebuilt network: at most
// (1 − removed) of the dense network's (prune.target_flops).
func BudgetFLOPs(sp *search.Space, a model.Arch, groups []*model.Group, removed float64) error {
	sp.Cost = FLOPsCost(a, groups)
	sp.MaxCost = (1 - removed) * sp.DenseCost()
	if err := sp.Validate(); err != nil {
		return fmt.Errorf("prune.target_flops %.4g: %w", removed, err)
	}
	return nil
}

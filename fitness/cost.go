package fitness

import (
	"fmt"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// The costs a pareto search can minimise (search.fitness.cost).
const (
	CostFLOPs   = "flops"
	CostParams  = "params"
	CostLatency = "latency"
	CostUnits   = "units"
)

// layerTerm is one conv or linear layer as a cost term (Factor unset) with
// what timing it needs.
type layerTerm struct {
	search.CostTerm
	layer model.Layer
	in    model.Shape
	out   model.Shape
}

// layerTerms are a's conv and linear layers as bilinear cost terms over
// groups: each reads a group's kept units (times Repeat after a flatten) or
// its fixed inputs, and writes a group's kept units or its fixed outputs.
func layerTerms(a model.Arch, groups []*model.Group) []layerTerm {
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
	var terms []layerTerm
	model.Walk(a, func(path string, l model.Layer, i, o model.Shape) {
		if l.Kind != model.KLinear && l.Kind != model.KConv {
			return
		}
		t := search.CostTerm{In: -1, Out: -1, InFixed: float64(l.In), OutFixed: float64(l.Out)}
		if g, ok := out[path]; ok {
			t.Out = g
		}
		if u, ok := in[path]; ok {
			t.In, t.InRepeat = u.group, float64(u.repeat)
		}
		terms = append(terms, layerTerm{CostTerm: t, layer: l, in: i, out: o})
	})
	return terms
}

// FLOPsCost is the cost model of unit masks over groups: the FLOPs
// (model.FLOPs) of the network such a mask rebuilds. Each conv or linear
// layer costs 2·k²·H·W (conv; 2 for linear) per pair of kept input and
// output units.
func FLOPsCost(a model.Arch, groups []*model.Group) *search.Cost {
	return perPair(a, groups, func(t layerTerm) float64 {
		if t.layer.Kind == model.KConv {
			return float64(2 * t.layer.Kernel * t.layer.Kernel * t.out[1] * t.out[2])
		}
		return 2
	})
}

// ParamsCost is the weights of the conv and linear layers of the network a
// unit mask rebuilds (k² per pair of units for a conv, 1 for a linear layer;
// biases and batch norm, a few per unit, are left out).
func ParamsCost(a model.Arch, groups []*model.Group) *search.Cost {
	return perPair(a, groups, func(t layerTerm) float64 {
		if t.layer.Kind == model.KConv {
			return float64(t.layer.Kernel * t.layer.Kernel)
		}
		return 1
	})
}

// UnitsCost counts the kept units (neurons, channels, input features): the
// size measure of the structured-compression papers' tables.
func UnitsCost(groups []*model.Group) *search.Cost {
	c := &search.Cost{}
	for i := range groups {
		c.Terms = append(c.Terms, search.CostTerm{In: -1, InFixed: 1, Out: i, Factor: 1})
	}
	return c
}

// perPair is the cost that charges each conv / linear layer factor(layer)
// per pair of kept input and output units.
func perPair(a model.Arch, groups []*model.Group, factor func(layerTerm) float64) *search.Cost {
	c := &search.Cost{}
	for _, t := range layerTerms(a, groups) {
		t.Factor = factor(t)
		c.Terms = append(c.Terms, t.CostTerm)
	}
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

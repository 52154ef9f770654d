package model

import (
	"fmt"
)

// Degrees are the fan-in and fan-out of the units of one group: how many
// kept weights lead into each unit (its rows / output filters in every
// weight-bearing producer) and out of it (its columns / input channels in
// every consumer).
type Degrees struct {
	In, Out []int
}

// WeightFlags are kept flags per prunable weight name ("1.weight"), each in
// the weight's row-major (PyTorch) layout: a weight mask as plain Go.
type WeightFlags map[string][]bool

// weightLayout is how a weight's flat index splits into (out, in, inner).
type weightLayout struct {
	out, in, inner int
	flags          []bool
}

// row returns the flat range of unit u's producer row.
func (w weightLayout) row(u int) (lo, hi int) {
	n := w.in * w.inner
	return u * n, (u + 1) * n
}

// cols calls f with the flat range of unit u's consumer columns in every
// output row (repeat input columns per unit after a flatten).
func (w weightLayout) cols(u, repeat int, f func(lo, hi int)) {
	start, n := u*repeat*w.inner, repeat*w.inner
	for o := 0; o < w.out; o++ {
		base := o * w.in * w.inner
		f(base+start, base+start+n)
	}
}

// degreeGraph resolves the groups of an arch onto the weight flags.
type degreeGraph struct {
	groups  []*Group
	layouts map[string]weightLayout // by layer path
}

func newDegreeGraph(a Arch, flags WeightFlags) (*degreeGraph, error) {
	g := &degreeGraph{groups: Groups(a), layouts: map[string]weightLayout{}}
	var err error
	Walk(a, func(path string, l Layer, _, _ Shape) {
		if err != nil || (l.Kind != KLinear && l.Kind != KConv) {
			return
		}
		name := path + ".weight"
		f, ok := flags[name]
		shape := weightShape(l)
		switch n := Numel(shape); {
		case !ok:
			err = fmt.Errorf("degree: no mask for %s", name)
		case int64(len(f)) != n:
			err = fmt.Errorf("degree: mask for %s has %d entries, want %d", name, len(f), n)
		default:
			g.layouts[path] = weightLayout{out: int(shape[0]), in: int(shape[1]), inner: int(n / (shape[0] * shape[1])), flags: f}
		}
	})
	return g, err
}

// producers returns the weight-bearing producers of a group (not batch-norm).
func (g *degreeGraph) producers(gr *Group) []weightLayout {
	var out []weightLayout
	for _, p := range gr.Producers {
		if w, ok := g.layouts[p]; ok {
			out = append(out, w)
		}
	}
	return out
}

func countKept(f []bool, lo, hi int) int {
	c := 0
	for _, k := range f[lo:hi] {
		if k {
			c++
		}
	}
	return c
}

func clearRange(f []bool, lo, hi int) {
	for i := lo; i < hi; i++ {
		f[i] = false
	}
}

func (g *degreeGraph) degrees(gr *Group) (Degrees, error) {
	d := Degrees{In: make([]int, gr.Size), Out: make([]int, gr.Size)}
	prods := g.producers(gr)
	for u := range d.In {
		for _, w := range prods {
			lo, hi := w.row(u)
			d.In[u] += countKept(w.flags, lo, hi)
		}
		for _, c := range gr.Consumers {
			w, ok := g.layouts[c.Path]
			if !ok {
				return d, fmt.Errorf("degree: consumer %s of group %s has no weight", c.Path, gr.Name)
			}
			w.cols(u, int(c.Repeat), func(lo, hi int) { d.Out[u] += countKept(w.flags, lo, hi) })
		}
	}
	return d, nil
}

// remove clears every remaining weight into and out of unit u.
func (g *degreeGraph) remove(gr *Group, u int) {
	for _, w := range g.producers(gr) {
		lo, hi := w.row(u)
		clearRange(w.flags, lo, hi)
	}
	for _, c := range gr.Consumers {
		w := g.layouts[c.Path]
		w.cols(u, int(c.Repeat), func(lo, hi int) { clearRange(w.flags, lo, hi) })
	}
}

// UnitDegrees returns the fan-in and fan-out of every unit of every
// prunable group of a, by group name, under the weight flags.
func UnitDegrees(a Arch, flags WeightFlags) (map[string]Degrees, error) {
	g, err := newDegreeGraph(a, flags)
	if err != nil {
		return nil, err
	}
	out := map[string]Degrees{}
	for _, gr := range g.groups {
		if out[gr.Name], err = g.degrees(gr); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PruneByDegree removes, group by group from the input, every unit whose
// fan-in or fan-out is below k (values below 1 mean 1), clearing the flags of
// its remaining weights in place; it repeats the sweep until a whole sweep
// removes nothing, since removing a unit lowers the fan-out of the units
// feeding it and the fan-in of those it feeds. Afterwards every unit either
// has no kept weight left or both degrees at least k. It returns the units
// still alive per group and the number of sweeps, and fails (leaving flags
// partly pruned) if some group would lose every unit.
func PruneByDegree(a Arch, flags WeightFlags, k int) (UnitMask, int, error) {
	k = max(k, 1)
	g, err := newDegreeGraph(a, flags)
	if err != nil {
		return nil, 0, err
	}
	alive := UnitMask{}
	for _, gr := range g.groups {
		alive[gr.Name] = make([]bool, gr.Size)
		for u := range alive[gr.Name] {
			alive[gr.Name][u] = true
		}
	}
	sweeps := 0
	for changed := true; changed; {
		changed = false
		sweeps++
		for _, gr := range g.groups {
			d, err := g.degrees(gr)
			if err != nil {
				return nil, sweeps, err
			}
			keep := alive[gr.Name]
			for u := range keep {
				if keep[u] && (d.In[u] < k || d.Out[u] < k) {
					g.remove(gr, u)
					keep[u] = false
					changed = true
				}
			}
		}
	}
	for _, gr := range g.groups {
		if len(kept(alive[gr.Name])) == 0 {
			return alive, sweeps, fmt.Errorf("degree: every unit of layer %s has fan-in or fan-out below %d", gr.Name, k)
		}
	}
	return alive, sweeps, nil
}

package model

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// UnitMask says, per group name, which units are kept.
type UnitMask map[string][]bool

// Kept lists the indices of kept units.
func kept(keep []bool) []int64 {
	var idx []int64
	for i, k := range keep {
		if k {
			idx = append(idx, int64(i))
		}
	}
	return idx
}

func (n *Net) checkMask(groups []*Group, m UnitMask) error {
	for _, g := range groups {
		keep, ok := m[g.Name]
		if !ok {
			continue
		}
		if int64(len(keep)) != g.Size {
			return fmt.Errorf("mask for group %s has %d units, want %d", g.Name, len(keep), g.Size)
		}
		if len(kept(keep)) == 0 {
			return fmt.Errorf("mask removes every unit of group %s", g.Name)
		}
	}
	return nil
}

// SetUnitMask makes n the masked network of m: the outputs of removed units
// are multiplied by zero. Groups missing from m are left whole; nil clears.
func (n *Net) SetUnitMask(m UnitMask) error {
	groups := Groups(n.Arch)
	if err := n.checkMask(groups, m); err != nil {
		return err
	}
	for _, t := range n.unitMasks {
		t.MustDrop()
	}
	n.unitMasks = nil
	for _, g := range groups {
		keep, ok := m[g.Name]
		if !ok {
			continue
		}
		v := make([]float32, len(keep))
		for i, k := range keep {
			if k {
				v[i] = 1
			}
		}
		shape := []int64{1, g.Size}
		if g.Conv {
			shape = []int64{1, g.Size, 1, 1}
		}
		for _, p := range g.MaskAt {
			n.setUnitMask(p, FromHost(v, shape, n.Device))
		}
	}
	return nil
}

// Rebuild returns a new, physically smaller network without the removed
// units of m: producers lose rows / output channels (and batch-norm entries),
// consumers lose the matching columns / input channels. The masked network
// of m and the rebuilt one compute the same function.
func (n *Net) Rebuild(m UnitMask) (*Net, error) {
	groups := Groups(n.Arch)
	if err := n.checkMask(groups, m); err != nil {
		return nil, err
	}
	out := &Net{Arch: n.Arch.Clone(), Device: n.Device, T: map[string]*ts.Tensor{}, buffer: map[string]bool{}, EvalBatch: n.EvalBatch}
	t := map[string]*ts.Tensor{}
	for _, k := range n.names {
		t[k] = n.T[k].MustDetach(false)
	}
	sel := func(name string, dim int64, idx *ts.Tensor) {
		if x, ok := t[name]; ok {
			t[name] = x.MustIndexSelect(dim, idx, true)
		}
	}
	for _, g := range groups {
		keep, ok := m[g.Name]
		if !ok {
			continue
		}
		idx := kept(keep)
		if int64(len(idx)) == g.Size {
			continue
		}
		rows := ts.MustOfSlice(idx).MustTo(n.Device, true)
		for _, p := range g.Producers {
			l, err := layerAt(&out.Arch, p)
			if err != nil {
				return nil, err
			}
			l.Out = int64(len(idx))
			if l.Kind == KSelect {
				l.Index = selectIndex(l.Index, idx)
			}
			for _, s := range []string{".weight", ".bias", ".running_mean", ".running_var"} {
				sel(p+s, 0, rows)
			}
		}
		for _, c := range g.Consumers {
			l, err := layerAt(&out.Arch, c.Path)
			if err != nil {
				return nil, err
			}
			cols := rows
			if c.Repeat > 1 {
				cols = repeatIndex(idx, c.Repeat, n.Device)
			}
			l.In = int64(len(idx)) * c.Repeat
			sel(c.Path+".weight", 1, cols)
			if cols != rows {
				cols.MustDrop()
			}
		}
		rows.MustDrop()
	}
	for _, k := range n.names {
		out.set(k, t[k].MustContiguous(true), n.buffer[k])
	}
	if n.WeightMasks != nil {
		// The rebuilt weights keep their zeros; derive the masks from them.
		out.WeightMasks = maskFromWeights(out, n.WeightMasks)
	}
	return out, nil
}

// selectIndex composes a select layer's index with the kept positions of
// its output: the input features the rebuilt layer keeps.
func selectIndex(index, keep []int64) []int64 {
	out := make([]int64, len(keep))
	for i, k := range keep {
		out[i] = k
		if index != nil {
			out[i] = index[k]
		}
	}
	return out
}

// repeatIndex expands channel indices to the flattened columns they own.
func repeatIndex(idx []int64, r int64, dev gotch.Device) *ts.Tensor {
	cols := make([]int64, 0, int64(len(idx))*r)
	for _, c := range idx {
		for j := int64(0); j < r; j++ {
			cols = append(cols, c*r+j)
		}
	}
	return ts.MustOfSlice(cols).MustTo(dev, true)
}

// maskFromWeights re-derives 0/1 weight masks from the zeros of the weights
// that had masks (after a rebuild their shapes changed).
func maskFromWeights(n *Net, had map[string]*ts.Tensor) map[string]*ts.Tensor {
	out := map[string]*ts.Tensor{}
	for k := range had {
		w := n.T[k]
		out[k] = w.MustDetach(false).MustNe(ts.FloatScalar(0), true).MustTotype(gotch.Float, true)
	}
	return out
}

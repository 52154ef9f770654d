package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/ts"
)

// InsertSelect returns a copy of n with a select layer keeping every input
// feature right after its leading flatten, so that a unit mask can prune
// the input features (prune.inputs) like hidden neurons: the select layer's
// group is the first linear layer's input columns. The copy computes the
// same function; its layers after the flatten move one index up.
func InsertSelect(n *Net) (*Net, error) {
	ls := n.Arch.Layers
	if len(ls) < 2 || ls[0].Kind != KFlatten || ls[1].Kind != KLinear {
		return nil, fmt.Errorf("input features can be pruned in networks that start with flatten then linear (an MLP), not %s", n.Arch.Name)
	}
	if n.HasUnitMasks() {
		return nil, fmt.Errorf("insert select: the network has unit masks")
	}
	c := n.Clone()
	sel := Layer{Kind: KSelect, In: ls[1].In, Out: ls[1].In}
	c.Arch.Layers = append([]Layer{c.Arch.Layers[0], sel}, c.Arch.Layers[1:]...)
	rename := func(m map[string]*ts.Tensor) map[string]*ts.Tensor {
		if m == nil {
			return nil
		}
		out := make(map[string]*ts.Tensor, len(m))
		for k, t := range m {
			out[shiftPath(k, 1)] = t
		}
		return out
	}
	buffer := map[string]bool{}
	for i, k := range c.names {
		c.names[i] = shiftPath(k, 1)
		buffer[c.names[i]] = c.buffer[k]
	}
	c.T, c.buffer, c.WeightMasks = rename(c.T), buffer, rename(c.WeightMasks)
	return c, nil
}

// shiftPath moves a tensor name's top-level layer index up by one from
// index at: "3.weight" becomes "4.weight" when at <= 3.
func shiftPath(name string, at int) string {
	head, rest, _ := strings.Cut(name, ".")
	k, err := strconv.Atoi(head)
	if err != nil || k < at {
		return name
	}
	return strconv.Itoa(k+1) + "." + rest
}

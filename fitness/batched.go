package fitness

import (
	"fmt"
	"strconv"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// chain is the batched engine for unit masks on a chain of linear layers
// (the MLP tail of a network after the shared prefix). A whole population is
// evaluated with one gather and one batched matrix product per layer: each
// individual's kept rows and columns are gathered into [P, rows, cols]
// weights (padded with zeros to the population's widest individual), and
// activations are kept transposed ([P, units, N]) so every gather is a
// contiguous row selection.
type chain struct {
	sizes  []int64      // units per group
	layers []chainLayer // consumers: group 0's consumer ... the output layer
	hT     *ts.Tensor   // prefix activation transposed: [sizes[0], N]
	rows0  *ts.Tensor   // first consumer's weight with a zero row appended: [out+1, in]
	y      *ts.Tensor   // labels [1, N]
	n      int64
	dev    gotch.Device
}

type chainLayer struct {
	in, out int64
	w, b    *ts.Tensor // flattened weight and bias, each with a trailing zero
}

// The first consumer reads every unit of group 0, with zero weights for the
// removed ones, in one large matrix product: gathering each individual's
// kept activations instead would copy P x |K| x N floats, which on this
// machine costs as much as the product itself.

// newChain returns nil unless the groups form a chain of linear layers that
// ends in the output layer: g_i produced by layer ℓ_i and read only by ℓ_{i+1}.
func newChain(n *model.Net, groups []*model.Group, prefix *ts.Tensor, y *ts.Tensor) *chain {
	if len(groups) == 0 || prefix == nil {
		return nil
	}
	c := &chain{dev: n.Device, n: prefix.MustSize()[0]}
	var paths []string
	for i, g := range groups {
		if g.Conv || g.Tied || len(g.Consumers) != 1 || g.Consumers[0].Repeat != 1 {
			return nil
		}
		cons := g.Consumers[0].Path
		if i+1 < len(groups) && groups[i+1].Producers[0] != cons {
			return nil
		}
		c.sizes = append(c.sizes, g.Size)
		paths = append(paths, cons)
	}
	// Everything after the last consumer must be the end of the network.
	last, err := strconv.Atoi(paths[len(paths)-1])
	if err != nil || last != len(n.Arch.Layers)-1 {
		return nil
	}
	for _, p := range paths {
		k, err := strconv.Atoi(p)
		if err != nil || n.Arch.Layers[k].Kind != model.KLinear || !n.Arch.Layers[k].Bias {
			return nil
		}
		l := n.Arch.Layers[k]
		c.layers = append(c.layers, chainLayer{in: l.In, out: l.Out,
			w: withZero(n.T[p+".weight"]), b: withZero(n.T[p+".bias"])})
	}
	c.hT = prefix.MustT(false).MustContiguous(true)
	w0 := n.T[paths[0]+".weight"].MustDetach(false)
	zero := ts.MustZeros([]int64{1, w0.MustSize()[1]}, gotch.Float, n.Device)
	c.rows0 = ts.MustCat([]*ts.Tensor{w0, zero}, 0)
	w0.MustDrop()
	zero.MustDrop()
	c.y = y.MustView([]int64{1, c.n}, false)
	return c
}

// withZero flattens a tensor and appends a zero: padded indices point there.
func withZero(t *ts.Tensor) *ts.Tensor {
	f := t.MustDetach(false).MustFlatten(0, -1, true)
	z := ts.MustZeros([]int64{1}, gotch.Float, f.MustDevice())
	out := ts.MustCat([]*ts.Tensor{f, z}, 0)
	f.MustDrop()
	z.MustDrop()
	return out
}

func (c *chain) close() {
	c.hT.MustDrop()
	c.rows0.MustDrop()
	c.y.MustDrop()
	for _, l := range c.layers {
		l.w.MustDrop()
		l.b.MustDrop()
	}
}

// kept returns, per individual, the kept unit indices of every group.
func (c *chain) kept(masks []search.Mask) [][][]int64 {
	out := make([][][]int64, len(masks))
	for p, m := range masks {
		off := 0
		out[p] = make([][]int64, len(c.sizes))
		for g, size := range c.sizes {
			for i := 0; i < int(size); i++ {
				if m.Get(off + i) {
					out[p][g] = append(out[p][g], int64(i))
				}
			}
			off += int(size)
		}
	}
	return out
}

func (c *chain) index(v []int64) *ts.Tensor {
	t := ts.MustOfSlice(v)
	if c.dev != gotch.CPU {
		t = t.MustTo(c.dev, true)
	}
	return t
}

// evaluate scores a population, chunk by chunk (see chunk).
func (c *chain) evaluate(masks []search.Mask) (out []search.Score, err error) {
	model.NoGrad(func() {
		for s := 0; s < len(masks) && err == nil; s += c.chunk() {
			var sc []search.Score
			sc, err = c.evaluateChunk(masks[s:min(len(masks), s+c.chunk())])
			out = append(out, sc...)
		}
	})
	return out, err
}

// evaluateChunk scores a population chunk.
func (c *chain) evaluateChunk(masks []search.Mask) ([]search.Score, error) {
	P := int64(len(masks))
	kept := c.kept(masks)
	width := make([]int64, len(c.sizes))
	for _, k := range kept {
		for g := range k {
			if len(k[g]) == 0 {
				return nil, fmt.Errorf("a mask removes every unit of a layer")
			}
			width[g] = max(width[g], int64(len(k[g])))
		}
	}
	a, err := c.first(kept, width)
	if err != nil {
		return nil, err
	}
	for li, l := range c.layers {
		if li == 0 {
			continue
		}
		last := li == len(c.layers)-1
		outW := l.out
		if !last {
			outW = width[li+1]
		}
		wi := make([]int64, 0, P*outW*width[li])
		bi := make([]int64, 0, P*outW)
		zeroW, zeroB := l.in*l.out, l.out
		for _, k := range kept {
			var r []int64
			if last {
				r = make([]int64, l.out)
				for i := range r {
					r[i] = int64(i)
				}
			} else {
				r = k[li+1]
			}
			cols := k[li]
			for i := int64(0); i < outW; i++ {
				if i >= int64(len(r)) {
					for j := int64(0); j < width[li]; j++ {
						wi = append(wi, zeroW)
					}
					bi = append(bi, zeroB)
					continue
				}
				for j := int64(0); j < width[li]; j++ {
					if j < int64(len(cols)) {
						wi = append(wi, r[i]*l.in+cols[j])
					} else {
						wi = append(wi, zeroW)
					}
				}
				bi = append(bi, r[i])
			}
		}
		wt, bt := c.index(wi), c.index(bi)
		w := l.w.MustIndexSelect(0, wt, false).MustView([]int64{P, outW, width[li]}, true)
		b := l.b.MustIndexSelect(0, bt, false).MustView([]int64{P, outW, 1}, true)
		wt.MustDrop()
		bt.MustDrop()
		next := b.MustBaddbmm(w, a, ts.FloatScalar(1), ts.FloatScalar(1), true)
		w.MustDrop()
		a.MustDrop()
		if !last {
			// Not MustRelu_: gotch's in-place methods leak the replaced handle.
			next = next.MustRelu(true)
		}
		a = next
	}
	// a: logits transposed, [P, classes, N].
	y := c.y.MustUnsqueeze(0, false).MustExpand([]int64{P, 1, c.n}, false, true)
	loss, correct := lossAndCorrect(a, y, 1, []int64{1, 2})
	a.MustDrop()
	y.MustDrop()
	v := hostPair(loss, correct)
	out := make([]search.Score, P)
	for p := range out {
		out[p] = search.Score{ValAccuracy: float64(v[int(P)+p]) / float64(c.n), Loss: float64(v[p]) / float64(c.n)}
	}
	return out, nil
}

// appendPadded appends k, then pad (the zero row) up to width entries.
func appendPadded(dst, k []int64, width, pad int64) []int64 {
	dst = append(dst, k...)
	for i := int64(len(k)); i < width; i++ {
		dst = append(dst, pad)
	}
	return dst
}

// chunk is how many individuals one batch holds: activations of at most
// ~256 MB (the widest layer bounds every individual's width).
func (c *chain) chunk() int {
	widest := int64(1)
	for _, s := range c.sizes {
		widest = max(widest, s)
	}
	return int(max(1, (256<<20)/(4*c.n*widest)))
}

// first runs the first consumer for the whole population: rows are the kept
// units of group 1 (or every output), columns all of group 0 masked by each
// individual's kept set. Result: [P, rows, N], after ReLU unless it is the output layer.
func (c *chain) first(kept [][][]int64, width []int64) (*ts.Tensor, error) {
	P := int64(len(kept))
	l := c.layers[0]
	last := len(c.layers) == 1
	outW := l.out
	if !last {
		outW = width[1]
	}
	rows := make([]int64, 0, P*outW)
	cols := make([]float32, P*l.in)
	for p, k := range kept {
		if last {
			for i := int64(0); i < l.out; i++ {
				rows = append(rows, i)
			}
		} else {
			rows = appendPadded(rows, k[1], outW, l.out)
		}
		for _, j := range k[0] {
			cols[int64(p)*l.in+j] = 1
		}
	}
	ri := c.index(rows)
	w := c.rows0.MustIndexSelect(0, ri, false).MustView([]int64{P, outW, l.in}, true)
	b := l.b.MustIndexSelect(0, ri, false).MustView([]int64{P * outW, 1}, true)
	ri.MustDrop()
	mask := model.FromHost(cols, []int64{P, 1, l.in}, c.dev)
	wm := w.MustMul(mask, true).MustView([]int64{P * outW, l.in}, true)
	mask.MustDrop()
	z := b.MustAddmm(wm, c.hT, true)
	wm.MustDrop()
	if !last {
		z = z.MustRelu(true)
	}
	return z.MustView([]int64{P, outW, c.n}, true), nil
}

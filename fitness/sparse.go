package fitness

// #include "tail.h"
import "C"

import (
	"fmt"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// sparse is the CPU engine for weight masks on networks that are linear
// layers (ReLU between) after parameter-free input layers: each individual's
// layers run as sparse rows over blocks of samples (tail.c), so only kept
// weights cost work.
type sparse struct {
	x       []float32 // input after the parameter-free layers, transposed, [in × ldx]
	ldx     int       // samples rounded up to 64
	n       int
	y       []int32
	w       [][]float32 // per layer: weight [out × in]
	b       []float32   // every layer's bias, concatenated
	layer   []C.sparse_layer
	threads int
	simd    C.int
}

const sparseBlock = 64 // NB in tail.c

// newSparse returns nil unless the network fits (see sparse) and runs on the CPU.
func newSparse(n *model.Net, val *model.Batch, threads int) *sparse {
	if n.Device != gotch.CPU {
		return nil
	}
	layers := n.Arch.Layers
	first := -1
	for i, l := range layers {
		if l.Kind == model.KLinear {
			first = i
			break
		}
		if l.Kind != model.KFlatten {
			return nil
		}
	}
	if first < 0 || (len(layers)-first)%2 != 1 { // Linear (ReLU Linear)* to the end
		return nil
	}
	s := &sparse{n: val.N, threads: max(1, threads), simd: C.tail_simd()}
	for i := first; i < len(layers); i++ {
		l := layers[i]
		if (i-first)%2 == 1 {
			if l.Kind != model.KReLU {
				return nil
			}
			continue
		}
		if l.Kind != model.KLinear {
			return nil
		}
		key := fmt.Sprint(i)
		s.w = append(s.w, model.Host(n.T[key+".weight"]))
		s.layer = append(s.layer, C.sparse_layer{rows: C.int32_t(l.Out), in: C.int32_t(l.In), boff: C.int64_t(len(s.b))})
		if l.Bias {
			s.b = append(s.b, model.Host(n.T[key+".bias"])...)
		} else {
			s.b = append(s.b, make([]float32, l.Out)...)
		}
	}
	var x []float32
	model.NoGrad(func() {
		t := n.Infer(0, first, val.X)
		x = model.Host(t)
		t.MustDrop()
	})
	in := int(s.layer[0].in)
	s.ldx = (s.n + sparseBlock - 1) / sparseBlock * sparseBlock
	s.x = aligned(in * s.ldx)
	for i := 0; i < s.n; i++ {
		for j := 0; j < in; j++ {
			s.x[j*s.ldx+i] = x[i*in+j]
		}
	}
	for _, v := range model.Host(val.Y) {
		s.y = append(s.y, int32(v))
	}
	return s
}

// csr holds individuals' kept weights in sparse_eval's layout.
type csr struct {
	part         []C.sparse_part
	rowptr, cols []int32
	vals         []float32
}

func (s *sparse) pack(masks []search.Mask) *csr {
	c := &csr{}
	for _, m := range masks {
		off := 0
		for l, w := range s.w {
			in := int(s.layer[l].in)
			c.part = append(c.part, C.sparse_part{rowptr: C.int64_t(len(c.rowptr)), nz: C.int64_t(len(c.cols))})
			start := len(c.cols)
			c.rowptr = append(c.rowptr, 0)
			for r := 0; r < int(s.layer[l].rows); r++ {
				at := len(c.cols)
				c.cols = m.AppendKept(c.cols, off+r*in, off+(r+1)*in)
				for _, k := range c.cols[at:] {
					c.vals = append(c.vals, w[r*in+int(k)])
				}
				c.rowptr = append(c.rowptr, int32(len(c.cols)-start))
			}
			off += len(w)
		}
	}
	return c
}

// evaluate scores a population, split over the threads by kept weights.
func (s *sparse) evaluate(masks []search.Mask) ([]search.Score, error) {
	cost := make([]int, len(masks))
	for p, m := range masks {
		cost[p] = m.Count()
	}
	loss := make([]float64, len(masks))
	correct := make([]int32, len(masks))
	err := parallel(cost, s.threads, func(p0, p1 int) error {
		return s.run(s.pack(masks[p0:p1]), loss[p0:p1], correct[p0:p1])
	})
	if err != nil {
		return nil, err
	}
	return scores(loss, correct, s.n), nil
}

func (s *sparse) run(c *csr, loss []float64, correct []int32) error {
	if len(c.cols) == 0 { // every weight pruned: keep the pointers valid
		c.cols, c.vals = []int32{0}, []float32{0}
	}
	rc := C.sparse_eval(s.simd, C.int(len(s.layer)), &s.layer[0], C.int(s.n), C.int(s.ldx),
		(*C.float)(&s.x[0]), (*C.int32_t)(&s.y[0]), (*C.float)(&s.b[0]), &c.part[0],
		(*C.int32_t)(&c.rowptr[0]), (*C.int32_t)(&c.cols[0]), (*C.float)(&c.vals[0]),
		0, C.int(len(loss)), (*C.double)(&loss[0]), (*C.int32_t)(&correct[0]))
	if err := engineError(rc); err != nil {
		return err
	}
	return nil
}

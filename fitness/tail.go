package fitness

// #cgo CFLAGS: -O3
// #cgo LDFLAGS: -lm
// #include "tail.h"
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
	"github.com/sugarme/gotch"
)

// tail is the CPU engine for unit masks on an MLP tail (the chain's case):
// each individual runs its rebuilt layers, and only those, in C tiles that
// read the shared prefix activation through the individual's kept-unit
// list (tail.c). Individuals are split over threads.
type tail struct {
	x       []float32   // prefix activation transposed, [units × ldx], 64-byte aligned
	ldx     int         // row stride of x: samples rounded up to 16
	n       int         // samples
	y       []int32     // labels
	w, b    [][]float32 // per consumer layer: weight [out × in] and bias, on the host
	in, out []int
	sizes   []int // units per group
	threads int
	simd    C.int
}

const (
	tileRows = 6 // MR in tail.c
	tileCols = 16
)

// newTail builds the CPU engine from a chain's layers (it owns no tensors).
func newTail(c *chain, n *model.Net, threads int) *tail {
	if c == nil || c.dev != gotch.CPU {
		return nil
	}
	t := &tail{n: int(c.n), threads: max(1, threads), simd: C.tail_simd()}
	for _, s := range c.sizes {
		t.sizes = append(t.sizes, int(s))
	}
	for _, l := range c.layers {
		w := model.Host(l.w) // flattened with a trailing zero
		b := model.Host(l.b)
		t.w = append(t.w, w[:len(w)-1])
		t.b = append(t.b, b[:len(b)-1])
		t.in = append(t.in, int(l.in))
		t.out = append(t.out, int(l.out))
	}
	t.ldx = (t.n + tileCols - 1) / tileCols * tileCols
	units := int(c.sizes[0])
	t.x = aligned(units * t.ldx)
	hT := model.Host(c.hT) // [units, n]
	for u := 0; u < units; u++ {
		copy(t.x[u*t.ldx:u*t.ldx+t.n], hT[u*t.n:(u+1)*t.n])
	}
	for _, v := range model.Host(c.y) {
		t.y = append(t.y, int32(v))
	}
	return t
}

// aligned returns a zeroed slice whose first element sits on a 64-byte
// boundary: the tiles' 16-float loads must not straddle cache lines (a
// misaligned x measured 45 instead of 75 GFLOP/s per thread).
func aligned(n int) []float32 {
	s := make([]float32, n+16)
	off := 0
	for uintptr(unsafe.Pointer(&s[off]))%64 != 0 {
		off++
	}
	return s[off : off+n : off+n]
}

// pack holds individuals' rebuilt layers in tail_eval's layout.
type pack struct {
	rows, ks         []int32
	woff, boff, ioff []int64
	w, b             []float32
	idx              []int32
}

// keptUnits lists an individual's kept units per group.
func (t *tail) keptUnits(m search.Mask) ([][]int32, error) {
	kept := make([][]int32, len(t.sizes))
	off := 0
	for g, size := range t.sizes {
		kept[g] = m.AppendKept(nil, off, off+size)
		if len(kept[g]) == 0 {
			return nil, fmt.Errorf("a mask removes every unit of a layer")
		}
		off += size
	}
	return kept, nil
}

// rowsOf is layer l's output rows for an individual: the next group's kept
// units, or every output of the last layer.
func (t *tail) rowsOf(kept [][]int32, l int) []int32 {
	if l+1 < len(t.w) {
		return kept[l+1]
	}
	rows := make([]int32, t.out[l])
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}

func padRows(r int) int { return (r + tileRows - 1) / tileRows * tileRows }

// cost is an individual's multiply-adds per sample (with tile padding).
func (t *tail) cost(kept [][]int32) int {
	c := 0
	for l := range t.w {
		c += padRows(len(t.rowsOf(kept, l))) * len(kept[l])
	}
	return c
}

// pack gathers individuals' kept rows and columns into panels of tileRows
// rows, each [k × tileRows], zero-padded.
func (t *tail) pack(kept [][][]int32) *pack {
	L := len(t.w)
	pk := &pack{}
	for _, k := range kept {
		pk.ioff = append(pk.ioff, int64(len(pk.idx)))
		pk.idx = append(pk.idx, k[0]...)
		for l := 0; l < L; l++ {
			cols, rows := k[l], t.rowsOf(k, l)
			pk.rows = append(pk.rows, int32(len(rows)))
			pk.ks = append(pk.ks, int32(len(cols)))
			pk.woff = append(pk.woff, int64(len(pk.w)))
			pk.boff = append(pk.boff, int64(len(pk.b)))
			padded := padRows(len(rows))
			w, in := t.w[l], t.in[l]
			at := len(pk.w)
			pk.w = append(pk.w, make([]float32, padded*len(cols))...)
			for r, row := range rows {
				base := at + r/tileRows*tileRows*len(cols) + r%tileRows
				src := w[int(row)*in:]
				for j, c := range cols {
					pk.w[base+j*tileRows] = src[c]
				}
			}
			for r := 0; r < padded; r++ {
				v := float32(0)
				if r < len(rows) {
					v = t.b[l][rows[r]]
				}
				pk.b = append(pk.b, v)
			}
		}
	}
	return pk
}

// run evaluates packed individuals on the calling thread.
func (t *tail) run(pk *pack, loss []float64, correct []int32) error {
	rc := C.tail_eval(t.simd, C.int(len(t.w)), C.int(t.n), C.int(t.ldx),
		(*C.float)(&t.x[0]), (*C.int32_t)(&t.y[0]),
		(*C.int32_t)(&pk.rows[0]), (*C.int32_t)(&pk.ks[0]),
		(*C.int64_t)(&pk.woff[0]), (*C.int64_t)(&pk.boff[0]), (*C.int64_t)(&pk.ioff[0]),
		(*C.float)(&pk.w[0]), (*C.float)(&pk.b[0]), (*C.int32_t)(&pk.idx[0]),
		0, C.int(len(loss)), (*C.double)(&loss[0]), (*C.int32_t)(&correct[0]))
	if rc != 0 {
		return fmt.Errorf("fitness engine: out of memory")
	}
	return nil
}

// evaluate scores a population, split over the threads by cost.
func (t *tail) evaluate(masks []search.Mask) ([]search.Score, error) {
	kept := make([][][]int32, len(masks))
	cost := make([]int, len(masks))
	for p, m := range masks {
		k, err := t.keptUnits(m)
		if err != nil {
			return nil, err
		}
		kept[p], cost[p] = k, t.cost(k)
	}
	loss := make([]float64, len(masks))
	correct := make([]int32, len(masks))
	err := parallel(cost, t.threads, func(p0, p1 int) error {
		return t.run(t.pack(kept[p0:p1]), loss[p0:p1], correct[p0:p1])
	})
	if err != nil {
		return nil, err
	}
	return scores(loss, correct, t.n), nil
}

package fitness

// #cgo CFLAGS: -O3
// #cgo LDFLAGS: -lm
// #include "tail.h"
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// tail is the CPU engine for unit masks on a sequential tail of linear and
// convolution layers (ReLU and max-pooling between them, no batch norm)
// after the shared prefix: each individual runs its rebuilt layers, and
// only those, in C tiles that read their inputs through the individual's
// kept-unit taps (tail.c), so nothing is gathered and nothing is
// multiplied by zero. Threads split the samples.
type tail struct {
	x       []float32 // prefix activation, sample-minor: [rows × ldx], 64-byte aligned
	ldx     int       // row stride of x: samples rounded up to 16
	n, nb   int       // samples; samples per block
	y       []int32   // labels
	stages  []stage
	layers  []C.tail_layer
	sizes   []int // units per group
	threads int
	simd    C.int
}

// stage is one matrix-product layer of the tail.
type stage struct {
	w, b       []float32 // weight [out × rowLen] flattened, bias (zeros if none)
	out        int
	rowLen     int
	group      int      // masked group of its outputs, -1: all outputs kept
	unitRows   int      // input rows per input unit (positions of a channel)
	unitCols   int      // weight columns per input unit
	taps       [][2]int // (input row, weight column) of each tap within a unit
	positions  int      // output positions before pooling
	inW, outW  int
	pool       int
	relu       bool
	pooledArea int // output positions after pooling
}

const (
	tileRows = 6 // MR in tail.c
	tileCols = 16
)

// newTail returns the engine, or nil when the network after the prefix is
// not such a tail or does not run on the CPU. prefix is the activation
// before layer at, the first group's consumer.
func newTail(n *model.Net, groups []*model.Group, at int, prefix, y *ts.Tensor, threads int) *tail {
	if n.Device != gotch.CPU || len(groups) == 0 || prefix == nil {
		return nil
	}
	in := map[string]model.Shape{}
	model.Walk(n.Arch, func(path string, _ model.Layer, s, _ model.Shape) { in[path] = s })
	produced := map[string]int{}
	for g, grp := range groups {
		if grp.Tied || len(grp.Producers) != 1 || len(grp.Consumers) != 1 {
			return nil
		}
		if g > 0 {
			produced[grp.Producers[0]] = g
		}
	}
	if groups[0].Consumers[0].Path != fmt.Sprint(at) {
		return nil
	}
	t := &tail{threads: max(1, threads), simd: C.tail_simd()}
	for _, g := range groups {
		t.sizes = append(t.sizes, int(g.Size))
	}
	matched := 1 // group 0 feeds the first stage
	for i := at; i < len(n.Arch.Layers); i++ {
		l, path := n.Arch.Layers[i], fmt.Sprint(i)
		var last *stage
		if len(t.stages) > 0 {
			last = &t.stages[len(t.stages)-1]
		}
		switch {
		case l.Kind == model.KConv || l.Kind == model.KLinear:
			st, ok := newStage(n, l, path, in[path], last, groups[0].Consumers[0].Repeat)
			if !ok {
				return nil
			}
			st.group = -1
			if g, ok := produced[path]; ok {
				st.group = g
				matched++
			}
			if last != nil && last.group >= 0 && groups[last.group].Consumers[0].Path != path {
				return nil // the masked units have another reader
			}
			t.stages = append(t.stages, st)
		case l.Kind == model.KReLU && last != nil && !last.relu:
			last.relu = true
		case l.Kind == model.KMaxPool && last != nil && last.positions > 1 && last.pool == 0 &&
			l.Kernel == l.Stride && l.Pad == 0 && l.Kernel > 1:
			last.pool = int(l.Kernel)
			last.pooledArea = (last.positions / last.outW / last.pool) * (last.outW / last.pool)
		case l.Kind == model.KFlatten:
		default:
			return nil
		}
	}
	end := t.stages[len(t.stages)-1]
	if matched != len(groups) || end.positions != 1 || end.relu || end.pool != 0 || end.group >= 0 {
		return nil
	}
	for _, st := range t.stages {
		l := C.tail_layer{positions: C.int32_t(st.positions), in_w: C.int32_t(st.inW), out_w: C.int32_t(st.outW), pool: C.int32_t(st.pool)}
		if st.relu {
			l.relu = 1
		}
		t.layers = append(t.layers, l)
	}
	t.setInput(prefix, y)
	if int64(len(t.x)/t.ldx) != groups[0].Size*int64(t.stages[0].unitRows) {
		return nil
	}
	t.nb = t.blockSize()
	return t
}

// newStage describes a linear layer or a convolution (stride 1, no padding).
// prev is the stage before it (nil for the first); repeat is the first
// group's consumer columns per unit.
func newStage(n *model.Net, l model.Layer, path string, in model.Shape, prev *stage, repeat int64) (stage, bool) {
	st := stage{out: int(l.Out), w: model.Host(n.T[path+".weight"]), positions: 1, inW: 1, outW: 1}
	st.rowLen = len(st.w) / st.out
	if l.Bias {
		st.b = model.Host(n.T[path+".bias"])
	} else {
		st.b = make([]float32, st.out)
	}
	switch l.Kind {
	case model.KConv:
		if l.Stride != 1 || l.Pad != 0 {
			return st, false
		}
		k, h, w := int(l.Kernel), int(in[1]), int(in[2])
		oh, ow := h-k+1, w-k+1
		st.positions, st.inW, st.outW = oh*ow, w, ow
		st.unitRows, st.unitCols = h*w, k*k
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				st.taps = append(st.taps, [2]int{ky*w + kx, ky*k + kx})
			}
		}
	default:
		r := int(repeat)
		if prev != nil {
			r = prev.pooledArea
		}
		if r < 1 || st.rowLen%r != 0 {
			return st, false
		}
		st.unitRows, st.unitCols = r, r
		for j := 0; j < r; j++ {
			st.taps = append(st.taps, [2]int{j, j})
		}
	}
	st.pooledArea = st.positions
	return st, true
}

// setInput stores the prefix activation [N, ...] sample-minor and the labels.
func (t *tail) setInput(prefix, y *ts.Tensor) {
	size := prefix.MustSize()
	t.n = int(size[0])
	rows := int(model.Numel(size[1:]))
	t.ldx = (t.n + tileCols - 1) / tileCols * tileCols
	t.x = aligned(rows * t.ldx)
	h := model.Host(prefix)
	for i := 0; i < t.n; i++ {
		for r, v := range h[i*rows : (i+1)*rows] {
			t.x[r*t.ldx+i] = v
		}
	}
	for _, v := range model.Host(y) {
		t.y = append(t.y, int32(v))
	}
}

// blockSize is the most samples per block (64, 32 or 16) for which the
// widest layer's activations of a block stay within 256 KB of cache.
func (t *tail) blockSize() int {
	widest := 0
	for _, st := range t.stages {
		widest = max(widest, padRows(st.out)*st.positions)
	}
	for _, nb := range []int{64, 32} {
		if widest*nb*4 <= 256<<10 {
			return nb
		}
	}
	return 16
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

// rowsOf is stage l's output rows for an individual: its group's kept
// units, or all of them.
func (t *tail) rowsOf(kept [][]int32, l int) []int32 {
	st := t.stages[l]
	if st.group >= 0 {
		return kept[st.group]
	}
	rows := make([]int32, st.out)
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}

func padRows(r int) int { return (r + tileRows - 1) / tileRows * tileRows }

// pack gathers individuals' kept rows and taps into panels of tileRows
// rows, each [taps × tileRows], zero-padded.
func (t *tail) pack(kept [][][]int32) *pack {
	pk := &pack{}
	var cols []int
	for _, k := range kept {
		units := k[0] // input units: row index = unit (all present in the prefix)
		rank := false
		for l, st := range t.stages {
			rows := t.rowsOf(k, l)
			pk.ioff = append(pk.ioff, int64(len(pk.idx)))
			cols = cols[:0]
			for u, c := range units {
				if !rank {
					u = int(c)
				}
				for _, tp := range st.taps {
					pk.idx = append(pk.idx, int32(u*st.unitRows+tp[0]))
					cols = append(cols, int(c)*st.unitCols+tp[1])
				}
			}
			pk.rows = append(pk.rows, int32(len(rows)))
			pk.ks = append(pk.ks, int32(len(cols)))
			pk.woff = append(pk.woff, int64(len(pk.w)))
			pk.boff = append(pk.boff, int64(len(pk.b)))
			padded := padRows(len(rows))
			at := len(pk.w)
			pk.w = append(pk.w, make([]float32, padded*len(cols))...)
			for r, row := range rows {
				base := at + r/tileRows*tileRows*len(cols) + r%tileRows
				src := st.w[int(row)*st.rowLen:]
				for j, c := range cols {
					pk.w[base+j*tileRows] = src[c]
				}
			}
			for r := 0; r < padded; r++ {
				v := float32(0)
				if r < len(rows) {
					v = st.b[rows[r]]
				}
				pk.b = append(pk.b, v)
			}
			// The next stage reads this one's outputs, numbered by rank.
			units, rank = rows, true
		}
	}
	return pk
}

// run evaluates packed individuals on the calling thread.
func (t *tail) run(pk *pack, s0, s1 int, loss []float64, correct []int32) error {
	rc := C.tail_eval(t.simd, C.int(len(t.layers)), &t.layers[0], C.int(t.nb), C.int(t.n), C.int(t.ldx),
		(*C.float)(&t.x[0]), (*C.int32_t)(&t.y[0]),
		(*C.int32_t)(&pk.rows[0]), (*C.int32_t)(&pk.ks[0]),
		(*C.int64_t)(&pk.woff[0]), (*C.int64_t)(&pk.boff[0]), (*C.int64_t)(&pk.ioff[0]),
		(*C.float)(&pk.w[0]), (*C.float)(&pk.b[0]), (*C.int32_t)(&pk.idx[0]),
		0, C.int(len(loss)), C.int(s0), C.int(s1), (*C.double)(&loss[0]), (*C.int32_t)(&correct[0]))
	return engineError(rc)
}

// evaluate scores a population.
func (t *tail) evaluate(masks []search.Mask) ([]search.Score, error) {
	if len(masks) == 0 {
		return nil, nil
	}
	kept := make([][][]int32, len(masks))
	for p, m := range masks {
		k, err := keptUnits(m, t.sizes)
		if err != nil {
			return nil, err
		}
		kept[p] = k
	}
	// Threads take equal shares of the samples (whole blocks) for every
	// individual: measured as fast as giving each thread its own
	// individuals, and balanced for any population size.
	pk := t.pack(kept)
	blocks := (t.n + t.nb - 1) / t.nb
	loss, correct, err := splitBlocks(t.threads, blocks, len(masks), func(b0, b1 int, loss []float64, correct []int32) error {
		return t.run(pk, b0*t.nb, b1*t.nb, loss, correct)
	})
	if err != nil {
		return nil, err
	}
	return scores(loss, correct, t.n), nil
}

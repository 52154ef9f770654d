package fitness

// #cgo CFLAGS: -O3
// #include "cnn.h"
// #include "tail.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// cnn is the CPU engine for unit masks of convolutional networks, residual
// blocks and batch norm included (cnn.c): each individual's network runs
// from the input as a program of register-tiled convolutions (batch norm
// folded into them, ReLU and residual additions fused), max-pooling and
// global average pooling, reading only its kept channels. Threads split
// the samples. Networks it cannot run get no engine (newCNN returns nil).
type cnn struct {
	ops     []cnnOp
	sizes   []int // units per search group
	nb      int   // samples per block
	n       int
	blocks  int
	block   int // floats per input block
	buffer  int // floats per activation buffer
	buffers int
	x       []float32 // input blocks
	y       []int32
	in      [3]int // input channels, height, width
	border  int
	threads int
	simd    C.int
	// adapt: per mask, a function giving the re-estimated batch-norm
	// statistics of its network (adaptive BN); nil: the dense statistics.
	adapt   func(search.Mask) (map[string]bnStats, error)
	adaptBy string // where adapt runs, for the engine's name
}

// bnStats are one batch-norm layer's running statistics.
type bnStats struct{ mean, variance []float32 }

// cnnOp is one op of the program; counts per individual come from its groups.
type cnnOp struct {
	kind                 C.int32_t
	src, dst, res        int
	inH, inW, outH, outW int
	inBorder, outBorder  int
	kh, kw, stride, pad  int
	relu                 bool
	inGroup, outGroup    int // search group of the input / output channels; -1: all kept
	inAll, outAll        int // channels when all are kept
	// conv: dense weight [outAll × inAll·kh·kw], bias, and the folded batch
	// norm (bn: its path; gamma nil when there is none).
	bn                          string
	w, bias                     []float32
	gamma, beta, mean, variance []float32
}

// cnnAct is an activation during compilation.
type cnnAct struct {
	buf, c, h, w, group int
	nonNegative         bool // after a ReLU: max-pooling may pad with zeros
}

type cnnCompiler struct {
	n        *model.Net
	producer map[string]int // conv/linear path → search group of its outputs
	ops      []cnnOp
	pins     map[int]int // buffer → uses still pending
	inUse    []bool
	border   int
}

var errCNN = errors.New("not a network the CNN engine runs")

// newCNN returns the engine, or nil when the network does not run on the
// CPU or has a layer the engine does not know (see cnnCompiler.walk).
func newCNN(n *model.Net, groups []*model.Group, val *model.Batch, threads int) *cnn {
	if n.Device != gotch.CPU {
		return nil
	}
	c := &cnnCompiler{n: n, producer: map[string]int{}, pins: map[int]int{}}
	for gi, g := range groups {
		for _, p := range g.Producers {
			c.producer[p] = gi
		}
	}
	model.Walk(n.Arch, func(_ string, l model.Layer, _, _ model.Shape) {
		if l.Kind == model.KConv || l.Kind == model.KMaxPool {
			c.border = max(c.border, int(l.Pad))
		}
	})
	in := n.Arch.Input
	out, err := c.walk(n.Arch.Layers, "", cnnAct{buf: -1, c: int(in[0]), h: int(in[1]), w: int(in[2]), group: -1})
	if err != nil || len(c.ops) == 0 {
		return nil
	}
	last := &c.ops[len(c.ops)-1]
	if last.kind != C.CNN_CONV || last.relu || last.outGroup >= 0 || out.h != 1 || out.w != 1 {
		return nil
	}
	last.outBorder = 0
	e := &cnn{ops: c.ops, threads: max(1, threads), simd: C.tail_simd(), buffers: len(c.inUse),
		in: [3]int{int(in[0]), int(in[1]), int(in[2])}, border: c.border}
	for _, g := range groups {
		e.sizes = append(e.sizes, int(g.Size))
	}
	e.setBlocks(16, (val.N+15)/16)
	x := model.Host(val.X)
	for i := range val.N {
		e.place(x, i, i)
	}
	e.n = val.N
	for _, v := range model.Host(val.Y) {
		e.y = append(e.y, int32(v))
	}
	return e
}

// setBlocks sizes the engine for blocks of nb samples: activation buffers
// and zeroed input blocks.
func (e *cnn) setBlocks(nb, blocks int) {
	e.nb, e.blocks = nb, blocks
	e.buffer = 0
	for _, op := range e.ops {
		e.buffer = max(e.buffer, op.outAll*(op.outH+2*op.outBorder)*(op.outW+2*op.outBorder)*nb)
	}
	e.block = e.in[0] * (e.in[1] + 2*e.border) * (e.in[2] + 2*e.border) * nb
	e.x = aligned(blocks * e.block)
}

// place copies sample i of x ([N × C·H·W]) to slot `at` of the input
// blocks ([C × (H+2b) × (W+2b) × nb] each, samples minor).
func (e *cnn) place(x []float32, i, at int) {
	ch, h, w, b := e.in[0], e.in[1], e.in[2], e.border
	hp, wp := h+2*b, w+2*b
	blk := e.x[(at/e.nb)*e.block:]
	j := at % e.nb
	per := ch * h * w
	for c := 0; c < ch; c++ {
		for y := 0; y < h; y++ {
			for xx := 0; xx < w; xx++ {
				blk[((c*hp+y+b)*wp+xx+b)*e.nb+j] = x[i*per+(c*h+y)*w+xx]
			}
		}
	}
}

func (c *cnnCompiler) alloc() int {
	for i, used := range c.inUse {
		if !used {
			c.inUse[i] = true
			return i
		}
	}
	c.inUse = append(c.inUse, true)
	return len(c.inUse) - 1
}

// release frees a buffer once no pinned use remains (the input is never freed).
func (c *cnnCompiler) release(b int) {
	if b >= 0 && c.pins[b] == 0 {
		c.inUse[b] = false
	}
}

// walk compiles layers applied to cur and returns the result.
func (c *cnnCompiler) walk(ls []model.Layer, prefix string, cur cnnAct) (cnnAct, error) {
	for i := 0; i < len(ls); i++ {
		l, path := ls[i], fmt.Sprintf("%s%d", prefix, i)
		switch l.Kind {
		case model.KConv, model.KLinear:
			op, next, err := c.conv(l, path, cur)
			if err != nil {
				return cur, err
			}
			if i+1 < len(ls) && ls[i+1].Kind == model.KBN {
				i++
				c.fold(&op, fmt.Sprintf("%s%d", prefix, i))
			}
			if i+1 < len(ls) && ls[i+1].Kind == model.KReLU {
				i++
				op.relu, next.nonNegative = true, true
			}
			c.release(cur.buf)
			c.ops = append(c.ops, op)
			cur = next
		case model.KMaxPool:
			if !cur.nonNegative || int(l.Pad) > c.border {
				return cur, errCNN
			}
			op := c.spatial(C.CNN_POOL, cur)
			op.kh, op.kw, op.stride, op.pad = int(l.Kernel), int(l.Kernel), int(l.Stride), int(l.Pad)
			op.outH = (cur.h+2*op.pad-op.kh)/op.stride + 1
			op.outW = (cur.w+2*op.pad-op.kw)/op.stride + 1
			c.release(cur.buf)
			c.ops = append(c.ops, op)
			cur = cnnAct{buf: op.dst, c: cur.c, h: op.outH, w: op.outW, group: cur.group, nonNegative: true}
		case model.KGAP:
			op := c.spatial(C.CNN_GAP, cur)
			op.outH, op.outW = 1, 1
			c.release(cur.buf)
			c.ops = append(c.ops, op)
			cur = cnnAct{buf: op.dst, c: cur.c, h: 1, w: 1, group: cur.group, nonNegative: cur.nonNegative}
		case model.KFlatten:
			// A linear layer reads the whole map as one convolution window.
		case model.KBlock:
			var err error
			if cur, err = c.block(l, path, cur); err != nil {
				return cur, err
			}
		default: // batch norm or ReLU not after a conv / linear layer
			return cur, errCNN
		}
	}
	return cur, nil
}

// conv compiles a convolution or a linear layer (a convolution whose window
// is its whole input map).
func (c *cnnCompiler) conv(l model.Layer, path string, cur cnnAct) (cnnOp, cnnAct, error) {
	op := cnnOp{kind: C.CNN_CONV, src: cur.buf, res: -1, inH: cur.h, inW: cur.w,
		inBorder: c.border, outBorder: c.border, inGroup: cur.group, outGroup: -1,
		inAll: cur.c, outAll: int(l.Out), stride: 1}
	if g, ok := c.producer[path]; ok {
		op.outGroup = g
	}
	if l.Kind == model.KConv {
		if int(l.In) != cur.c {
			return op, cur, errCNN
		}
		op.kh, op.kw, op.stride, op.pad = int(l.Kernel), int(l.Kernel), int(l.Stride), int(l.Pad)
	} else {
		if int(l.In) != cur.c*cur.h*cur.w {
			return op, cur, errCNN
		}
		op.kh, op.kw = cur.h, cur.w
	}
	op.outH = (cur.h+2*op.pad-op.kh)/op.stride + 1
	op.outW = (cur.w+2*op.pad-op.kw)/op.stride + 1
	op.w = model.Host(c.n.T[path+".weight"])
	if b, ok := c.n.T[path+".bias"]; ok {
		op.bias = model.Host(b)
	} else {
		op.bias = make([]float32, op.outAll)
	}
	op.dst = c.alloc()
	return op, cnnAct{buf: op.dst, c: op.outAll, h: op.outH, w: op.outW, group: op.outGroup}, nil
}

// fold attaches the batch norm at path to the conv op before it.
func (c *cnnCompiler) fold(op *cnnOp, path string) {
	op.bn = path
	op.gamma = model.Host(c.n.T[path+".weight"])
	op.beta = model.Host(c.n.T[path+".bias"])
	op.mean = model.Host(c.n.T[path+".running_mean"])
	op.variance = model.Host(c.n.T[path+".running_var"])
}

func (c *cnnCompiler) spatial(kind C.int32_t, cur cnnAct) cnnOp {
	return cnnOp{kind: kind, src: cur.buf, dst: c.alloc(), res: -1, inH: cur.h, inW: cur.w,
		inBorder: c.border, outBorder: c.border, inGroup: cur.group, outGroup: cur.group,
		inAll: cur.c, outAll: cur.c}
}

// block compiles a residual block: the shortcut (if any), then the body,
// whose last convolution adds the shortcut and applies the block's ReLU.
func (c *cnnCompiler) block(l model.Layer, path string, x cnnAct) (cnnAct, error) {
	c.pins[x.buf]++
	s := x
	if len(l.Short) > 0 {
		var err error
		if s, err = c.walk(l.Short, path+".shortcut.", x); err != nil {
			return x, err
		}
	}
	c.pins[s.buf]++
	body, err := c.walk(l.Body, path+".body.", x)
	if err != nil {
		return x, err
	}
	last := &c.ops[len(c.ops)-1]
	if last.kind != C.CNN_CONV || last.relu || last.dst != body.buf || body.buf == s.buf ||
		body.group != s.group || body.c != s.c || body.h != s.h || body.w != s.w {
		return x, errCNN
	}
	last.res, last.relu = s.buf, true
	c.pins[x.buf]--
	c.pins[s.buf]--
	c.release(s.buf)
	c.release(x.buf)
	body.nonNegative = true
	return body, nil
}

// cnnPack is a population's programs in cnn_eval's layout.
type cnnPack struct {
	ops  []C.cnn_op
	w, b []float32
	off  []int64
	// train packs for calibration (cnn_calibrate): convs followed by batch
	// norm unfolded, their gamma and beta in g, statistics at bns' offsets.
	train bool
	g     []float32
	bns   []calibStats
	slen  int
}

// pack appends one individual's program: every conv's kept rows and kept
// input channels, batch norm folded with stats (nil: the dense statistics).
func (e *cnn) pack(pk *cnnPack, kept [][]int32, stats map[string]bnStats) error {
	all := func(n int) []int32 {
		r := make([]int32, n)
		for i := range r {
			r[i] = int32(i)
		}
		return r
	}
	for _, op := range e.ops {
		rows, units := all(op.outAll), all(op.inAll)
		if op.outGroup >= 0 {
			rows = kept[op.outGroup]
		}
		if op.inGroup >= 0 {
			units = kept[op.inGroup]
		}
		co := C.cnn_op{kind: op.kind, src: C.int32_t(op.src), dst: C.int32_t(op.dst), res: C.int32_t(op.res),
			in_c: C.int32_t(len(units)), in_h: C.int32_t(op.inH), in_w: C.int32_t(op.inW),
			out_c: C.int32_t(len(rows)), out_h: C.int32_t(op.outH), out_w: C.int32_t(op.outW),
			in_border: C.int32_t(op.inBorder), out_border: C.int32_t(op.outBorder),
			kh: C.int32_t(op.kh), kw: C.int32_t(op.kw), stride: C.int32_t(op.stride), pad: C.int32_t(op.pad)}
		if op.relu {
			co.relu = 1
		}
		if op.kind == C.CNN_CONV {
			var scale, shift []float32
			var err error
			if pk.train && op.gamma != nil {
				scale, shift = op.unfolded(rows, pk, &co)
			} else if scale, shift, err = op.folded(rows, stats); err != nil {
				return err
			}
			taps := op.kh * op.kw
			k := len(units) * taps
			co.k = C.int32_t(k)
			co.woff, co.boff, co.ioff = C.int64_t(len(pk.w)), C.int64_t(len(pk.b)), C.int64_t(len(pk.off))
			hp, wp := op.inH+2*op.inBorder, op.inW+2*op.inBorder
			for rank := range units {
				for t := 0; t < taps; t++ {
					pk.off = append(pk.off, int64(((rank*hp+t/op.kw)*wp+t%op.kw)*e.nb))
				}
			}
			padded := padRows(len(rows))
			at := len(pk.w)
			pk.w = append(pk.w, make([]float32, padded*k)...)
			rowLen := op.inAll * taps
			for r, row := range rows {
				base := at + r/tileRows*tileRows*k + r%tileRows
				src := op.w[int(row)*rowLen:]
				for u, unit := range units {
					for t := 0; t < taps; t++ {
						pk.w[base+(u*taps+t)*tileRows] = src[int(unit)*taps+t] * scale[r]
					}
				}
			}
			pk.b = append(pk.b, shift...)
			pk.b = append(pk.b, make([]float32, padded-len(rows))...)
		}
		pk.ops = append(pk.ops, co)
	}
	return nil
}

// folded gives the kept rows' scale and shift: the batch norm after the
// conv (eval mode) applied to its output, conv bias included. stats, when
// they hold this batch norm, are its statistics for the kept rows.
func (op *cnnOp) folded(rows []int32, stats map[string]bnStats) ([]float32, []float32, error) {
	pick := func(v []float32) []float32 {
		out := make([]float32, len(rows))
		for i, r := range rows {
			out[i] = v[r]
		}
		return out
	}
	bias := pick(op.bias)
	if op.gamma == nil {
		scale := make([]float32, len(rows))
		for i := range scale {
			scale[i] = 1
		}
		return scale, bias, nil
	}
	mean, variance := pick(op.mean), pick(op.variance)
	if s, ok := stats[op.bn]; ok {
		if len(s.mean) != len(rows) || len(s.variance) != len(rows) {
			return nil, nil, fmt.Errorf("fitness engine: %s: %d statistics for %d channels", op.bn, len(s.mean), len(rows))
		}
		mean, variance = s.mean, s.variance
	}
	scale, shift := model.BNFold(bias, pick(op.gamma), pick(op.beta), mean, variance)
	return scale, shift, nil
}

// unfolded gives the kept rows' scale (1) and shift (the conv bias) for a
// conv whose batch norm cnn_calibrate applies itself, and records where its
// gamma, beta and statistics go.
func (op *cnnOp) unfolded(rows []int32, pk *cnnPack, co *C.cnn_op) ([]float32, []float32) {
	scale, shift := make([]float32, len(rows)), make([]float32, len(rows))
	co.bn, co.goff, co.soff = 1, C.int64_t(len(pk.g)), C.int64_t(pk.slen)
	for i, r := range rows {
		scale[i], shift[i] = 1, op.bias[r]
		pk.g = append(pk.g, op.gamma[r])
	}
	for _, r := range rows {
		pk.g = append(pk.g, op.beta[r])
	}
	pk.bns = append(pk.bns, calibStats{path: op.bn, at: pk.slen, n: len(rows)})
	pk.slen += 2 * len(rows)
	return scale, shift
}

// evaluate scores a population.
func (e *cnn) evaluate(masks []search.Mask) ([]search.Score, error) {
	return e.run(masks, nil)
}

// Predict classifies b with n's whole network on the CPU engine: every
// sample's predicted class. ok is false when the engine cannot run n (not on
// the CPU, a layer it does not know, or unit masks, which it would ignore).
func Predict(n *model.Net, b *model.Batch, threads int) (pred []int32, ok bool, err error) {
	if n.HasUnitMasks() || b.N == 0 {
		return nil, false, nil
	}
	e := newCNN(n, nil, b, threads)
	if e == nil {
		return nil, false, nil
	}
	pred = make([]int32, b.N)
	_, err = e.run([]search.Mask{search.NewMask(0)}, pred)
	return pred, err == nil, err
}

// run scores masks; pred, if not nil, gets the first mask's predictions.
func (e *cnn) run(masks []search.Mask, pred []int32) ([]search.Score, error) {
	if len(masks) == 0 {
		return nil, nil
	}
	pk := &cnnPack{}
	for _, m := range masks {
		kept, err := keptUnits(m, e.sizes)
		if err != nil {
			return nil, err
		}
		var stats map[string]bnStats
		if e.adapt != nil {
			if stats, err = e.adapt(m); err != nil {
				return nil, err
			}
		}
		if err := e.pack(pk, kept, stats); err != nil {
			return nil, err
		}
	}
	pk.w = append(pk.w, 0) // never empty
	pk.b = append(pk.b, 0)
	pk.off = append(pk.off, 0)
	// net holds pointers to Go memory: pinned for the call.
	var pin runtime.Pinner
	pin.Pin(&e.x[0])
	pin.Pin(&e.y[0])
	defer pin.Unpin()
	var predPtr *C.int32_t
	if pred != nil {
		pin.Pin(&pred[0])
		predPtr = (*C.int32_t)(&pred[0])
	}
	net := C.cnn_net{ops: C.int32_t(len(e.ops)), buffers: C.int32_t(e.buffers), nb: C.int32_t(e.nb),
		n: C.int32_t(e.n), simd: C.int32_t(e.simd), block: C.int64_t(e.block), buffer: C.int64_t(e.buffer),
		x: (*C.float)(&e.x[0]), y: (*C.int32_t)(&e.y[0]), pred: predPtr}
	loss, correct, err := splitBlocks(e.threads, e.blocks, len(masks), func(b0, b1 int, loss []float64, correct []int32) error {
		rc := C.cnn_eval(&net, &pk.ops[0], (*C.float)(&pk.w[0]), (*C.float)(&pk.b[0]),
			(*C.int64_t)(unsafe.Pointer(&pk.off[0])), 0, C.int(len(masks)), C.int(b0), C.int(b1),
			(*C.double)(&loss[0]), (*C.int32_t)(&correct[0]))
		return engineError(rc)
	})
	if err != nil {
		return nil, err
	}
	return scores(loss, correct, e.n), nil
}

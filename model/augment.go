package model

import (
	"math/rand"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Augment is training-time data augmentation of image batches, done on the
// batch's device with two gathers per batch (few large ops: each gotch op
// costs ~14 µs here).
type Augment struct {
	// Crop > 0: pad by Crop pixels on every side, then cut a random window
	// of the original size (the CIFAR recipe: 4).
	Crop int
	Flip bool // random horizontal flip, probability 1/2
}

// On says whether the augmentation changes anything.
func (a Augment) On() bool { return a.Crop > 0 || a.Flip }

// apply returns an augmented copy of the image batch x [b, C, H, W]; fill
// is the padding per channel (the batch's Black); rng draws the windows and
// flips. x is not modified.
func (a Augment) apply(x *ts.Tensor, fill []float32, rng *rand.Rand) *ts.Tensor {
	size := x.MustSize()
	b, c, h, w := size[0], size[1], size[2], size[3]
	p := int64(a.Crop)
	dy, dx, flip := make([]int64, b), make([]int64, b), make([]bool, b)
	for i := range dy {
		if p > 0 {
			dy[i], dx[i] = rng.Int63n(2*p+1), rng.Int63n(2*p+1)
		}
		if a.Flip {
			flip[i] = rng.Intn(2) == 1
		}
	}
	src := x
	if p > 0 {
		src = pad(x, fill, c, p)
	}
	wp := w + 2*p
	// Rows: out[i, :, r, :] = src[i, :, dy_i + r, :].
	cur := src
	if p > 0 {
		rows := make([]int64, 0, b*h*wp)
		for i := int64(0); i < b; i++ {
			for r := int64(0); r < h; r++ {
				for j := int64(0); j < wp; j++ {
					rows = append(rows, dy[i]+r)
				}
			}
		}
		cur = gatherAlong(src, 2, rows, []int64{b, 1, h, wp}, []int64{b, c, h, wp})
		src.MustDrop()
	}
	// Columns, with the flip: out[i, :, :, k] = cur[i, :, :, dx_i + k or dx_i + w-1-k].
	cols := make([]int64, 0, b*h*w)
	for i := int64(0); i < b; i++ {
		for r := int64(0); r < h; r++ {
			for k := int64(0); k < w; k++ {
				if flip[i] {
					cols = append(cols, dx[i]+w-1-k)
				} else {
					cols = append(cols, dx[i]+k)
				}
			}
		}
	}
	out := gatherAlong(cur, 3, cols, []int64{b, 1, h, w}, []int64{b, c, h, w})
	if cur != x {
		cur.MustDrop()
	}
	return out
}

// pad surrounds x by p pixels of fill (per channel) on every side.
func pad(x *ts.Tensor, fill []float32, c, p int64) *ts.Tensor {
	if int64(len(fill)) != c {
		return x.MustConstantPadNd([]int64{p, p, p, p}, false)
	}
	f := FromHost(fill, []int64{1, c, 1, 1}, x.MustDevice())
	defer f.MustDrop()
	shifted := x.MustSub(f, false)
	padded := shifted.MustConstantPadNd([]int64{p, p, p, p}, true)
	return padded.MustAdd(f, true)
}

// gatherAlong gathers x along dim with host indices of shape small,
// broadcast over the channels to full.
func gatherAlong(x *ts.Tensor, dim int64, idx []int64, small, full []int64) *ts.Tensor {
	t := ts.MustOfSlice(idx).MustView(small, true)
	if dev := x.MustDevice(); dev != gotch.CPU {
		t = t.MustTo(dev, true)
	}
	e := t.MustExpand(full, false, true)
	out := x.MustGather(dim, e, false, false)
	e.MustDrop()
	return out
}

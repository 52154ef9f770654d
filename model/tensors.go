package model

import (
	"github.com/evoprune/evoprune/data"
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Batch holds a dataset as tensors on a device: X [N, C, H, W], Y [N] int64.
type Batch struct {
	X, Y *ts.Tensor
	N    int
	// Black is the normalised value of a black pixel per channel (image
	// augmentation pads with it); nil: 0.
	Black []float32
}

// ToDevice copies a data set to dev once, so batches are gathered there.
func ToDevice(s *data.Set, dev gotch.Device) *Batch {
	shape := []int64{int64(s.N), int64(s.Shape[0]), int64(s.Shape[1]), int64(s.Shape[2])}
	y := make([]int64, s.N)
	for i, v := range s.Y {
		y[i] = int64(v)
	}
	yt := ts.MustOfSlice(y)
	if dev != gotch.CPU {
		yt = yt.MustTo(dev, true)
	}
	return &Batch{X: FromHost(s.X, shape, dev), Y: yt, N: s.N, Black: s.Black}
}

// Drop frees the tensors.
func (b *Batch) Drop() {
	b.X.MustDrop()
	b.Y.MustDrop()
}

// Narrow returns rows [start, start+n) as views.
func (b *Batch) Narrow(start, n int) *Batch {
	return &Batch{X: b.X.MustNarrow(0, int64(start), int64(n), false), Y: b.Y.MustNarrow(0, int64(start), int64(n), false), N: n, Black: b.Black}
}

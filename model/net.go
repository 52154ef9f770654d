package model

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Net is an Arch with its parameters on a device.
//
// Parameters are plain libtorch tensors named by layer path ("1.weight",
// "3.body.0.weight"); gotch's nn layers are not used because their
// initialisers differ from PyTorch's and rebuild needs direct access.
type Net struct {
	Arch   Arch
	Device gotch.Device
	names  []string
	T      map[string]*ts.Tensor
	buffer map[string]bool // running statistics: saved, not trained

	// unitMasks multiply the output of the layer at a path by a 0/1 vector
	// (the "masked network" of a unit mask).
	unitMasks map[string]*ts.Tensor
	// WeightMasks are 0/1 tensors shaped like weights; Remask zeroes the
	// pruned weights again after an optimiser step.
	WeightMasks map[string]*ts.Tensor
	// taps see (and may replace) the output of the layer at a path, after
	// its unit mask: how criteria measure activations anywhere in the net.
	taps map[string]func(*ts.Tensor) *ts.Tensor
	// bnMomentum overrides batch norm's running-statistics momentum (0:
	// PyTorch's 0.1); RecalibrateBN uses it for cumulative averages.
	bnMomentum float64
	// EvalBatch is the samples per inference pass (0: DefaultEvalBatch);
	// networks derived by Clone and Rebuild inherit it.
	EvalBatch int
}

// Init names a weight initialisation.
type Init string

const (
	InitDefault      Init = "default"       // PyTorch's: kaiming-uniform a=√5, i.e. U(±1/√fan_in); biases U(±1/√fan_in)
	InitGlorotNormal Init = "glorot-normal" // N(0, 2/(fan_in+fan_out)), biases 0 (Lottery Ticket)
)

// New allocates a network of arch a on dev, initialised from seed.
func New(a Arch, dev gotch.Device, init Init, seed int64) (*Net, error) {
	if init == "" {
		init = InitDefault
	}
	if init != InitDefault && init != InitGlorotNormal {
		return nil, fmt.Errorf("unknown init %q (default | glorot-normal)", init)
	}
	n := &Net{Arch: a, Device: dev, T: map[string]*ts.Tensor{}, buffer: map[string]bool{}}
	rng := rand.New(rand.NewSource(seed))
	Walk(a, func(path string, l Layer, _, _ Shape) {
		switch l.Kind {
		case KLinear, KConv:
			shape := weightShape(l)
			fanIn := Numel(shape) / l.Out
			fanOut := Numel(shape) / l.In
			if init == InitGlorotNormal {
				std := math.Sqrt(2 / float64(fanIn+fanOut))
				n.add(path+".weight", normal(rng, shape, std), false)
				if l.Bias {
					n.add(path+".bias", fill(l.Out, 0), false)
				}
				return
			}
			bound := 1 / math.Sqrt(float64(fanIn))
			n.add(path+".weight", uniform(rng, shape, bound), false)
			if l.Bias {
				n.add(path+".bias", uniform(rng, []int64{l.Out}, bound), false)
			}
		case KBN:
			n.add(path+".weight", fill(l.Out, 1), false)
			n.add(path+".bias", fill(l.Out, 0), false)
			n.add(path+".running_mean", fill(l.Out, 0), true)
			n.add(path+".running_var", fill(l.Out, 1), true)
		}
	})
	return n, nil
}

type hostTensor struct {
	data  []float32
	shape []int64
}

func uniform(rng *rand.Rand, shape []int64, bound float64) hostTensor {
	d := make([]float32, Numel(shape))
	for i := range d {
		d[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return hostTensor{d, shape}
}

func normal(rng *rand.Rand, shape []int64, std float64) hostTensor {
	d := make([]float32, Numel(shape))
	for i := range d {
		d[i] = float32(rng.NormFloat64() * std)
	}
	return hostTensor{d, shape}
}

func fill(n int64, v float32) hostTensor {
	d := make([]float32, n)
	for i := range d {
		d[i] = v
	}
	return hostTensor{d, []int64{n}}
}

func (n *Net) add(name string, h hostTensor, buffer bool) {
	n.set(name, FromHost(h.data, h.shape, n.Device), buffer)
}

func (n *Net) set(name string, t *ts.Tensor, buffer bool) {
	if !buffer {
		t = t.MustSetRequiresGrad(true, true)
	}
	if _, ok := n.T[name]; !ok {
		n.names = append(n.names, name)
	}
	n.T[name] = t
	n.buffer[name] = buffer
}

// FromHost copies a float32 slice into a tensor of the given shape on dev.
func FromHost(data []float32, shape []int64, dev gotch.Device) *ts.Tensor {
	t := ts.MustOfSlice(data).MustView(shape, true)
	if dev != gotch.CPU {
		t = t.MustTo(dev, true)
	}
	return t
}

// HasUnitMasks reports whether n is the masked network of a unit mask.
func (n *Net) HasUnitMasks() bool { return len(n.unitMasks) > 0 }

// Names lists parameter and buffer names in creation (forward) order.
func (n *Net) Names() []string { return append([]string(nil), n.names...) }

// Trainable returns the tensors the optimiser updates.
func (n *Net) Trainable() []*ts.Tensor {
	var out []*ts.Tensor
	for _, k := range n.names {
		if !n.buffer[k] {
			out = append(out, n.T[k])
		}
	}
	return out
}

// IsBuffer reports whether a named tensor is a running statistic.
func (n *Net) IsBuffer(name string) bool { return n.buffer[name] }

// PrunableNames lists the weights of linear and conv layers, in forward order.
func (n *Net) PrunableNames() []string {
	var out []string
	Walk(n.Arch, func(path string, l Layer, _, _ Shape) {
		if l.Kind == KLinear || l.Kind == KConv {
			out = append(out, path+".weight")
		}
	})
	return out
}

// Host returns a tensor's values as float32.
func Host(t *ts.Tensor) []float32 {
	c := t.MustDetach(false).MustTo(gotch.CPU, true).MustTotype(gotch.Float, true).MustContiguous(true)
	defer c.MustDrop()
	// A plain copy of the storage: gotch's CopyData first checks the
	// destination element by element through reflection (0.4 s for 31 MB).
	out := make([]float32, c.Numel())
	if len(out) > 0 {
		copy(out, unsafe.Slice((*float32)(c.MustDataPtr()), len(out)))
	}
	return out
}

// Drop frees every tensor of the network.
func (n *Net) Drop() {
	for _, t := range n.T {
		t.MustDrop()
	}
	for _, t := range n.unitMasks {
		t.MustDrop()
	}
	for _, t := range n.WeightMasks {
		t.MustDrop()
	}
	n.T, n.unitMasks, n.WeightMasks = nil, nil, nil
}

// Clone deep-copies the network (masks included) on the same device. The
// copy is made without grad recording: a copy recorded by autograd
// (detach_copy has no derivative) could not be trained.
func (n *Net) Clone() (c *Net) {
	NoGrad(func() { c = n.clone() })
	return c
}

func (n *Net) clone() *Net {
	c := &Net{Arch: n.Arch.Clone(), Device: n.Device, T: map[string]*ts.Tensor{}, buffer: map[string]bool{}, EvalBatch: n.EvalBatch}
	for _, k := range n.names {
		c.set(k, n.T[k].MustDetachCopy(false), n.buffer[k])
	}
	for k, m := range n.unitMasks {
		c.setUnitMask(k, m.MustShallowClone())
	}
	for k, m := range n.WeightMasks {
		if c.WeightMasks == nil {
			c.WeightMasks = map[string]*ts.Tensor{}
		}
		c.WeightMasks[k] = m.MustShallowClone()
	}
	return c
}

func (n *Net) setUnitMask(path string, m *ts.Tensor) {
	if n.unitMasks == nil {
		n.unitMasks = map[string]*ts.Tensor{}
	}
	if old, ok := n.unitMasks[path]; ok {
		old.MustDrop()
	}
	n.unitMasks[path] = m
}

// Describe summarises the network in one line, e.g. "lenet300-100 [784 300 100 10]".
func (n *Net) Describe() string {
	w := n.Arch.Widths()
	s := make([]string, len(w))
	for i, x := range w {
		s[i] = fmt.Sprint(x)
	}
	return fmt.Sprintf("%s [%s]", n.Arch.Name, strings.Join(s, " "))
}

// sortedKeys is used where map order would make results depend on chance.
func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

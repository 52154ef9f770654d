package model

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestMain(m *testing.M) {
	runtime.LockOSThread()
	os.Exit(m.Run())
}

var mnist = [3]int64{1, 28, 28}

func build(t *testing.T, s Spec) Arch {
	t.Helper()
	a, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParamCounts(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want int64
	}{
		{Spec{Arch: "lenet300-100", Input: mnist, Classes: 10}, 266610},
		{Spec{Arch: "lenet5", Input: mnist, Classes: 10}, 431080},
		{Spec{Arch: "mlp", Widths: []int64{64, 32}, Input: mnist, Classes: 10}, 784*64 + 64 + 64*32 + 32 + 32*10 + 10},
		// CIFAR ResNet-20 with projection shortcuts (1x1 conv + BN) where the shape changes.
		{Spec{Arch: "resnet20", Input: [3]int64{3, 32, 32}, Classes: 10}, 272474},
		// torchvision's resnet18 with a 10-class head.
		{Spec{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10}, 11181642},
	} {
		if got := Params(build(t, c.spec)); got != c.want {
			t.Errorf("%s: %d params, want %d", c.spec.Arch, got, c.want)
		}
	}
}

func TestFLOPs(t *testing.T) {
	a := build(t, Spec{Arch: "lenet300-100", Input: mnist, Classes: 10})
	if got, want := FLOPs(a), int64(2*(784*300+300*100+100*10)); got != want {
		t.Errorf("lenet300 FLOPs %d, want %d", got, want)
	}
	a = build(t, Spec{Arch: "lenet5", Input: mnist, Classes: 10})
	want := int64(2 * (20*25*24*24 + 50*20*25*8*8 + 800*500 + 500*10))
	if got := FLOPs(a); got != want {
		t.Errorf("lenet5 FLOPs %d, want %d", got, want)
	}
}

// PyTorch's default init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// so the standard deviation is bound/sqrt(3).
func TestInitStatistics(t *testing.T) {
	a := build(t, Spec{Arch: "lenet300-100", Input: mnist, Classes: 10})
	n, err := New(a, gotch.CPU, InitDefault, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Drop()
	w := Host(n.T["1.weight"])
	bound := 1 / math.Sqrt(784)
	var mean, sq, maxAbs float64
	for _, v := range w {
		mean += float64(v)
		sq += float64(v) * float64(v)
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	mean /= float64(len(w))
	std := math.Sqrt(sq/float64(len(w)) - mean*mean)
	if math.Abs(mean) > 1e-3 || math.Abs(std-bound/math.Sqrt(3))/(bound/math.Sqrt(3)) > 0.01 || maxAbs > bound {
		t.Errorf("fc1 weights: mean %.5f std %.5f max %.5f; want 0, %.5f, <= %.5f", mean, std, maxAbs, bound/math.Sqrt(3), bound)
	}
	g, err := New(a, gotch.CPU, InitGlorotNormal, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Drop()
	w = Host(g.T["3.weight"])
	sq = 0
	for _, v := range w {
		sq += float64(v) * float64(v)
	}
	want := math.Sqrt(2.0 / (300 + 100))
	if got := math.Sqrt(sq / float64(len(w))); math.Abs(got-want)/want > 0.02 {
		t.Errorf("glorot fc2 std %.5f, want %.5f", got, want)
	}
}

func randomInput(a Arch, batch int64, seed int64) *ts.Tensor {
	rng := rand.New(rand.NewSource(seed))
	h := normal(rng, []int64{batch, a.Input[0], a.Input[1], a.Input[2]}, 1)
	return FromHost(h.data, h.shape, gotch.CPU)
}

func randomMask(groups []*Group, keep float64, rng *rand.Rand) UnitMask {
	m := UnitMask{}
	for _, g := range groups {
		k := make([]bool, g.Size)
		any := false
		for i := range k {
			k[i] = rng.Float64() < keep
			any = any || k[i]
		}
		if !any {
			k[0] = true
		}
		m[g.Name] = k
	}
	return m
}

func maxAbsDiff(a, b *ts.Tensor) float64 {
	d := a.MustSub(b, false).MustAbs(true)
	defer d.MustDrop()
	v := Host(d)
	var m float64
	for _, x := range v {
		m = math.Max(m, float64(x))
	}
	return m
}

// Rebuilding a random unit mask gives a smaller network that computes what
// the masked network computes, for every architecture.
func TestRebuildEquivalence(t *testing.T) {
	for _, s := range []Spec{
		{Arch: "lenet300-100", Input: mnist, Classes: 10},
		{Arch: "lenet5", Input: mnist, Classes: 10},
		{Arch: "resnet20", Input: [3]int64{3, 32, 32}, Classes: 10},
		{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10},
		{Arch: "resnet56", Input: [3]int64{3, 16, 16}, Classes: 10},
		{Arch: "resnet18-cifar", Input: [3]int64{3, 16, 16}, Classes: 10},
		{Arch: "vgg16-bn", Input: [3]int64{3, 32, 32}, Classes: 10},
	} {
		t.Run(s.Arch, func(t *testing.T) {
			a := build(t, s)
			n, err := New(a, gotch.CPU, InitDefault, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Drop()
			// Non-trivial batch-norm statistics, so removing channels is tested for real.
			x := randomInput(a, 8, 5)
			defer x.MustDrop()
			NoGrad(func() { n.Forward(x, true).MustDrop() })
			groups := Groups(a)
			if len(groups) == 0 {
				t.Fatal("no prunable groups")
			}
			m := randomMask(groups, 0.5, rand.New(rand.NewSource(1)))
			r, err := n.Rebuild(m)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Drop()
			if err := n.SetUnitMask(m); err != nil {
				t.Fatal(err)
			}
			var d float64
			NoGrad(func() {
				y1 := n.Forward(x, false)
				y2 := r.Forward(x, false)
				d = maxAbsDiff(y1, y2)
				y1.MustDrop()
				y2.MustDrop()
			})
			if d > 1e-4 {
				t.Errorf("max |masked - rebuilt| = %g", d)
			}
			if Params(r.Arch) >= Params(a) || FLOPs(r.Arch) >= FLOPs(a) {
				t.Errorf("rebuilt not smaller: params %d -> %d, flops %d -> %d", Params(a), Params(r.Arch), FLOPs(a), FLOPs(r.Arch))
			}
		})
	}
}

func TestResNetTiedGroups(t *testing.T) {
	a := build(t, Spec{Arch: "resnet20", Input: [3]int64{3, 32, 32}, Classes: 10})
	var tied, inner int
	for _, g := range Groups(a) {
		if g.Tied {
			tied++
		} else {
			inner++
		}
	}
	// Three residual streams (one per stage) and one inner group per block.
	if tied != 3 || inner != 9 {
		t.Errorf("resnet20: %d tied and %d inner groups, want 3 and 9", tied, inner)
	}
	// Deeper ones: still three streams, one inner group per block; VGG's
	// channels are all free (13 conv layers and the hidden linear layer).
	for arch, want := range map[string][2]int{"resnet56": {3, 27}, "resnet110": {3, 54}, "resnet18-cifar": {4, 8}, "vgg16-bn": {0, 14}} {
		tied, inner = 0, 0
		for _, g := range Groups(build(t, Spec{Arch: arch, Input: [3]int64{3, 32, 32}, Classes: 10})) {
			if g.Tied {
				tied++
			} else {
				inner++
			}
		}
		if tied != want[0] || inner != want[1] {
			t.Errorf("%s: %d tied and %d inner groups, want %d and %d", arch, tied, inner, want[0], want[1])
		}
	}
}

func TestSameSeedSameWeightsAndSaveLoad(t *testing.T) {
	a := build(t, Spec{Arch: "lenet5", Input: mnist, Classes: 10})
	n1, _ := New(a, gotch.CPU, InitDefault, 11)
	n2, _ := New(a, gotch.CPU, InitDefault, 11)
	defer n1.Drop()
	defer n2.Drop()
	for _, k := range n1.Names() {
		if d := maxAbsDiff(n1.T[k], n2.T[k]); d != 0 {
			t.Fatalf("%s differs by %g for the same seed", k, d)
		}
	}
	path := filepath.Join(t.TempDir(), "model.ot")
	if err := n1.Save(path); err != nil {
		t.Fatal(err)
	}
	n3, err := Load(a, path, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer n3.Drop()
	for _, k := range n1.Names() {
		if d := maxAbsDiff(n1.T[k], n3.T[k]); d != 0 {
			t.Fatalf("%s differs by %g after save/load", k, d)
		}
	}
	other := build(t, Spec{Arch: "lenet300-100", Input: mnist, Classes: 10})
	if _, err := Load(other, path, gotch.CPU); err == nil {
		t.Fatal("loading lenet5 weights into lenet300-100 succeeded")
	}
}

// Least-squares refit brings the consumer's pre-activations closer to the
// dense network's than the plain rebuild does.
func TestRefitReducesReconstructionError(t *testing.T) {
	a := build(t, Spec{Arch: "mlp", Widths: []int64{48, 24}, Input: [3]int64{1, 8, 8}, Classes: 10})
	dense, _ := New(a, gotch.CPU, InitDefault, 2)
	defer dense.Drop()
	groups := Groups(a)
	m := randomMask(groups, 0.5, rand.New(rand.NewSource(3)))
	x := randomInput(a, 400, 9)
	defer x.MustDrop()
	errOf := func(n *Net) float64 {
		var d float64
		NoGrad(func() {
			ya, yb := dense.Forward(x, false), n.Forward(x, false)
			diff := ya.MustSub(yb, true)
			sq := diff.MustMul(diff, true).MustMean(gotch.Float, true)
			d = float64(Host(sq)[0])
			sq.MustDrop()
			yb.MustDrop()
		})
		return d
	}
	r, _ := dense.Rebuild(m)
	defer r.Drop()
	before := errOf(r)
	k, err := Refit(r, dense, m, x, 1e-3)
	if err != nil || k != 2 {
		t.Fatalf("refit: %d layers, %v", k, err)
	}
	after := errOf(r)
	if !(after < 0.8*before) {
		t.Errorf("output MSE vs dense: %.5f before refit, %.5f after", before, after)
	}
}

func TestLoadArchRejectsUnknownKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arch.json")
	os.WriteFile(path, []byte(`{"name":"x","input":[1,8,8],"classes":2,"layers":[{"kind":"flatten"},{"kind":"block","body":[{"kind":"softplus"}]}]}`), 0o644)
	if _, err := LoadArch(path); err == nil || !strings.Contains(err.Error(), `layer 1.body.0: unknown kind "softplus"`) {
		t.Fatalf("error %v", err)
	}
}

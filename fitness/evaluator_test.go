package fitness

import (
	"math"
	"math/rand"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func TestMain(m *testing.M) {
	runtime.LockOSThread()
	os.Exit(m.Run())
}

// setup trains nothing: a randomly initialised network on synthetic data is
// enough for the evaluators to disagree if either is wrong.
func setup(t *testing.T, spec model.Spec) (*model.Net, *model.Batch) {
	t.Helper()
	sp, err := data.Load(data.Config{Dataset: "synthetic", Validation: 500, Seed: 2, SyntheticSamples: 2000,
		SyntheticShape: [3]int{int(spec.Input[0]), int(spec.Input[1]), int(spec.Input[2])}, SyntheticClasses: 10})
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	n, err := model.New(a, gotch.CPU, model.InitDefault, 4)
	if err != nil {
		t.Fatal(err)
	}
	return n, model.ToDevice(sp.Val, gotch.CPU)
}

func randomMasks(space search.Space, count int, seed int64) []search.Mask {
	rng := rand.New(rand.NewSource(seed))
	var out []search.Mask
	for i := 0; i < count; i++ {
		m := search.NewMask(space.N())
		off := space.Offsets()
		for s, seg := range space.Segments {
			keep := 1 + rng.Intn(seg.Size)
			for _, j := range rng.Perm(seg.Size)[:keep] {
				m.Set(off[s]+j, true)
			}
		}
		out = append(out, m)
	}
	return out
}

// The engine (shared prefix, physical slicing, batched individuals) and the
// naive evaluator (full masked forward per mask) agree on every individual.
func TestEngineAgreesWithNaive(t *testing.T) {
	for _, c := range []struct {
		spec   model.Spec
		kind   Granularity
		conv   bool
		inputs bool // input features as units (a select layer)
	}{
		{model.Spec{Arch: "mlp", Widths: []int64{40, 30, 20}, Input: [3]int64{1, 8, 8}, Classes: 10}, Units, false, false},
		{model.Spec{Arch: "mlp", Widths: []int64{40, 30, 20}, Input: [3]int64{1, 8, 8}, Classes: 10}, Units, false, true},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10}, Units, true, false},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 28, 28}, Classes: 10}, Units, true, false},
		{model.Spec{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10}, Units, true, false},
		{model.Spec{Arch: "resnet20", Input: [3]int64{1, 12, 12}, Classes: 10}, Units, true, false},
		{model.Spec{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10}, Units, true, false},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10}, Units, false, false},
		{model.Spec{Arch: "mlp", Widths: []int64{24}, Input: [3]int64{1, 8, 8}, Classes: 10}, Weights, false, false},
		{model.Spec{Arch: "mlp", Widths: []int64{40, 30}, Input: [3]int64{1, 8, 8}, Classes: 10}, Weights, false, false},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10}, Weights, false, false},
	} {
		n, val := setup(t, c.spec)
		if c.inputs {
			sel, err := model.InsertSelect(n)
			if err != nil {
				t.Fatal(err)
			}
			n.Drop()
			n = sel
		}
		if n.HasBN() {
			realisticBN(t, n, val)
		}
		var groups []*model.Group
		for _, g := range model.Groups(n.Arch) {
			if g.Conv == c.conv {
				groups = append(groups, g)
			}
		}
		space, err := Space(n, c.kind, groups, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		count := 12
		if c.spec.Arch == "resnet18" {
			count = 3
		}
		masks := randomMasks(space, count, 1)
		naive := NewEvaluator(n, c.kind, groups, val, true)
		engine := NewEvaluator(n, c.kind, groups, val, false)
		a, err := naive.Evaluate(masks)
		if err != nil {
			t.Fatal(err)
		}
		engines := map[string]func([]search.Mask) ([]search.Score, error){"engine": engine.Evaluate}
		if c.kind == Units {
			// Networks with batch norm go to the CNN engine, the rest to the tail engine.
			conv, _ := engine.engine.(*cnn)
			tiles, _ := engine.engine.(*tail)
			if (conv != nil) != n.HasBN() || (tiles != nil) == n.HasBN() {
				t.Fatalf("%s: engine %q", c.spec.Arch, engine.Engine())
			}
			// Portable tiles, and more threads than sample blocks.
			if e := conv; e != nil {
				generic, many := *e, *e
				generic.simd, many.threads = 0, 64
				engines["generic conv tiles"], engines["64 threads"] = generic.evaluate, many.evaluate
			}
			if e := tiles; e != nil {
				generic, many := *e, *e
				generic.simd, many.threads = 0, 16
				engines["generic tiles"], engines["16 threads"] = generic.evaluate, many.evaluate
				// The C side's return codes reach Go as distinct errors.
				bad := *e
				bad.nb = 8
				if _, err := bad.evaluate(masks); err == nil || !strings.Contains(err.Error(), "bad block size") {
					t.Errorf("tail engine with blocks of 8 samples: %v, want a block-size error", err)
				}
			}
		}
		if c.spec.Arch == "mlp" && c.kind == Units {
			// The torch chain (what GPUs run).
			ch := newChain(n, groups, engine.prefix, val.Y)
			defer ch.close()
			engines["chain"] = ch.evaluate
		}
		if c.spec.Arch == "mlp" && c.kind == Weights {
			rows, ok := engine.engine.(*sparse)
			if !ok {
				t.Fatalf("%s: the CPU sparse engine is not used", c.spec.Arch)
			}
			generic := *rows
			generic.simd = 0
			engines["generic rows"] = generic.evaluate
		}
		for name, eval := range engines {
			b, err := eval(masks)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if a[i].ValAccuracy != b[i].ValAccuracy || math.Abs(a[i].Loss-b[i].Loss) > 1e-4*math.Max(1, a[i].Loss) {
					t.Errorf("%s %s mask %d: naive %+v, %s %+v", c.spec.Arch, c.kind, i, a[i], name, b[i])
				}
			}
		}
		naive.Close()
		engine.Close()
		n.Drop()
		val.Drop()
	}
}

// realisticBN gives every batch norm statistics of real activations and a
// scale and shift away from the identity, so folding them is tested.
func realisticBN(t *testing.T, n *model.Net, val *model.Batch) {
	t.Helper()
	x := val.X.MustNarrow(0, 0, 100, false)
	defer x.MustDrop()
	n.RecalibrateBN([]*ts.Tensor{x})
	rng := rand.New(rand.NewSource(9))
	model.NoGrad(func() {
		for _, k := range n.Names() {
			p, ok := strings.CutSuffix(k, ".running_mean")
			if !ok {
				continue
			}
			for _, s := range []string{".weight", ".bias"} {
				v := model.Host(n.T[p+s])
				for i := range v {
					v[i] = 0.5 + rng.Float32()
					if s == ".bias" {
						v[i] -= 1
					}
				}
				src := model.FromHost(v, []int64{int64(len(v))}, n.Device)
				n.T[p+s].Copy_(src)
				src.MustDrop()
			}
		}
	})
}

// The fidelity schedule promotes the best share by low-fidelity accuracy and
// gives exactly those their full-validation scores.
func TestFidelityPromotesTheBest(t *testing.T) {
	n, val := setup(t, model.Spec{Arch: "mlp", Widths: []int64{32, 16}, Input: [3]int64{1, 8, 8}, Classes: 10})
	defer n.Drop()
	groups := model.Groups(n.Arch)
	sp, err := Space(n, Units, groups, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	lowVal := val.Narrow(0, 100)
	full := NewEvaluator(n, Units, groups, val, false)
	defer full.Close()
	low := NewEvaluator(n, Units, groups, lowVal, false)
	defer low.Close()
	masks := randomMasks(sp, 12, 3)
	lowS, _ := low.Evaluate(masks)
	fullS, _ := full.Evaluate(masks)
	got, err := (&Fidelity{Low: low, Full: full, Promote: 0.25}).Evaluate(masks)
	if err != nil {
		t.Fatal(err)
	}
	promoted := 0
	minPromoted, maxOther := 2.0, -1.0
	for i, s := range got {
		if s.Partial {
			if s != (search.Score{ValAccuracy: lowS[i].ValAccuracy, Loss: lowS[i].Loss, Partial: true}) {
				t.Errorf("mask %d: partial score %+v, low stage %+v", i, s, lowS[i])
			}
			maxOther = math.Max(maxOther, lowS[i].ValAccuracy)
			continue
		}
		promoted++
		if s != fullS[i] {
			t.Errorf("mask %d: promoted score %+v, full %+v", i, s, fullS[i])
		}
		minPromoted = math.Min(minPromoted, lowS[i].ValAccuracy)
	}
	if promoted != 3 || minPromoted < maxOther {
		t.Errorf("promoted %d (want 3); worst promoted low acc %.3f < best other %.3f", promoted, minPromoted, maxOther)
	}
}

// Adaptive BN: evaluating a mask re-estimates the statistics of the masked
// network first; the result equals doing so by hand and differs from
// evaluating with the dense statistics.
func TestAdaptBN(t *testing.T) {
	n, val := setup(t, model.Spec{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10})
	defer n.Drop()
	// Training-like statistics, so that the dense ones are not the defaults.
	calib := []*ts.Tensor{val.X.MustNarrow(0, 0, 64, false), val.X.MustNarrow(0, 64, 64, false)}
	n.RecalibrateBN(calib[:1])
	var groups []*model.Group
	for _, g := range model.Groups(n.Arch) {
		if g.Conv {
			groups = append(groups, g)
		}
	}
	sp, err := Space(n, Units, groups, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	masks := randomMasks(sp, 2, 5)
	plain := NewEvaluator(n, Units, groups, val, false)
	defer plain.Close()
	adapt := NewEvaluator(n, Units, groups, val, false)
	defer adapt.Close()
	if !adapt.AdaptBN(calib) {
		t.Fatal("AdaptBN refused a network with batch norm")
	}
	ps, _ := plain.Evaluate(masks)
	byHand := func(calib []*ts.Tensor, as []search.Score) {
		t.Helper()
		for i, m := range masks {
			c := n.Clone()
			if err := c.SetUnitMask(UnitMask(m, groups)); err != nil {
				t.Fatal(err)
			}
			c.RecalibrateBN(calib)
			want := scoreNet(c, 0, val.X, val.Y)
			c.Drop()
			if math.Abs(as[i].ValAccuracy-want.ValAccuracy) > 1e-9 || math.Abs(as[i].Loss-want.Loss) > 1e-4 {
				t.Errorf("mask %d: adapted %+v, by hand %+v", i, as[i], want)
			}
			if math.Abs(as[i].Loss-ps[i].Loss) < 1e-6 {
				t.Errorf("mask %d: adapting changed nothing (%+v)", i, as[i])
			}
		}
	}
	as, err := adapt.Evaluate(masks)
	if err != nil {
		t.Fatal(err)
	}
	if name := adapt.Engine(); !strings.Contains(name, "on the tiles") {
		t.Errorf("engine %q, want adaptive BN on the tiles", name)
	}
	byHand(calib, as)
	// A batch larger than the engine's calibration takes (1,024) is
	// re-estimated in libtorch, to the same effect.
	big := []*ts.Tensor{ts.MustCat([]*ts.Tensor{val.X, val.X, val.X}, 0)}
	defer big[0].MustDrop()
	large := NewEvaluator(n, Units, groups, val, false)
	defer large.Close()
	large.AdaptBN(big)
	if name := large.Engine(); !strings.Contains(name, "in libtorch") {
		t.Errorf("engine %q for a batch of 1,500, want adaptive BN in libtorch", name)
	}
	if as, err = large.Evaluate(masks); err != nil {
		t.Fatal(err)
	}
	byHand(big, as)
	mlp, _ := setup(t, model.Spec{Arch: "mlp", Widths: []int64{8}, Input: [3]int64{1, 8, 8}, Classes: 10})
	defer mlp.Drop()
	if NewEvaluator(mlp, Weights, nil, val, false).AdaptBN(calib) {
		t.Error("AdaptBN accepted a network without batch norm")
	}
}

// Predict (the CNN engine on one whole network) classifies every sample as
// libtorch does, and declines masked networks.
func TestPredictAgreesWithLibtorch(t *testing.T) {
	for _, spec := range []model.Spec{
		{Arch: "resnet20", Input: [3]int64{1, 12, 12}, Classes: 10},
		{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10},
		{Arch: "lenet300-100", Input: [3]int64{1, 8, 8}, Classes: 10},
	} {
		n, val := setup(t, spec)
		if n.HasBN() {
			realisticBN(t, n, val)
		}
		got, ok, err := Predict(n, val, 2)
		if !ok || err != nil {
			t.Fatalf("%s: engine declined (%v)", spec.Arch, err)
		}
		want, _ := model.Predict(n, val)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s sample %d: engine %d, libtorch %d", spec.Arch, i, got[i], want[i])
				break
			}
		}
		c := n.Clone()
		um := model.UnitMask{}
		for _, g := range model.Groups(n.Arch) {
			keep := make([]bool, g.Size)
			keep[0] = true
			um[g.Name] = keep
		}
		if err := c.SetUnitMask(um); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := Predict(c, val, 2); ok {
			t.Errorf("%s: Predict ran a masked network", spec.Arch)
		}
		c.Drop()
		n.Drop()
		val.Drop()
	}
}

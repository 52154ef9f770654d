package fitness

import (
	"math"
	"math/rand"
	"os"
	"runtime"
	"testing"

	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
	"github.com/sugarme/gotch"
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
		spec model.Spec
		kind Granularity
		conv bool
	}{
		{model.Spec{Arch: "mlp", Widths: []int64{40, 30, 20}, Input: [3]int64{1, 8, 8}, Classes: 10}, Units, false},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10}, Units, true},
		{model.Spec{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10}, Units, false},
		{model.Spec{Arch: "mlp", Widths: []int64{24}, Input: [3]int64{1, 8, 8}, Classes: 10}, Weights, false},
	} {
		n, val := setup(t, c.spec)
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
		masks := randomMasks(space, 12, 1)
		naive := NewEvaluator(n, c.kind, groups, val, true)
		engine := NewEvaluator(n, c.kind, groups, val, false)
		if c.spec.Arch == "mlp" && c.kind == Units && engine.chain == nil {
			t.Errorf("%s: the batched engine is not used", c.spec.Arch)
		}
		a, err := naive.Evaluate(masks)
		if err != nil {
			t.Fatal(err)
		}
		b, err := engine.Evaluate(masks)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i].ValAccuracy != b[i].ValAccuracy || math.Abs(a[i].Loss-b[i].Loss) > 1e-4*math.Max(1, a[i].Loss) {
				t.Errorf("%s %s mask %d: naive %+v, engine %+v", c.spec.Arch, c.kind, i, a[i], b[i])
			}
		}
		naive.Close()
		engine.Close()
		n.Drop()
		val.Drop()
	}
}

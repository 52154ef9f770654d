package model

import (
	"math"
	"testing"

	"github.com/evoprune/evoprune/data"
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func synthetic(t *testing.T) *data.Splits {
	t.Helper()
	sp, err := data.Load(data.Config{Dataset: "synthetic", Validation: 200, Seed: 1, SyntheticSamples: 1200})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func trainTiny(t *testing.T, sp *data.Splits, opt TrainOptions) (*Net, float64) {
	t.Helper()
	a := build(t, Spec{Arch: "mlp", Widths: []int64{32}, Input: [3]int64{1, 8, 8}, Classes: int64(sp.Train.Classes)})
	n, err := New(a, gotch.CPU, InitDefault, 5)
	if err != nil {
		t.Fatal(err)
	}
	tr, te := ToDevice(sp.Train, gotch.CPU), ToDevice(sp.Test, gotch.CPU)
	defer tr.Drop()
	defer te.Drop()
	if err := Train(n, tr, opt); err != nil {
		t.Fatal(err)
	}
	preds, _ := Predict(n, te)
	correct := 0
	for i, p := range preds {
		if p == sp.Test.Y[i] {
			correct++
		}
	}
	return n, float64(correct) / float64(len(preds))
}

// Same seed: bit-identical trained weights; and the tiny problem is learnt.
func TestTrainDeterministicAndLearns(t *testing.T) {
	sp := synthetic(t)
	opt := TrainOptions{Epochs: 3, BatchSize: 32, Optimizer: "adam", LR: 3e-3, Schedule: "cosine", Seed: 9}
	a, accA := trainTiny(t, sp, opt)
	b, _ := trainTiny(t, sp, opt)
	defer a.Drop()
	defer b.Drop()
	for _, k := range a.Names() {
		if d := maxAbsDiff(a.T[k], b.T[k]); d != 0 {
			t.Fatalf("%s differs by %g between identical trainings", k, d)
		}
	}
	if accA < 0.85 {
		t.Errorf("test accuracy %.3f after 3 epochs, want >= 0.85", accA)
	}
	sgd := TrainOptions{Epochs: 3, BatchSize: 32, Optimizer: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Schedule: "step", StepEpochs: 2, Gamma: 0.1, Seed: 9}
	s, accS := trainTiny(t, sp, sgd)
	defer s.Drop()
	if accS < 0.85 {
		t.Errorf("sgd: test accuracy %.3f, want >= 0.85", accS)
	}
}

func TestSchedules(t *testing.T) {
	o := TrainOptions{LR: 1, Epochs: 4, Schedule: "cosine"}
	want := []float64{1, 0.5 * (1 + math.Cos(math.Pi/4)), 0.5, 0.5 * (1 + math.Cos(3*math.Pi/4))}
	for e, w := range want {
		if got := o.LRAt(e); math.Abs(got-w) > 1e-12 {
			t.Errorf("cosine epoch %d: %v, want %v", e, got, w)
		}
	}
	o = TrainOptions{LR: 1, Schedule: "step", StepEpochs: 2, Gamma: 0.1}
	for e, w := range []float64{1, 1, 0.1, 0.1, 0.01} {
		if got := o.LRAt(e); math.Abs(got-w) > 1e-12 {
			t.Errorf("step epoch %d: %v, want %v", e, got, w)
		}
	}
}

// Weight masks stay applied through training.
func TestRemaskKeepsZeros(t *testing.T) {
	sp := synthetic(t)
	a := build(t, Spec{Arch: "mlp", Widths: []int64{16}, Input: [3]int64{1, 8, 8}, Classes: int64(sp.Train.Classes)})
	n, _ := New(a, gotch.CPU, InitDefault, 5)
	defer n.Drop()
	v := make([]float32, 16*64)
	for i := range v {
		if i%3 == 0 {
			v[i] = 1
		}
	}
	n.WeightMasks = map[string]*ts.Tensor{"1.weight": FromHost(v, []int64{16, 64}, gotch.CPU)}
	tr := ToDevice(sp.Train, gotch.CPU)
	defer tr.Drop()
	if err := Train(n, tr, TrainOptions{Epochs: 1, BatchSize: 32, LR: 1e-2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	w := Host(n.T["1.weight"])
	for i, x := range w {
		if (i%3 != 0) != (x == 0) {
			t.Fatalf("weight %d = %v with mask %v", i, x, v[i])
		}
	}
	if c, want := n.Count(), int64(342+16*sp.Train.Classes); c.NonzeroPrune != want {
		t.Errorf("non-zero prunable %d, want %d", c.NonzeroPrune, want)
	}
}

// With the network as its own teacher the distillation term is zero, so the
// loss is (1−α)·CE exactly; training with a teacher still learns.
func TestDistillation(t *testing.T) {
	sp := synthetic(t)
	a := build(t, Spec{Arch: "mlp", Widths: []int64{32}, Input: [3]int64{1, 8, 8}, Classes: int64(sp.Train.Classes)})
	n, _ := New(a, gotch.CPU, InitDefault, 5)
	defer n.Drop()
	b := ToDevice(sp.Val, gotch.CPU)
	defer b.Drop()
	var ce, mixed float64
	NoGrad(func() {
		plain := TrainOptions{}
		l := plain.loss(n.Forward(b.X, false), b.X, b.Y)
		ce = l.MustFloat64Value([]int64{})
		l.MustDrop()
		self := TrainOptions{Teacher: n, Distill: 0.25, Temperature: 3}
		l = self.loss(n.Forward(b.X, false), b.X, b.Y)
		mixed = l.MustFloat64Value([]int64{})
		l.MustDrop()
	})
	if math.Abs(mixed-0.75*ce) > 1e-5 {
		t.Errorf("self-distillation loss %v, want 0.75 × CE = %v", mixed, 0.75*ce)
	}
	teacher, _ := trainTiny(t, sp, TrainOptions{Epochs: 3, BatchSize: 32, LR: 3e-3, Seed: 9})
	defer teacher.Drop()
	student, acc := trainTiny(t, sp, TrainOptions{Epochs: 3, BatchSize: 32, LR: 3e-3, Seed: 9, Teacher: teacher, Distill: 0.5})
	defer student.Drop()
	if acc < 0.85 {
		t.Errorf("distilled student: test accuracy %.3f, want >= 0.85", acc)
	}
}

// MaxSteps stops exactly where a longer run was after that many steps: a
// 3-epoch run cut at one epoch's steps equals a 1-epoch run with the same
// (constant) learning rate, and a cut one step later differs.
func TestMaxStepsStopsAtTheIteration(t *testing.T) {
	sp := synthetic(t)
	steps := (sp.Train.N + 31) / 32
	one := TrainOptions{Epochs: 1, BatchSize: 32, Optimizer: "adam", LR: 3e-3, Schedule: "constant", Seed: 9}
	cut := one
	cut.Epochs, cut.MaxSteps = 3, steps
	a, _ := trainTiny(t, sp, one)
	b, _ := trainTiny(t, sp, cut)
	cut.MaxSteps++
	c, _ := trainTiny(t, sp, cut)
	defer a.Drop()
	defer b.Drop()
	defer c.Drop()
	same, differs := true, false
	for _, k := range a.Names() {
		same = same && maxAbsDiff(a.T[k], b.T[k]) == 0
		differs = differs || maxAbsDiff(a.T[k], c.T[k]) > 0
	}
	if !same || !differs {
		t.Errorf("cut at %d steps equals one epoch: %v; one step more differs: %v", steps, same, differs)
	}
}

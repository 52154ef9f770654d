package model

import (
	"math"
	"math/rand"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Every augmented image is a window of the padded image (padding: the
// channel's black value), mirrored or not, and every window and flip occurs.
func TestAugmentCutsWindowsOfThePaddedImage(t *testing.T) {
	const b, c, h, w, p = 64, 2, 5, 6, 2
	src := make([]float32, b*c*h*w)
	for i := range src {
		src[i] = float32(i%97) + 1
	}
	x := FromHost(src, []int64{b, c, h, w}, gotch.CPU)
	defer x.MustDrop()
	black := []float32{-1, -2}
	out := Augment{Crop: p, Flip: true}.apply(x, black, rand.New(rand.NewSource(1)))
	got := Host(out)
	out.MustDrop()
	at := func(i, ch, r, k int) float32 { // padded source pixel
		r, k = r-p, k-p
		if r < 0 || r >= h || k < 0 || k >= w {
			return black[ch]
		}
		return src[((i*c+ch)*h+r)*w+k]
	}
	seen := map[[3]int]bool{}
	for i := 0; i < b; i++ {
		found := false
		for dy := 0; dy <= 2*p && !found; dy++ {
			for dx := 0; dx <= 2*p && !found; dx++ {
				for _, flip := range []bool{false, true} {
					ok := true
					for ch := 0; ch < c && ok; ch++ {
						for r := 0; r < h && ok; r++ {
							for k := 0; k < w && ok; k++ {
								kk := k
								if flip {
									kk = w - 1 - k
								}
								ok = got[((i*c+ch)*h+r)*w+k] == at(i, ch, dy+r, dx+kk)
							}
						}
					}
					if ok {
						found = true
						f := 0
						if flip {
							f = 1
						}
						seen[[3]int{dy, dx, f}] = true
						break
					}
				}
			}
		}
		if !found {
			t.Fatalf("sample %d is no window of its padded image", i)
		}
	}
	if len(seen) < 30 { // 50 possible; 64 draws
		t.Errorf("only %d distinct windows and flips in 64 samples", len(seen))
	}
	// Without crop, only flips; without either, nothing changes.
	if (Augment{}).On() {
		t.Error("an empty augmentation is on")
	}
}

func TestMultistepAndWarmup(t *testing.T) {
	o := TrainOptions{LR: 0.1, Gamma: 0.1, Schedule: "multistep", Milestones: []int{2, 4}}
	for epoch, want := range []float64{0.1, 0.1, 0.01, 0.01, 0.001, 0.001} {
		if got := o.LRAt(epoch); math.Abs(got-want) > 1e-12 {
			t.Errorf("epoch %d: lr %g, want %g", epoch, got, want)
		}
	}
	// One SGD step (no momentum) moves a weight by lr·grad; with warm-up over
	// one epoch of k steps the first step uses lr/k.
	sp := synthetic(t)
	step := func(warmup int) float64 {
		a := build(t, Spec{Arch: "mlp", Widths: []int64{8}, Input: [3]int64{1, 8, 8}, Classes: int64(sp.Train.Classes)})
		n, err := New(a, gotch.CPU, InitDefault, 5)
		if err != nil {
			t.Fatal(err)
		}
		defer n.Drop()
		before := Host(n.T["3.bias"])
		tr := ToDevice(sp.Train, gotch.CPU)
		defer tr.Drop()
		if err := Train(n, tr, TrainOptions{Epochs: 1, BatchSize: 100, Optimizer: "sgd", LR: 0.5, MaxSteps: 1, WarmupEpochs: warmup, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		return float64(Host(n.T["3.bias"])[0] - before[0])
	}
	full, warm := step(0), step(1)
	steps := float64((sp.Train.N + 99) / 100)
	if full == 0 || math.Abs(warm*steps-full) > 1e-5*math.Abs(full)+1e-7 {
		t.Errorf("first step moved the bias by %g with warm-up, %g without: want 1/%g of it", warm, full, steps)
	}
}

// Label smoothing ε: (1−ε)·CE + ε·mean over classes of −log p, by hand.
func TestLabelSmoothingLoss(t *testing.T) {
	logits := []float32{2, 0, -1, 0.5, 0.5, 3}
	l := FromHost(logits, []int64{2, 3}, gotch.CPU)
	y := ts.MustOfSlice([]int64{0, 2})
	defer y.MustDrop()
	loss := TrainOptions{LabelSmoothing: 0.2}.crossEntropy(l, y, true)
	got := loss.MustFloat64Value([]int64{})
	loss.MustDrop()
	want := 0.0
	for i, label := range []int{0, 2} {
		row := logits[i*3 : i*3+3]
		lse := 0.0
		for _, v := range row {
			lse += math.Exp(float64(v))
		}
		lse = math.Log(lse)
		ce := lse - float64(row[label])
		uni := 0.0
		for _, v := range row {
			uni += lse - float64(v)
		}
		want += (0.8*ce + 0.2*uni/3) / 2
	}
	if math.Abs(got-want) > 1e-5 {
		t.Errorf("loss %g, want %g", got, want)
	}
}

// With no_decay_bn_bias, one SGD step moves conv / linear weights as with
// weight decay on everything, and batch-norm parameters and biases as
// without weight decay.
func TestNoDecayOnBatchNormAndBiases(t *testing.T) {
	sp := synthetic(t)
	tr := ToDevice(sp.Train, gotch.CPU)
	defer tr.Drop()
	after := func(wd float64, exempt bool) map[string][]float32 {
		a := build(t, Spec{Arch: "resnet20", Input: [3]int64{1, 8, 8}, Classes: int64(sp.Train.Classes)})
		n, err := New(a, gotch.CPU, InitDefault, 5)
		if err != nil {
			t.Fatal(err)
		}
		defer n.Drop()
		o := TrainOptions{Epochs: 1, BatchSize: 64, Optimizer: "sgd", LR: 0.1, WeightDecay: wd, NoDecayBNBias: exempt, MaxSteps: 1, Seed: 1}
		if err := Train(n, tr, o); err != nil {
			t.Fatal(err)
		}
		out := map[string][]float32{}
		for _, k := range n.Names() {
			out[k] = Host(n.T[k])
		}
		return out
	}
	all, none, exempt := after(0.05, false), after(0, false), after(0.05, true)
	a := build(t, Spec{Arch: "resnet20", Input: [3]int64{1, 8, 8}, Classes: 4})
	n, _ := New(a, gotch.CPU, InitDefault, 5)
	defer n.Drop()
	prunable := map[string]bool{}
	for _, k := range n.PrunableNames() {
		prunable[k] = true
	}
	if all["1.weight"][0] == none["1.weight"][0] { // the stem's batch norm
		t.Fatal("weight decay did not change the batch-norm scale: the test tests nothing")
	}
	checked := 0
	for _, k := range n.Names() {
		if n.IsBuffer(k) {
			continue
		}
		want := none[k]
		if prunable[k] {
			want = all[k]
		}
		for i, v := range exempt[k] {
			if math.Abs(float64(v-want[i])) > 1e-6 {
				t.Fatalf("%s[%d] = %g, want %g (decayed: %v)", k, i, v, want[i], prunable[k])
			}
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("checked %d tensors", checked)
	}
}

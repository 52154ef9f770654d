// Command adaptbn measures what adaptive batch norm (EagleEye 2020) does for
// a search on a batch-norm network trained on real data: for random channel
// masks of a ResNet-20, how well the validation accuracy without and with
// re-estimated BN statistics predicts the accuracy after fine-tuning (the
// ranking a search relies on). It prints a markdown report.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

type options struct {
	dataset                      string
	trainN, epochs, masks, calib int
	ftEpochs, ftN, threads       int
	density, spread              float64
	seed                         int64
	dense                        string
}

func main() {
	var o options
	flag.StringVar(&o.dataset, "dataset", "fashion-mnist", "mnist | fashion-mnist")
	flag.IntVar(&o.trainN, "train", 20000, "training samples for the dense network")
	flag.IntVar(&o.epochs, "epochs", 3, "dense training epochs")
	flag.IntVar(&o.masks, "masks", 16, "random channel masks")
	flag.Float64Var(&o.density, "density", 0.5, "kept fraction of each layer's channels")
	flag.Float64Var(&o.spread, "spread", 0, "each layer's kept fraction drawn from density ± spread (EagleEye's random per-layer ratios)")
	flag.StringVar(&o.dense, "dense", "", "cache file for the dense weights: loaded if present, else written after training")
	flag.IntVar(&o.calib, "calib", 8, "training batches (of 128) that re-estimate BN statistics")
	flag.IntVar(&o.ftEpochs, "ft-epochs", 1, "fine-tuning epochs per mask")
	flag.IntVar(&o.ftN, "ft-samples", 5000, "training samples for fine-tuning")
	flag.IntVar(&o.threads, "threads", 2, "intra-op threads")
	flag.Int64Var(&o.seed, "seed", 1, "seed")
	flag.Parse()
	runtime.LockOSThread() // grad mode is per OS thread
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "adaptbn:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	torchrt.SetThreads(o.threads)
	torchrt.Seed(o.seed)
	sp, err := data.Load(data.Config{Dataset: o.dataset, Validation: 5000, Seed: o.seed, TrainLimit: o.trainN})
	if err != nil {
		return err
	}
	train := model.ToDevice(sp.Train, gotch.CPU)
	val := model.ToDevice(sp.Val, gotch.CPU)
	defer train.Drop()
	defer val.Drop()
	a, err := model.Build(model.Spec{Arch: "resnet20", Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		return err
	}
	n, err := model.New(a, gotch.CPU, model.InitDefault, o.seed)
	if err != nil {
		return err
	}
	defer n.Drop()
	trained := false
	if o.dense != "" {
		if d, err := model.Load(a, o.dense, gotch.CPU); err == nil {
			n.CopyFrom(d)
			d.Drop()
			trained = true
		}
	}
	opts := model.TrainOptions{Epochs: o.epochs, BatchSize: 128, Optimizer: "adam", LR: 1e-3, Schedule: "cosine", Seed: o.seed,
		Epoch: func(e int, loss float64, d time.Duration) error {
			fmt.Fprintf(os.Stderr, "dense epoch %d: loss %.4f (%.0f s)\n", e+1, loss, d.Seconds())
			return nil
		}}
	if !trained {
		if err := model.Train(n, train, opts); err != nil {
			return err
		}
		if o.dense != "" {
			if err := n.Save(o.dense); err != nil {
				return err
			}
		}
	}
	dense := model.Accuracy(n, val)
	var groups []*model.Group
	for _, g := range model.Groups(a) {
		if g.Conv {
			groups = append(groups, g)
		}
	}
	space, err := fitness.Space(n, fitness.Units, groups, 1-o.density)
	if err != nil {
		return err
	}
	masks := randomMasks(space, o.masks, o.density, o.spread, o.seed)
	plain := fitness.NewEvaluator(n, fitness.Units, groups, val, true)
	defer plain.Close()
	vanilla, err := plain.Evaluate(masks)
	if err != nil {
		return err
	}
	var calib []*ts.Tensor
	for i := 0; i < o.calib; i++ {
		calib = append(calib, train.X.MustNarrow(0, int64(i*128), 128, false))
	}
	adapted := fitness.NewEvaluator(n, fitness.Units, groups, val, true)
	defer adapted.Close()
	adapted.AdaptBN(calib)
	start := time.Now()
	adapt, err := adapted.Evaluate(masks)
	if err != nil {
		return err
	}
	adaptSeconds := time.Since(start).Seconds() / float64(len(masks))
	ftTrain := train.Narrow(0, min(o.ftN, train.N))
	var ft []float64
	for i, m := range masks {
		r, err := n.Rebuild(fitness.UnitMask(m, groups))
		if err != nil {
			return err
		}
		fo := opts
		fo.Epochs, fo.Epoch = o.ftEpochs, nil
		if err := model.Train(r, ftTrain, fo); err != nil {
			return err
		}
		ft = append(ft, model.Accuracy(r, val))
		r.Drop()
		fmt.Fprintf(os.Stderr, "mask %d: plain %.4f, adaptive BN %.4f, fine-tuned %.4f\n", i, vanilla[i].ValAccuracy, adapt[i].ValAccuracy, ft[i])
	}
	report(o, dense, vanilla, adapt, ft, adaptSeconds)
	return nil
}

func randomMasks(space search.Space, count int, density, spread float64, seed int64) []search.Mask {
	rng := rand.New(rand.NewSource(seed))
	off := space.Offsets()
	var out []search.Mask
	for i := 0; i < count; i++ {
		m := search.NewMask(space.N())
		for s, seg := range space.Segments {
			d := density
			if spread > 0 {
				d = min(1, d+spread*(2*rng.Float64()-1))
			}
			for _, j := range rng.Perm(seg.Size)[:max(1, int(float64(seg.Size)*d+0.5))] {
				m.Set(off[s]+j, true)
			}
		}
		out = append(out, m)
	}
	return out
}

func report(o options, dense float64, vanilla, adapt []search.Score, ft []float64, adaptSeconds float64) {
	v := make([]float64, len(ft))
	a := make([]float64, len(ft))
	for i := range ft {
		v[i], a[i] = vanilla[i].ValAccuracy, adapt[i].ValAccuracy
	}
	fmt.Printf("ResNet-20 on %s (%d training samples, %d epochs, seed %d): dense validation accuracy %.2f %%.\n",
		o.dataset, o.trainN, o.epochs, o.seed, 100*dense)
	fmt.Printf("%d random channel masks keeping %.0f ± %.0f %% of each layer's channels; fine-tuning: %d epoch(s) on %d samples; adaptive BN: %d batches of 128 (%.2f s per mask).\n\n",
		len(ft), 100*o.density, 100*o.spread, o.ftEpochs, o.ftN, o.calib, adaptSeconds)
	fmt.Println("| validation accuracy of the masked network | mean | min | max | Pearson r with fine-tuned | Spearman ρ with fine-tuned |")
	fmt.Println("|---|---|---|---|---|---|")
	row := func(name string, x []float64, corr bool) {
		mn, mx := minMax(x)
		c := "–"
		s := "–"
		if corr {
			c, s = fmt.Sprintf("%.2f", pearson(x, ft)), fmt.Sprintf("%.2f", pearson(ranks(x), ranks(ft)))
		}
		fmt.Printf("| %s | %.2f %% | %.2f %% | %.2f %% | %s | %s |\n", name, 100*mean(x), 100*mn, 100*mx, c, s)
	}
	row("dense BN statistics (plain)", v, true)
	row("re-estimated BN statistics (adapt_bn)", a, true)
	row("after fine-tuning", ft, false)
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func minMax(x []float64) (float64, float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		mn, mx = math.Min(mn, v), math.Max(mx, v)
	}
	return mn, mx
}

func pearson(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks returns fractional ranks (ties share the mean rank).
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j) / 2
		}
		i = j + 1
	}
	return r
}

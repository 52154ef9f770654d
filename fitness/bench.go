package fitness

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// BenchCase is one fitness-engine measurement (names and keys as in the contract).
type BenchCase struct {
	Name         string  `json:"name"`
	NaiveEvals   float64 `json:"naive_evals_per_s"`
	EngineEvals  float64 `json:"engine_evals_per_s"`
	Ratio        float64 `json:"ratio"`
	EngineGFLOPs float64 `json:"engine_gflops"`
	SgemmShare   float64 `json:"engine_sgemm_share"` // EngineGFLOPs / sgemm GFLOP/s
	Engine       string  `json:"engine"`             // which evaluation path ran
	Reference    string  `json:"reference"`          // what the naive side ran
	Population   int     `json:"population"`
	Samples      int     `json:"samples"`
	Density      float64 `json:"density"`
}

// BenchReport is `evoprune bench --json`.
type BenchReport struct {
	SgemmGFLOPs float64     `json:"sgemm_gflops"`
	Threads     int         `json:"threads"`
	Cases       []BenchCase `json:"cases"`
}

// Sgemm measures the machine's single-precision matrix-product rate
// (2048³, median of 5) on dev.
func Sgemm(dev gotch.Device) float64 {
	const n = 2048
	a := ts.MustRandn([]int64{n, n}, gotch.Float, dev)
	b := ts.MustRandn([]int64{n, n}, gotch.Float, dev)
	defer a.MustDrop()
	defer b.MustDrop()
	var rates []float64
	for i := 0; i < 6; i++ {
		start := time.Now()
		c := a.MustMm(b, false)
		model.Host(c.MustNarrow(0, 0, 1, false)) // synchronise
		d := time.Since(start).Seconds()
		c.MustDrop()
		if i > 0 {
			rates = append(rates, 2*n*n*n/d/1e9)
		}
	}
	sort.Float64s(rates)
	return rates[len(rates)/2]
}

// BenchOptions configure Bench.
type BenchOptions struct {
	Device     gotch.Device
	Population int      // default 32
	Samples    int      // validation samples, default 5000
	Seconds    float64  // time spent per measurement, default 2
	Cases      []string // names of the cases to run (default all)
	Log        func(format string, args ...any)
}

// BenchCases names Bench's cases.
var BenchCases = []string{"lenet300-neuron", "lenet300-weight", "lenet5-channel", "resnet20-channel", "resnet20-channel-adaptbn"}

// Bench measures naive and engine evaluations per second for the contract's
// cases on MNIST-shaped data (random weights: speed does not depend on them).
func Bench(o BenchOptions) (*BenchReport, error) {
	if o.Population == 0 {
		o.Population = 32
	}
	if o.Samples == 0 {
		o.Samples = 5000
	}
	if o.Seconds == 0 {
		o.Seconds = 2
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	r := &BenchReport{SgemmGFLOPs: Sgemm(o.Device)}
	o.Log("sgemm: %.1f GFLOP/s\n", r.SgemmGFLOPs)
	sp, err := data.Load(data.Config{Dataset: "synthetic", Validation: o.Samples, Seed: 1,
		SyntheticSamples: o.Samples + 100, SyntheticShape: [3]int{1, 28, 28}, SyntheticClasses: 10})
	if err != nil {
		return nil, err
	}
	val := model.ToDevice(sp.Val, o.Device)
	defer val.Drop()
	want := map[string]bool{}
	for _, c := range o.Cases {
		if !slices.Contains(BenchCases, c) {
			return nil, fmt.Errorf("bench: unknown case %q (%v)", c, BenchCases)
		}
		want[c] = true
	}
	for _, name := range BenchCases {
		if len(want) > 0 && !want[name] {
			continue
		}
		var bc *BenchCase
		var err error
		switch name {
		case "lenet300-neuron":
			bc, err = benchCase(o, val, name, "lenet300-100", Units, false, 0.5)
		case "lenet300-weight":
			bc, err = benchCase(o, val, name, "lenet300-100", Weights, false, 0.1)
		case "lenet5-channel":
			bc, err = benchCase(o, val, name, "lenet5", Units, true, 0.5)
		default:
			bc, err = benchResNet(o, val, name, strings.HasSuffix(name, "adaptbn"))
		}
		if err != nil {
			return nil, fmt.Errorf("bench %s: %w", name, err)
		}
		bc.SgemmShare = bc.EngineGFLOPs / r.SgemmGFLOPs
		o.Log("%s (%s vs %s): naive %.2f evals/s, engine %.2f evals/s (%.1fx), engine %.1f useful GFLOP/s = %.0f %% of sgemm\n",
			bc.Name, bc.Engine, bc.Reference, bc.NaiveEvals, bc.EngineEvals, bc.Ratio, bc.EngineGFLOPs, 100*bc.SgemmShare)
		r.Cases = append(r.Cases, *bc)
	}
	return r, nil
}

// benchNet is a randomly initialised network of arch for 1x28x28 inputs.
func benchNet(o BenchOptions, arch string) (*model.Net, error) {
	a, err := model.Build(model.Spec{Arch: arch, Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		return nil, err
	}
	return model.New(a, o.Device, model.InitDefault, 1)
}

func benchCase(o BenchOptions, val *model.Batch, name, arch string, kind Granularity, conv bool, density float64) (*BenchCase, error) {
	n, err := benchNet(o, arch)
	if err != nil {
		return nil, err
	}
	defer n.Drop()
	a := n.Arch
	var groups []*model.Group
	for _, g := range model.Groups(a) {
		if g.Conv == conv {
			groups = append(groups, g)
		}
	}
	space, err := Space(n, kind, groups, 1-density)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(1))
	masks := func() []search.Mask {
		out := make([]search.Mask, o.Population)
		off := space.Offsets()
		for i := range out {
			m := search.NewMask(space.N())
			for s, seg := range space.Segments {
				for _, j := range rng.Perm(seg.Size)[:max(1, int(float64(seg.Size)*density+0.5))] {
					m.Set(off[s]+j, true)
				}
			}
			out[i] = m
		}
		return out
	}
	// Masks and their useful FLOPs are prepared outside the timed loops.
	batches := make([][]search.Mask, 8)
	var flopsPerBatch []float64
	for i := range batches {
		batches[i] = masks()
		var f float64
		for _, m := range batches[i] {
			f += usefulFLOPs(n, kind, groups, m, int64(val.N))
		}
		flopsPerBatch = append(flopsPerBatch, f)
	}
	var engineName string
	rate := func(naive bool) (float64, float64, error) {
		ev := NewEvaluator(n, kind, groups, val, naive)
		defer ev.Close()
		engineName = ev.Engine()
		if _, err := ev.Evaluate(batches[0][:1]); err != nil { // warm-up
			return 0, 0, err
		}
		var evals int
		var flops float64
		start := time.Now()
		for i := 0; time.Since(start).Seconds() < o.Seconds || evals == 0; i++ {
			b := i % len(batches)
			if _, err := ev.Evaluate(batches[b]); err != nil {
				return 0, 0, err
			}
			flops += flopsPerBatch[b]
			evals += len(batches[b])
		}
		d := time.Since(start).Seconds()
		return float64(evals) / d, flops / d / 1e9, nil
	}
	naive, _, err := rate(true)
	if err != nil {
		return nil, err
	}
	engine, gflops, err := rate(false)
	if err != nil {
		return nil, err
	}
	return &BenchCase{Name: name, NaiveEvals: naive, EngineEvals: engine, Ratio: engine / naive,
		EngineGFLOPs: gflops, Population: o.Population, Samples: val.N, Density: density, Engine: engineName,
		Reference: "naive (masked network per mask)"}, nil
}

// usefulFLOPs is the work an evaluation must do: the rebuilt network's
// FLOPs for unit masks (shared-prefix work excluded: it is done once), the
// non-zero weights' multiply-adds for weight masks.
func usefulFLOPs(n *model.Net, kind Granularity, groups []*model.Group, m search.Mask, samples int64) float64 {
	if kind == Weights {
		return 2 * float64(m.Count()) * float64(samples)
	}
	r, err := n.Rebuild(UnitMask(m, groups))
	if err != nil {
		return 0
	}
	defer r.Drop()
	f := model.FLOPs(r.Arch)
	// The shared prefix (up to group 0's consumer) is computed once per search.
	f -= model.FLOPsBefore(r.Arch, groups[0].Consumers[0].Path)
	return float64(f) * float64(samples)
}

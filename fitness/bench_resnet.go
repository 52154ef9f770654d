package fitness

import (
	"math/rand"
	"time"

	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// benchResNet measures channel masks of ResNet-20 (1x28x28, batch-norm
// statistics of real activations) against the best per-mask loop libtorch
// offers: each mask's rebuilt network in eval mode, in batches of 128 — what
// bench/torch_resnet_fitness.py runs in PyTorch. Every layer keeps 30–70 %
// of its channels, a new ratio per layer and mask, as a search's masks do.
// The two sides run interleaved, batch by batch, so that both see the same
// machine. With adapt, both re-estimate batch-norm statistics per mask on 8
// batches of 128 first: the reference in libtorch (training mode), the
// engine in its own training-mode pass (cnn_calibrate).
func benchResNet(o BenchOptions, val *model.Batch, name string, adapt bool) (*BenchCase, error) {
	n, err := benchNet(o, "resnet20")
	if err != nil {
		return nil, err
	}
	defer n.Drop()
	a := n.Arch
	var calib []*ts.Tensor
	for i := 0; i < 8; i++ {
		s := (i * 128) % max(1, val.N-128)
		calib = append(calib, val.X.MustNarrow(0, int64(s), int64(min(128, val.N)), false))
	}
	defer func() {
		for _, c := range calib {
			c.MustDrop()
		}
	}()
	n.RecalibrateBN(calib)
	groups := model.Groups(a)
	space, err := Space(n, Units, groups, 0.5)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(1))
	off := space.Offsets()
	batches := make([][]search.Mask, 2)
	flops := make([]float64, len(batches))
	var kept, total int
	for b := range batches {
		for i := 0; i < o.Population; i++ {
			m := search.NewMask(space.N())
			for s, seg := range space.Segments {
				k := max(1, int(float64(seg.Size)*(0.3+0.4*rng.Float64())+0.5))
				for _, j := range rng.Perm(seg.Size)[:k] {
					m.Set(off[s]+j, true)
				}
				kept += k
				total += seg.Size
			}
			batches[b] = append(batches[b], m)
			flops[b] += usefulFLOPs(n, Units, groups, m, int64(val.N))
		}
	}
	var refCalib []*ts.Tensor
	eng := NewEvaluator(n, Units, groups, val, false)
	defer eng.Close()
	if adapt {
		refCalib = calib
		eng.AdaptBN(calib)
	}
	// PyTorch's loop: rebuild, (re-estimate,) evaluate in batches of 128.
	ref := func(masks []search.Mask) ([]search.Score, error) {
		var out []search.Score
		for _, m := range masks {
			r, err := n.Rebuild(UnitMask(m, groups))
			if err != nil {
				return nil, err
			}
			r.EvalBatch = 128
			r.RecalibrateBN(refCalib)
			out = append(out, scoreNet(r, 0, val.X, val.Y))
			r.Drop()
		}
		return out, nil
	}
	// Warm-up: libtorch's and the engine's first calls allocate.
	for _, ev := range []func([]search.Mask) ([]search.Score, error){ref, eng.Evaluate} {
		if _, err := ev(batches[0][:1]); err != nil {
			return nil, err
		}
	}
	var refSecs, engSecs, engFlops float64
	var evals int
	start := time.Now()
	for i := 0; i < len(batches) || time.Since(start).Seconds() < o.Seconds; i++ {
		b := batches[i%len(batches)]
		for _, side := range []struct {
			ev   func([]search.Mask) ([]search.Score, error)
			secs *float64
		}{{ref, &refSecs}, {eng.Evaluate, &engSecs}} {
			t := time.Now()
			if _, err := side.ev(b); err != nil {
				return nil, err
			}
			*side.secs += time.Since(t).Seconds()
		}
		engFlops += flops[i%len(batches)]
		evals += len(b)
	}
	naive, engine := float64(evals)/refSecs, float64(evals)/engSecs
	return &BenchCase{Name: name, NaiveEvals: naive, EngineEvals: engine, Ratio: engine / naive,
		EngineGFLOPs: engFlops / engSecs / 1e9, Population: o.Population, Samples: val.N,
		Density: float64(kept) / float64(total), Engine: eng.Engine(), Reference: "rebuilt network per mask, batches of 128"}, nil
}

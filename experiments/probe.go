package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// probeFront makes res.Best the cheapest front point whose validation error
// after search.fitness.probe_epochs of fine-tuning is at most max_error.
// Fine-tuning recovers more of a cheap network's accuracy than its error
// before fine-tuning shows, so choosing on that error keeps networks larger
// than they need be. Bisection over the front (sorted by cost) assumes the
// error after fine-tuning falls as the cost grows, true of a front up to
// noise, and costs about log2(front size) probes. One probe's noise (~0.2
// points on LeNet-5) is as large as the margins a bound is set to, so every
// decision reads the probes pooled into a fit that does not fall with the
// cost (probeFit), not the one probe alone. Each probe is recorded in
// probes.json as it ends, so a resumed run does not redo it.
func (p *pipeline) probeFront(dense *model.Net, m *prunedMask, res *search.Result, s *splits) error {
	front, maxErr, epochs := res.HallOfFame, p.e.Search.Fitness.MaxError, p.e.Search.Fitness.ProbeEpochs
	path := p.dir.File(results.ProbeFile)
	var probes []results.Probe
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &probes); err != nil {
			return &InputError{fmt.Errorf("resume %s: %w (remove it to probe again)", path, err)}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	kept := func(i int) []int { return m.space.Counts(front[i].Mask) }
	recipe := probeRecipe(p.e)
	// The choice before fine-tuning is the upper end: every point costlier
	// than it is within max_error before fine-tuning already.
	hi := slices.IndexFunc(front, func(r search.Ranked) bool { return r.Mask.Equal(res.Best) })
	if hi < 0 {
		return fmt.Errorf("probe: the search's choice is not on its front (a bug)")
	}
	known := map[int]float64{}
	for i := range front {
		if k := probeOf(probes, i, epochs, recipe, kept(i)); k >= 0 {
			known[i] = probes[k].ValAccuracy
		}
	}
	// The search's choice is within max_error before fine-tuning: its
	// accuracy then stands in for a probe while cheaper points decide, and
	// it is probed only if it is to be chosen (one fine-tune of the largest
	// network saved in most runs).
	standIn := false
	if _, probed := known[hi]; !probed && search.WithinError(front[hi].Score, maxErr) {
		known[hi], standIn = front[hi].Score.ValAccuracy, true
	}
	reuse := epochs == p.e.Reconstruct.Epochs
	if reuse {
		if err := os.MkdirAll(p.dir.File(results.CheckpointDir), 0o755); err != nil {
			return err
		}
	}
	probe := func(i int) (float64, error) {
		p.printf("probe: front point %d of %d, kept %v, val acc %.2f%% before fine-tuning\n", i+1, len(front), kept(i), 100*front[i].Score.ValAccuracy)
		net, err := p.frontNetwork(dense, m, front[i].Mask, s, epochs, "probe")
		if err != nil {
			return 0, fmt.Errorf("probe front point %d: %w", i+1, err)
		}
		defer net.Drop()
		acc, err := fitness.Accuracy(net, s.valFull)
		if err != nil {
			return 0, fmt.Errorf("probe front point %d: %w", i+1, err)
		}
		// A probe as long as the final fine-tuning is the final network,
		// should it be chosen: kept, so it is not fine-tuned twice.
		if reuse {
			if err := net.Save(p.probeModel(i, recipe)); err != nil {
				return 0, fmt.Errorf("probe front point %d: %w", i+1, err)
			}
		}
		probes = append(probes, results.Probe{Index: i, Kept: kept(i), ValAccuracyBefore: front[i].Score.ValAccuracy, ValAccuracy: acc, Epochs: epochs, Recipe: recipe})
		if err := results.WriteJSON(path, probes); err != nil {
			return 0, err
		}
		return acc, p.stopped()
	}
	within := func(acc float64) bool { return search.WithinError(search.Score{ValAccuracy: acc}, maxErr) }
	c, fit, err := chooseProbed(len(front), hi, known, standIn, probe, within)
	switch {
	case err != nil:
		return err
	case !within(fit) && c == hi:
		p.printf("probe: no front point reaches validation error <= %.2f%% after %d epochs; keeping the search's choice\n", 100*maxErr, epochs)
	case !within(fit):
		p.printf("probe: no front point reaches validation error <= %.2f%% after %d epochs; keeping the most accurate\n", 100*maxErr, epochs)
	default:
		p.printf("probe: %d probes; choosing front point %d of %d, kept %v: the cheapest within validation error %.2f%% after %d fine-tuning epochs (%.2f%% in the fit over the probes)\n",
			len(probes), c+1, len(front), kept(c), 100*maxErr, epochs, 100*fit)
	}
	res.Best, res.BestScore = front[c].Mask, front[c].Score
	if _, err := os.Stat(p.probeModel(c, recipe)); reuse && err == nil {
		m.finetuned = p.probeModel(c, recipe)
	}
	return nil
}

// probeModel is where the network of front point i's probe under recipe
// is kept (named by the recipe too, so a probe of another is never read).
func (p *pipeline) probeModel(i int, recipe string) string {
	return filepath.Join(p.dir.File(results.CheckpointDir), fmt.Sprintf("probe-%d-%s.ot", i, recipe))
}

// chooseProbed finds the cheapest of n points (sorted by cost) whose
// accuracy after fine-tuning is within the bound, probing as it goes;
// known holds the accuracies it has already, hi is the upper end (the
// search's choice), and standIn says known[hi] is hi's accuracy before
// fine-tuning, not a probe. It returns the point and its accuracy in the
// fit over all probes (probeFit); outside the bound, the point is hi when
// nothing costlier was worth probing, else the costliest point.
func chooseProbed(n, hi int, known map[int]float64, standIn bool, probe func(int) (float64, error), within func(float64) bool) (int, float64, error) {
	c, fit, err := bisectProbed(n, hi, known, probe, within)
	if err == nil && standIn && c == hi {
		// The search chose hi for its accuracy on this validation set, so
		// that accuracy reads high (LeNet-300-100 with pixels, seed 3:
		// 98.42 % before fine-tuning, 98.30 % after a 5-epoch probe):
		// probe it before choosing it.
		delete(known, hi)
		return bisectProbed(n, hi, known, probe, within)
	}
	return c, fit, err
}

// bisectProbed is chooseProbed's bisection, every point read through the
// fit over all points known.
func bisectProbed(n, hi int, known map[int]float64, probe func(int) (float64, error), within func(float64) bool) (int, float64, error) {
	fitAt := func(i int) float64 {
		idx, fit := probeFit(known)
		return fit[slices.Index(idx, i)]
	}
	pass := func(i int) (bool, error) {
		if _, ok := known[i]; !ok {
			acc, err := probe(i)
			if err != nil {
				return false, err
			}
			known[i] = acc
		}
		return within(fitAt(i)), nil
	}
	lo := 0
	ok, err := pass(hi)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		if lo, hi = hi+1, n-1; lo > hi {
			return lo - 1, fitAt(lo - 1), nil
		}
		if ok, err := pass(hi); err != nil || !ok {
			return hi, fitAt(hi), err
		}
	}
	for lo < hi {
		mid := (lo + hi) / 2
		ok, err := pass(mid)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	// Later probes can move the fit at points decided earlier: the choice
	// is the cheapest point within the bound in the fit over all probes.
	idx, fit := probeFit(known)
	if c := slices.IndexFunc(fit, within); c >= 0 {
		return idx[c], fit[c], nil
	}
	return hi, fitAt(hi), nil
}

// probeOf is the probe of front point i of this length, fine-tuning recipe
// and kept counts (a probe of another length or recipe, from an edited
// config.yaml, does not count), or -1.
func probeOf(probes []results.Probe, i, epochs int, recipe string, kept []int) int {
	return slices.IndexFunc(probes, func(pr results.Probe) bool {
		return pr.Index == i && pr.Epochs == epochs && pr.Recipe == recipe && slices.Equal(pr.Kept, kept)
	})
}

// probeRecipe fingerprints everything but the length that makes a probe's
// network: the reconstruction (method, init, rewinding), the fine-tuning
// options it trains with, and adaptive BN. A resumed run whose config.yaml
// changed any of them probes again instead of reading, or keeping as its
// final network, a probe of the old recipe.
func probeRecipe(e *config.Experiment) string {
	o := retrainOptions(e, e.Seed+1, nil, nil)
	o.Epochs = 0
	r := e.Reconstruct
	h := sha256.Sum256(fmt.Appendf(nil, "%+v|%s|%s|%d|%d", o, r.Method, r.Init, r.RewindIteration, e.Search.Fitness.AdaptBN))
	return hex.EncodeToString(h[:6])
}

// probeFit returns the points of known (point → accuracy after
// fine-tuning), cheapest first, and their accuracies made non-decreasing
// with the cost by pooling adjacent violators: a cheaper point that reads
// better than a costlier one shares their mean with it. Where neighbouring
// probes disagree, the fit averages their noise instead of trusting either.
func probeFit(known map[int]float64) ([]int, []float64) {
	idx := slices.Sorted(maps.Keys(known))
	acc := make([]float64, len(idx))
	for k, i := range idx {
		acc[k] = known[i]
	}
	return idx, isotonic(acc)
}

// isotonic is the least-squares non-decreasing fit to ys (pool adjacent
// violators, equal weights).
func isotonic(ys []float64) []float64 {
	type block struct {
		sum float64
		n   int
	}
	var blocks []block
	for _, y := range ys {
		blocks = append(blocks, block{y, 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.n) <= b.sum/float64(b.n) {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{a.sum + b.sum, a.n + b.n})
		}
	}
	fit := make([]float64, 0, len(ys))
	for _, b := range blocks {
		for range b.n {
			fit = append(fit, b.sum/float64(b.n))
		}
	}
	return fit
}

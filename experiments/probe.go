package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

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
// noise, and costs about log2(front size) probes. Each probe is recorded in
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
	pass := func(i int) (bool, error) {
		kept := m.space.Counts(front[i].Mask)
		// A probe of another length (an edited config.yaml) does not count.
		k := slices.IndexFunc(probes, func(pr results.Probe) bool {
			return pr.Index == i && pr.Epochs == epochs && slices.Equal(pr.Kept, kept)
		})
		if k < 0 {
			p.printf("probe: front point %d of %d, kept %v, val acc %.2f%% before fine-tuning\n", i+1, len(front), kept, 100*front[i].Score.ValAccuracy)
			net, err := p.frontNetwork(dense, m, front[i].Mask, s, epochs, "probe")
			if err != nil {
				return false, fmt.Errorf("probe front point %d: %w", i+1, err)
			}
			acc, err := fitness.Accuracy(net, s.valFull)
			net.Drop()
			if err != nil {
				return false, fmt.Errorf("probe front point %d: %w", i+1, err)
			}
			probes = append(probes, results.Probe{Index: i, Kept: kept, ValAccuracyBefore: front[i].Score.ValAccuracy, ValAccuracy: acc, Epochs: epochs})
			if err := results.WriteJSON(path, probes); err != nil {
				return false, err
			}
			if err := p.stopped(); err != nil {
				return false, err
			}
			k = len(probes) - 1
		}
		return search.WithinError(search.Score{ValAccuracy: probes[k].ValAccuracy}, maxErr), nil
	}
	// The choice before fine-tuning is the upper end: every point costlier
	// than it is within max_error before fine-tuning already.
	lo, hi := 0, slices.IndexFunc(front, func(r search.Ranked) bool { return r.Mask.Equal(res.Best) })
	if hi < 0 {
		return fmt.Errorf("probe: the search's choice is not on its front (a bug)")
	}
	// Fine-tuning from the dense weights does not lose accuracy in
	// practice, so a choice already within max_error needs no probe: one
	// fine-tune of the largest network saved.
	ok := search.WithinError(front[hi].Score, maxErr)
	if !ok {
		var err error
		if ok, err = pass(hi); err != nil {
			return err
		}
	}
	if !ok {
		if lo, hi = hi+1, len(front)-1; lo > hi {
			p.printf("probe: no front point reaches validation error <= %.2f%% after %d epochs; keeping the search's choice\n", 100*maxErr, epochs)
			return nil
		}
		ok, err := pass(hi)
		if err != nil {
			return err
		}
		if !ok {
			p.printf("probe: no front point reaches validation error <= %.2f%% after %d epochs; keeping the most accurate\n", 100*maxErr, epochs)
			res.Best, res.BestScore = front[hi].Mask, front[hi].Score
			return nil
		}
	}
	for lo < hi {
		mid := (lo + hi) / 2
		ok, err := pass(mid)
		if err != nil {
			return err
		}
		if ok {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	p.printf("probe: %d probes; choosing front point %d of %d, kept %v: the cheapest within validation error %.2f%% after %d fine-tuning epochs\n",
		len(probes), hi+1, len(front), m.space.Counts(front[hi].Mask), 100*maxErr, epochs)
	res.Best, res.BestScore = front[hi].Mask, front[hi].Score
	return nil
}

package experiments

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
	"github.com/evoprune/evoprune/strategy"
)

// prunedMask is a search's answer in the network's terms.
type prunedMask struct {
	kind   fitness.Granularity
	groups []*model.Group // Units
	space  search.Space
	bits   search.Mask
	units  model.UnitMask // the units the rebuild removed (weights: dead units)
	// weights, when a strategy retrained the network (iterative pruning),
	// replace the dense network's as the ones the mask applies to.
	weights *model.Net
	front   []search.Ranked // a pareto search's front, cheapest first
	// finetuned is the chosen network's probe, already fine-tuned for
	// reconstruct.epochs (probes as long as the final fine-tuning).
	finetuned string
}

// granularity maps prune.granularity onto what a mask covers.
func (p *pipeline) granularity(n *model.Net) (fitness.Granularity, []*model.Group, error) {
	all := model.Groups(n.Arch)
	neurons := p.e.Prune.Neurons // channel granularity: fc neurons too
	pick := func(conv bool) []*model.Group {
		var gs []*model.Group
		for _, g := range all {
			if g.Conv == conv || conv && neurons {
				gs = append(gs, g)
			}
		}
		return gs
	}
	switch g := p.e.Prune.Granularity; g {
	case "neuron":
		return fitness.Units, pick(false), nil
	case "channel":
		return fitness.Units, pick(true), nil
	case "weight", "layer":
		return fitness.Weights, nil, nil
	default:
		return "", nil, fmt.Errorf("prune.granularity %q is not available yet", g)
	}
}

// withInputUnits makes the input features of dense prunable units
// (prune.inputs): the same function with a select layer after the flatten,
// whose group the neuron granularity then includes. It drops dense.
func withInputUnits(dense *model.Net) (*model.Net, error) {
	defer dense.Drop()
	n, err := model.InsertSelect(dense)
	if err != nil {
		return nil, fmt.Errorf("prune.inputs: %w", err)
	}
	return n, nil
}

func (p *pipeline) objective() search.Objective {
	f := p.e.Search.Fitness
	return search.Objective{Name: f.Objective, Lambda: f.Lambda, MaxError: f.MaxError, Budgeted: f.Objective == search.AccuracyAtSparsity}
}

// search finds the mask with the strategy search.algorithm names; every
// fitness value it uses is on the validation split.
func (p *pipeline) search(dense *model.Net, s *splits) (*prunedMask, error) {
	kind, groups, err := p.granularity(dense)
	if err != nil {
		return nil, err
	}
	space, err := fitness.SpaceWith(dense, kind, groups, p.e.Prune.TargetSparsity, p.e.Prune.Criterion, s.val, p.e.Seed)
	if err != nil {
		return nil, err
	}
	alloc, err := layerAllocation(p.e.Prune.LayerSparsity, &space)
	if err != nil {
		return nil, err
	}
	if tf := p.e.Prune.TargetFLOPs; tf > 0 {
		if err := fitness.BudgetFLOPs(&space, dense.Arch, groups, tf); err != nil {
			return nil, err
		}
	}
	pareto := p.e.Search.Fitness.Objective == search.Pareto
	if pareto && kind == fitness.Units {
		if space.Cost, err = p.frontCost(dense, groups); err != nil {
			return nil, err
		}
	}
	st, ok := strategy.Lookup(p.e.Search.Algorithm)
	if !ok {
		return nil, fmt.Errorf("search.algorithm %q: no such strategy (%s)", p.e.Search.Algorithm, strings.Join(config.StrategyNames(nil), ", "))
	}
	if g := p.e.Prune.Granularity; !slices.Contains(st.Granularities, g) {
		return nil, fmt.Errorf("search.algorithm %s works on prune.granularity %s, not %s", st.Name, config.Either(st.Granularities, false), g)
	}
	ev, screen, done := p.evaluators(dense, kind, groups, s)
	defer done()
	budget := fmt.Sprintf("keep %d (%.1f%%)", space.Keep, 100*float64(space.Keep)/float64(space.N()))
	switch {
	case space.CostBudgeted():
		budget = fmt.Sprintf("FLOPs at most %.4g (%.1f%% of %.4g)", space.MaxCost, 100*space.MaxCost/space.DenseCost(), space.DenseCost())
	case pareto:
		budget = "every budget (pareto front)"
	}
	p.printf("search: %s over %d slots in %d layers, %s, fitness on %d validation samples\n",
		p.e.Search.Algorithm, space.N(), len(space.Segments), budget, s.val.N)
	t := time.Now()
	rewind := func() (*model.Net, error) { return initialWeights(p.e, dense.Arch, dense.Device, s.train, p.stopped) }
	found, err := st.Run(&strategy.Search{Exp: p.e, Dense: dense, Kind: kind, Groups: groups, Space: space, Eval: ev, Screen: screen,
		Train: s.train, Retrain: retrainOptions(p.e, p.e.Seed, dense, p.stopped), Val: s.valFull, Test: s.test, Alloc: alloc, Objective: p.objective(), Store: runStore{p},
		Rewind: rewind, Printf: p.printf, Stop: p.stopped})
	if err != nil {
		return nil, err
	}
	res := found.Result
	p.secs.Search = time.Since(t).Seconds()
	p.searchSum = results.SearchSummary{Generations: res.Generations, Evaluations: res.Evaluations, Seconds: p.secs.Search}
	pm := &prunedMask{kind: kind, groups: groups, space: space, weights: found.Weights}
	if pareto && p.e.Search.Fitness.ProbeEpochs > 0 && len(res.HallOfFame) > 0 {
		if err := p.probeFront(dense, pm, res, s); err != nil {
			return nil, err
		}
		p.secs.Search = time.Since(t).Seconds() // probes are part of the choice
	}
	if len(res.History) > 0 {
		if err := p.writeHistory(res.History); err != nil {
			return nil, err
		}
	}
	if pareto {
		if err := p.writeFront(space, res); err != nil {
			return nil, err
		}
	}
	p.printf("search: done in %.1fs, %d evaluations, best val acc %.2f%%, kept %d of %d\n",
		p.secs.Search, res.Evaluations, 100*res.BestScore.ValAccuracy, res.Best.Count(), space.N())
	pm.bits = res.Best
	if pareto {
		pm.front = res.HallOfFame
	}
	return pm, nil
}

func (p *pipeline) checkpointPath() string {
	return filepath.Join(p.dir.File(results.CheckpointDir), "search.json")
}

// runStore is the run directory as strategies see it (RunStore).
type runStore struct{ p *pipeline }

func (r runStore) Checkpoint() (*search.Checkpoint, error) {
	if !r.p.resumed {
		return nil, nil
	}
	return r.p.readCheckpoint()
}

func (r runStore) Generation(generations int, pr search.Progress, cp *search.Checkpoint) error {
	p := r.p
	rate := fmt.Sprintf("%.0f evals/s", pr.EvalsPerSec)
	if pr.EvalsPerSec < 10 { // CNN searches: a few per second or less
		rate = fmt.Sprintf("%.2f evals/s", pr.EvalsPerSec)
	}
	p.printf("gen %3d/%d  best %.4f  mean %.4f  val acc %.2f%%  density %.3f  evals %d  %s\n",
		pr.Generation, generations, pr.BestFitness, pr.MeanFitness, 100*pr.BestValAccuracy,
		pr.BestDensity, pr.Evaluations, rate)
	if err := os.MkdirAll(p.dir.File(results.CheckpointDir), 0o755); err != nil {
		return err
	}
	if err := results.WriteJSON(p.checkpointPath(), cp); err != nil {
		return err
	}
	if err := p.writeHistory(cp.History); err != nil {
		return err
	}
	if p.o.Stop != nil {
		if err := p.o.Stop(pr.Generation); err != nil {
			return err
		}
	}
	return p.stopped()
}

func (r runStore) BadCheckpoint(err error) error {
	return &InputError{fmt.Errorf("resume %s: %w", r.p.checkpointPath(), err)}
}

func (r runStore) WriteRounds(rows []results.RoundRow) error { return r.p.dir.WriteRounds(rows) }

// readCheckpoint reads the search checkpoint of a resumed run: nil when the
// run stopped before its first generation ended; a corrupt file is bad
// input.
func (p *pipeline) readCheckpoint() (*search.Checkpoint, error) {
	b, err := os.ReadFile(p.checkpointPath())
	if errors.Is(err, fs.ErrNotExist) {
		p.printf("search: no checkpoint in %s yet; the search starts at generation 0\n", p.dir.Path)
		return nil, nil
	}
	if err != nil {
		return nil, &InputError{fmt.Errorf("resume: %w", err)}
	}
	cp, err := search.DecodeCheckpoint(b)
	if err != nil {
		return nil, &InputError{fmt.Errorf("resume %s: %w (remove it to restart the search)", p.checkpointPath(), err)}
	}
	p.printf("search: resuming after generation %d\n", cp.Generation)
	return cp, nil
}

func (p *pipeline) writeHistory(h []search.Progress) error {
	rows := make([]results.HistoryRow, len(h))
	for i, x := range h {
		rows[i] = results.HistoryRow{Generation: x.Generation, Evaluations: x.Evaluations,
			BestFitness: x.BestFitness, MeanFitness: x.MeanFitness, BestValAccuracy: x.BestValAccuracy,
			BestSparsity: 1 - x.BestDensity, Seconds: x.Seconds}
	}
	return p.dir.WriteHistory(rows)
}

// apply returns the masked network: a copy of dense whose removed units
// output zero, or whose pruned weights are zero.
func (m *prunedMask) apply(dense *model.Net) (*model.Net, error) {
	if m.weights != nil {
		dense = m.weights
	}
	c := dense.Clone()
	if m.kind == fitness.Units {
		m.units = fitness.UnitMask(m.bits, m.groups)
		if err := c.SetUnitMask(m.units); err != nil {
			c.Drop()
			return nil, err
		}
		return c, nil
	}
	for _, t := range c.WeightMasks {
		t.MustDrop()
	}
	c.WeightMasks = fitness.WeightMasks(m.bits, c)
	c.Remask()
	return c, nil
}

// rebuild turns the masked network into a physically smaller dense one.
func (m *prunedMask) rebuild(masked *model.Net) (*model.Net, error) {
	if m.kind == fitness.Units {
		return masked.Rebuild(m.units)
	}
	r, units, err := masked.RemoveDeadUnits()
	m.units = units
	return r, err
}

// layerAllocation turns prune.layer_sparsity into kept slots per segment
// and sets the space's budget to their sum; nil when it is not set.
func layerAllocation(ls []float64, space *search.Space) ([]int, error) {
	if len(ls) == 0 {
		return nil, nil
	}
	if len(ls) != len(space.Segments) {
		var names []string
		for _, seg := range space.Segments {
			names = append(names, seg.Name)
		}
		return nil, fmt.Errorf("prune.layer_sparsity has %d values, the network has %d prunable layers (%s)",
			len(ls), len(space.Segments), strings.Join(names, ", "))
	}
	alloc := make([]int, len(ls))
	space.Keep = 0
	for i, seg := range space.Segments {
		alloc[i] = min(max(int(math.Round(float64(seg.Size)*(1-ls[i]))), 1), seg.Size)
		space.Keep += alloc[i]
	}
	return alloc, nil
}

// evaluators builds the search's fitness: ev scores on eval_samples
// validation samples; screen is what population searches score with
// — ev, or the fidelity schedule over it (search.fitness.low_samples).
// With search.fitness.adapt_bn both re-estimate batch-norm statistics per
// mask. done frees them.
func (p *pipeline) evaluators(dense *model.Net, kind fitness.Granularity, groups []*model.Group, s *splits) (ev *fitness.Evaluator, screen search.Evaluator, done func()) {
	f := p.e.Search.Fitness
	calib := p.calibration(s.train)
	closers := []func(){}
	build := func(val *model.Batch) *fitness.Evaluator {
		e := fitness.NewEvaluator(dense, kind, groups, val, false)
		e.Stop = p.stopped
		closers = append(closers, e.Close)
		if calib != nil && !e.AdaptBN(calib) {
			for _, t := range calib {
				t.MustDrop()
			}
			calib = nil
			p.printf("search: adapt_bn ignored: %s has no batch norm\n", dense.Arch.Name)
		}
		return e
	}
	ev = build(s.val)
	if calib != nil {
		p.printf("search: adaptive BN: statistics re-estimated on %d training batches before every evaluation\n", len(calib))
	}
	screen = ev
	if n := f.LowSamples; n > 0 && n < s.val.N {
		low := s.val.Narrow(0, n)
		closers = append(closers, low.Drop)
		screen = &fitness.Fidelity{Low: build(low), Full: ev, Promote: f.Promote}
		p.printf("search: fidelity schedule: every mask on %d validation samples, the best %.0f%% of each population on %d\n",
			n, 100*f.Promote, s.val.N)
	}
	return ev, screen, func() {
		for _, c := range closers {
			c()
		}
		for _, t := range calib {
			t.MustDrop()
		}
	}
}

// frontCost is the cost a pareto search over unit masks trades against
// accuracy (search.fitness.cost).
func (p *pipeline) frontCost(dense *model.Net, groups []*model.Group) (*search.Cost, error) {
	switch p.e.Search.Fitness.Cost {
	case fitness.CostParams:
		return fitness.ParamsCost(dense.Arch, groups), nil
	case fitness.CostUnits:
		return fitness.UnitsCost(groups), nil
	case fitness.CostLatency:
		batch := max(p.e.Search.Fitness.LatencyBatch, 1)
		c, tab, cached, err := fitness.LatencyCost(dense.Arch, groups, batch, dense.Device, filepath.Join(p.o.Out, ".cache", "latency"))
		if err != nil {
			return nil, err
		}
		how := fmt.Sprintf("timed in %.1fs", tab.Seconds)
		if cached {
			how = "cached"
		}
		worst := 0.0
		for _, l := range tab.Layers {
			worst = max(worst, l.MaxError)
		}
		counts := make([]int, len(groups))
		for i, g := range groups {
			counts[i] = int(g.Size)
		}
		p.printf("search: latency cost of %d conv / linear layers at batch %d on %s, %d threads (%s; fits within %.0f%% of each layer's full-width time): dense %.3f ms, measured whole network %.3f ms\n",
			len(tab.Layers), batch, tab.Device, tab.Threads, how, 100*worst, c.Of(counts), model.Latency(dense, batch, 21))
		return c, nil
	}
	return fitness.FLOPsCost(dense.Arch, groups), nil
}

// writeFront writes pareto.json: the search's front, cheapest first, with
// the chosen mask (the knee, or the cheapest within max_error) marked.
func (p *pipeline) writeFront(space search.Space, res *search.Result) error {
	f := results.Front{Cost: "density"}
	if space.Cost != nil {
		f.Cost = cmp.Or(p.e.Search.Fitness.Cost, fitness.CostFLOPs)
		f.DenseCost = space.DenseCost()
	}
	for _, seg := range space.Segments {
		f.Layers = append(f.Layers, seg.Name)
	}
	for _, r := range res.HallOfFame {
		f.Points = append(f.Points, p.frontPoint(space, r, r.Mask.Equal(res.Best)))
	}
	chosen := "its knee"
	if m := p.e.Search.Fitness.MaxError; m > 0 {
		chosen = fmt.Sprintf("its cheapest mask with validation error <= %.2f%% (best val acc %.2f%%)", 100*m, 100*res.BestScore.ValAccuracy)
		if !search.WithinError(res.BestScore, m) {
			chosen = fmt.Sprintf("its most accurate mask: none reaches validation error <= %.2f%%", 100*m)
		}
		if k := p.e.Search.Fitness.ProbeEpochs; k > 0 {
			chosen = fmt.Sprintf("the mask the probes chose (validation error <= %.2f%% after %d fine-tuning epochs; %s)", 100*m, k, results.ProbeFile)
		}
	}
	p.printf("search: pareto front of %d masks written to %s; rebuilding %s\n", len(f.Points), results.ParetoFile, chosen)
	return p.dir.WriteFront(f)
}

// frontPoint is r as pareto.json lists it.
func (p *pipeline) frontPoint(space search.Space, r search.Ranked, chosen bool) results.FrontPoint {
	pt := results.FrontPoint{ValAccuracy: r.Score.ValAccuracy, ValLoss: r.Score.Loss, Density: r.Mask.Density(),
		Kept: space.Counts(r.Mask), Chosen: chosen}
	if space.Cost != nil {
		pt.Cost = space.CostOf(r.Mask)
		if cmp.Or(p.e.Search.Fitness.Cost, fitness.CostFLOPs) == fitness.CostFLOPs {
			pt.FLOPs = int64(math.Round(pt.Cost))
		}
	}
	return pt
}

// calibration are the training batches adaptive BN re-estimates batch-norm
// statistics on (search.fitness.adapt_bn of them; none when it is 0).
func (p *pipeline) calibration(train *model.Batch) []*ts.Tensor {
	var calib []*ts.Tensor
	bs := p.e.Train.BatchSize
	for i := 0; i < p.e.Search.Fitness.AdaptBN && (i+1)*bs <= train.N; i++ {
		calib = append(calib, train.X.MustNarrow(0, int64(i*bs), int64(bs), false))
	}
	return calib
}

// adaptBN gives the masked network the batch-norm statistics the search
// scored it with (adaptive BN): the rebuild then carries them, and the
// masked row of the report is what the search saw.
func (p *pipeline) adaptBN(masked *model.Net, train *model.Batch) {
	calib := p.calibration(train)
	if len(calib) == 0 || !masked.HasBN() {
		return
	}
	masked.RecalibrateBN(calib)
	for _, t := range calib {
		t.MustDrop()
	}
	p.printf("rebuild: batch-norm statistics of the chosen mask re-estimated on %d training batches (adaptive BN)\n", len(calib))
}

package experiments

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/interop"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
)

// RunOptions say where a run writes and whether it resumes.
type RunOptions struct {
	Out    string    // root of run directories (default "runs")
	Resume string    // an interrupted run directory to continue
	Stdout io.Writer // progress and summary (also copied to log.txt)
	// Context, when cancelled (the CLI cancels it on SIGINT / SIGTERM),
	// stops the run at the next safe point: a training step, a fitness
	// call, the end of a generation or of a step. What is written stays,
	// the search checkpoint included, so --resume continues the run.
	Context context.Context
	// Stop, if set, is called after every search generation; a non-nil error
	// stops the run there (tests use it to interrupt a run).
	Stop func(generation int) error
}

// Outcome is a finished run.
type Outcome struct {
	Dir string
	Run *results.Run
}

// Run executes one experiment: load data → dense model (trained or cached)
// → search → rebuild → reconstruct → evaluate dense / masked / final → write
// the run directory. It must run on one OS thread (libtorch's grad mode is
// per thread), so it locks the calling goroutine. A run that fails says so
// in its status.json; an interrupted one says how to resume it.
func Run(e *config.Experiment, o RunOptions) (out *Outcome, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// libtorch's last error is per thread: an unlocked caller that ran here
	// before may have left one, which gotch would blame on our first op.
	_ = ts.TorchErr()
	start := time.Now()
	var p *pipeline
	defer func() {
		// gotch reports libtorch failures by panicking; a run reports them
		// as errors, with the stack in log.txt.
		if r := recover(); r != nil {
			if p == nil {
				err = fmt.Errorf("run %s: %v", e.Name, r)
				return
			}
			p.printf("panic in step %s: %v\n%s", p.stage, r, debug.Stack())
			err = fmt.Errorf("run %s: %s: %v", e.Name, p.stage, r)
		}
		if p != nil {
			p.close(err)
		}
	}()
	// Inputs first: a run directory is only created for inputs known good.
	if err := CheckInputs(e); err != nil {
		return nil, err
	}
	if o.Resume == "" {
		if err := CheckOutput(o.Out); err != nil {
			return nil, err
		}
	}
	p, err = open(e, o)
	if err != nil {
		return nil, err
	}

	p.step("data")
	splits, err := p.loadData()
	if err != nil {
		return nil, p.fail(err)
	}
	defer splits.drop()

	p.step("train")
	dense, err := p.denseModel(splits)
	if err == nil && p.e.Prune.Inputs {
		dense, err = withInputUnits(dense)
	}
	if err != nil {
		return nil, p.fail(err)
	}
	defer dense.Drop()
	denseM, err := p.measure(dense, splits, dense)
	if err != nil {
		return nil, p.fail(err)
	}
	p.report("dense", denseM)

	p.step("search")
	mask, err := p.search(dense, splits)
	if err != nil {
		return nil, p.fail(err)
	}
	if mask.weights != nil {
		defer mask.weights.Drop()
	}

	p.step("rebuild")
	masked, err := mask.apply(dense)
	if err != nil {
		return nil, p.fail(err)
	}
	defer masked.Drop()
	p.adaptBN(masked, splits.train)

	t := time.Now()
	final, err := mask.rebuild(masked)
	if err != nil {
		return nil, p.fail(err)
	}
	defer func() { final.Drop() }()
	diff := maxAbsDiff(masked, final, splits.test, 1000)
	p.secs.Rebuild = time.Since(t).Seconds()
	// The rebuilt network computes the masked one's function (diff): its
	// predictions are the masked network's, at a fraction of the work.
	same := masked
	if diff <= 1e-3 {
		same = final
	}
	maskedM, err := p.measure(masked, splits, same)
	if err != nil {
		return nil, p.fail(err)
	}
	// The masked network computes with exactly the rebuilt network's weights.
	p.effective(&maskedM, final.Count())
	p.report("masked", maskedM)
	p.printf("rebuild: %s -> %s, max |logits(rebuilt) - logits(masked)| = %.3g on 1000 test samples\n",
		dense.Describe(), final.Describe(), diff)
	if err := p.stopped(); err != nil {
		return nil, p.fail(err)
	}

	p.step("finetune")
	t = time.Now()
	if final, err = p.reconstruct(final, dense, mask, splits); err != nil {
		return nil, p.fail(err)
	}
	p.secs.Finetune = time.Since(t).Seconds()
	finalM, err := p.measure(final, splits, final)
	if err != nil {
		return nil, p.fail(err)
	}
	p.report("final", finalM)
	if mask.front != nil && p.e.Reconstruct.Front > 0 {
		p.step("front")
		t, eval := time.Now(), p.secs.Evaluate
		if err := p.frontRuns(dense, mask, splits); err != nil {
			return nil, p.fail(err)
		}
		p.secs.Evaluate = eval // the front's metrics count in its own stage
		p.secs.Front = time.Since(t).Seconds()
	}

	p.step("latency")
	t = time.Now()
	p.latencies([]*model.Net{dense, masked, final}, []*results.Metrics{&denseM, &maskedM, &finalM})
	p.secs.Latency = time.Since(t).Seconds()
	if err := p.stopped(); err != nil {
		return nil, p.fail(err)
	}

	p.step("write")
	p.secs.Total = time.Since(start).Seconds()
	run := p.record(denseM, maskedM, finalM, diff)
	if err := p.write(run, mask, final); err != nil {
		return nil, p.fail(err)
	}
	p.summary(run)
	return &Outcome{Dir: p.dir.Path, Run: run}, nil
}

// splits holds the data on the device; val is cut to fitness.eval_samples
// for the search, valFull serves reporting.
type splits struct {
	*data.Splits
	train, valFull, val, test *model.Batch
}

func (s *splits) drop() {
	if s.val != s.valFull {
		s.val.Drop()
	}
	s.train.Drop()
	s.valFull.Drop()
	s.test.Drop()
}

func (p *pipeline) loadData() (*splits, error) {
	sp, err := data.Load(DataConfig(p.e))
	if err != nil {
		return nil, err
	}
	p.printf("data: %s train %d, validation %d, test %d\n", sp.Name, sp.Train.N, sp.Val.N, sp.Test.N)
	s := &splits{Splits: sp}
	s.train = model.ToDevice(sp.Train, p.dev)
	s.valFull = model.ToDevice(sp.Val, p.dev)
	s.val = s.valFull
	if n := p.e.Search.Fitness.EvalSamples; n > 0 && n < sp.Val.N {
		s.val = model.ToDevice(sp.Val.Head(n), p.dev)
	}
	s.test = model.ToDevice(sp.Test, p.dev)
	return s, nil
}

// denseModel loads model.checkpoint, or a cached dense model trained with the
// same model, data, training config and seed, or trains one and caches it.
func (p *pipeline) denseModel(s *splits) (*model.Net, error) {
	arch, err := p.arch(s.Splits)
	if err != nil {
		return nil, err
	}
	p.denseArch = arch
	if ck := p.e.Model.Checkpoint; ck != "" {
		n, err := interop.Load(arch, ck, p.dev)
		if err != nil {
			return nil, err
		}
		n.EvalBatch = p.e.EvalBatch
		p.printf("dense: loaded %s from %s\n", n.Describe(), ck)
		return n, nil
	}
	cache := filepath.Join(p.o.Out, ".cache", "dense", p.e.Hash("model", "data", "train", "seed")[:16])
	weights := filepath.Join(cache, results.ModelFile)
	if _, err := os.Stat(weights); err == nil {
		n, err := model.Load(arch, weights, p.dev)
		if err == nil {
			n.EvalBatch = p.e.EvalBatch
			p.printf("dense: %s from cache %s\n", n.Describe(), cache)
			return n, nil
		}
		p.printf("dense: cache unreadable (%v); training again\n", err)
	}
	n, err := model.New(arch, p.dev, model.Init(p.e.Model.Init), p.e.Seed)
	if err != nil {
		return nil, err
	}
	n.EvalBatch = p.e.EvalBatch
	t := time.Now()
	p.printf("dense: training %s, %d epochs\n", n.Describe(), p.e.Train.Epochs)
	o := denseOptions(p.e, p.stopped)
	o.Epoch = p.epochPrinter("train", o.Epochs, n, s.valFull)
	if err := model.Train(n, s.train, o); err != nil {
		n.Drop()
		return nil, err
	}
	p.secs.Train = time.Since(t).Seconds()
	if err := os.MkdirAll(cache, 0o755); err == nil {
		if err := n.Save(weights); err != nil {
			p.printf("dense: not cached: %v\n", err)
		}
	}
	return n, nil
}

// initialWeights are the values rewinding returns to: the dense network's
// initialisation (the same seed recreates it), or, with
// reconstruct.rewind_iteration k, its weights after k steps of dense training
// (training is deterministic, so k steps from the init reproduce them).
func initialWeights(e *config.Experiment, arch model.Arch, dev gotch.Device, train *model.Batch, stop func() error) (*model.Net, error) {
	n, err := model.New(arch, dev, model.Init(e.Model.Init), e.Seed)
	if err != nil {
		return nil, err
	}
	n.EvalBatch = e.EvalBatch
	if e.Reconstruct.RewindIteration == 0 {
		return n, nil
	}
	o := denseOptions(e, stop)
	o.MaxSteps = e.Reconstruct.RewindIteration
	if err := model.Train(n, train, o); err != nil {
		n.Drop()
		return nil, fmt.Errorf("rewind to iteration %d: %w", o.MaxSteps, err)
	}
	return n, nil
}

func (p *pipeline) arch(s *data.Splits) (model.Arch, error) {
	return archFor(p.e, s.Train.Shape, s.Train.Classes)
}

// archFor is the experiment's model for samples of shape (C, H, W) and
// that many classes.
func archFor(e *config.Experiment, shape [3]int, classes int) (model.Arch, error) {
	in := [3]int64{int64(shape[0]), int64(shape[1]), int64(shape[2])}
	if len(e.Model.Layers) > 0 {
		return model.Custom(in, int64(classes), modelLayers(e.Model.Layers))
	}
	var widths []int64
	for _, w := range e.Model.Widths {
		widths = append(widths, int64(w))
	}
	return model.Build(model.Spec{Arch: e.Model.Arch, Widths: widths, Input: in, Classes: int64(classes)})
}

func (p *pipeline) epochPrinter(what string, epochs int, n *model.Net, val *model.Batch) func(int, float64, time.Duration) error {
	return func(epoch int, loss float64, d time.Duration) error {
		acc, err := fitness.Accuracy(n, val)
		if err != nil {
			return fmt.Errorf("epoch %d: validation: %w", epoch+1, err)
		}
		p.lastVal.net, p.lastVal.on, p.lastVal.acc = n, val, acc
		p.printf("%s: epoch %d/%d  loss %.4f  val acc %.2f%%  (%.1fs)\n", what, epoch+1, epochs, loss, 100*acc, d.Seconds())
		return nil
	}
}

// measure evaluates a network on the test set (reporting only) and the
// validation set through same, a network computing n's function, and
// measures n's size.
func (p *pipeline) measure(n *model.Net, s *splits, same *model.Net) (results.Metrics, error) {
	defer func(t time.Time) { p.secs.Evaluate += time.Since(t).Seconds() }(time.Now())
	sc, err := scores(same, s.test, s.Test)
	if err != nil {
		return results.Metrics{}, fmt.Errorf("test metrics: %w", err)
	}
	val := p.lastVal.acc
	if p.lastVal.net != same || p.lastVal.on != s.valFull {
		if val, err = fitness.Accuracy(same, s.valFull); err != nil {
			return results.Metrics{}, fmt.Errorf("validation accuracy: %w", err)
		}
	}
	p.lastVal.net = nil
	c := n.Count()
	m := results.Metrics{
		Accuracy: sc.Accuracy, Precision: sc.Precision, Recall: sc.Recall, F1: sc.F1,
		ValAccuracy:   val,
		Params:        c.Params,
		NonzeroParams: c.NonzeroParams,
		FLOPs:         c.FLOPs,
		Architecture:  n.Arch.Widths(),
	}
	dense := n.Arch.Dense
	if dense == 0 {
		dense = c.Prunable
	}
	m.Sparsity = 1 - float64(c.NonzeroPrune)/float64(dense)
	if m.NonzeroParams > 0 {
		m.Compression = float64(p.denseParams) / float64(m.NonzeroParams)
	}
	if p.denseParams == 0 { // the first network measured is the dense one
		p.denseParams, p.denseFLOPs = c.Params, c.FLOPs
		m.Compression = 1
	}
	m.FLOPsReduction = 1 - float64(c.FLOPs)/float64(max(p.denseFLOPs, 1))
	return m, nil
}

func (p *pipeline) report(what string, m results.Metrics) {
	p.printf("%s: test acc %.2f%%  F1 %.4f  params %d (non-zero %d)  sparsity %.2f%%  FLOPs %d\n",
		what, 100*m.Accuracy, m.F1, m.Params, m.NonzeroParams, 100*m.Sparsity, m.FLOPs)
}

// latencies measures the networks' latency at batch 1 and 256 together,
// interleaved, so that they are compared under the same machine conditions.
func (p *pipeline) latencies(nets []*model.Net, ms []*results.Metrics) {
	b1 := model.Latencies(nets, 1, 21)
	b256 := model.Latencies(nets, 256, 21)
	for i, m := range ms {
		m.LatencyB1, m.LatencyB256 = b1[i], b256[i]
	}
	p.printf("latency (median of up to 21 runs, interleaved): b1 %.3f / %.3f / %.3f ms, b256 %.3f / %.3f / %.3f ms (dense / masked / final)\n",
		b1[0], b1[1], b1[2], b256[0], b256[1], b256[2])
}

// effective sets the non-zero figures of a masked network from the rebuilt
// network that computes the same function.
func (p *pipeline) effective(m *results.Metrics, c model.Counts) {
	if c.NonzeroParams < m.NonzeroParams {
		m.NonzeroParams = c.NonzeroParams
		m.Sparsity = 1 - float64(c.NonzeroPrune)/float64(p.denseArch.Dense)
		m.Compression = float64(p.denseParams) / float64(c.NonzeroParams)
	}
}

// scores are n's test metrics on b, whose labels set holds.
func scores(n *model.Net, b *model.Batch, set *data.Set) (fitness.Scores, error) {
	pred, err := fitness.Classify(n, b)
	if err != nil {
		return fitness.Scores{}, err
	}
	c, err := fitness.NewConfusion(set.Classes, set.Y, pred)
	if err != nil {
		return fitness.Scores{}, fmt.Errorf("metrics: %w", err)
	}
	return c.Scores(), nil
}

package experiments

import (
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/results"
)

// Every strategy that removes channels runs on a tiny LeNet-5 (and the
// criteria on a tiny ResNet-20) and rebuilds a smaller network that computes
// what the masked one did.
func TestChannelStrategies(t *testing.T) {
	base := []string{"model.arch=lenet5", "model.widths=", "data.shape=[1,16,16]", "data.classes=4",
		"prune.granularity=channel", "train.epochs=1", "reconstruct.epochs=1",
		"search.population=6", "search.generations=2"}
	resnet := []string{"model.arch=resnet20", "model.widths=", "data.shape=[3,8,8]", "data.classes=4",
		"prune.granularity=channel", "train.epochs=1", "reconstruct.epochs=1", "search.algorithm=global-magnitude"}
	runs := map[string][]string{
		// The criteria measured inside residual blocks, tied channels included.
		"resnet20-taylor":     append(resnet, "prune.criterion=taylor"),
		"resnet20-activation": append(resnet, "prune.criterion=activation", "search.fitness.adapt_bn=2"),
		// Per-layer channel counts of tied groups under a FLOPs budget.
		"resnet20-genome-layers": append(resnet[:len(resnet)-1:len(resnet)-1], "search.algorithm=genetic", "search.genome=layers",
			"prune.target_flops=0.5", "search.population=6", "search.generations=2"),
	}
	for _, alg := range []string{"genetic", "random", "global-magnitude", "threshold", "iterative-magnitude", "greedy", "layerwise"} {
		runs[alg] = append(base, "search.algorithm="+alg)
	}
	for name, sets := range runs {
		t.Run(name, func(t *testing.T) {
			o, _ := strategyRun(t, sets...)
			r := o.Run
			if r.Final.Params >= r.Dense.Params || r.Final.FLOPs >= r.Dense.FLOPs {
				t.Errorf("final not smaller: params %d -> %d, FLOPs %d -> %d", r.Dense.Params, r.Final.Params, r.Dense.FLOPs, r.Final.FLOPs)
			}
			if want := (1 - r.TargetFLOPs) * float64(r.Dense.FLOPs); r.TargetFLOPs > 0 && (float64(r.Final.FLOPs) > want || float64(r.Final.FLOPs) < 0.98*want) {
				t.Errorf("final FLOPs %d, budget %.0f", r.Final.FLOPs, want)
			}
		})
	}
}

// With adaptive BN the masked network is reported with the statistics the
// search scored it with: its validation accuracy is the search's best.
func TestAdaptBNCarriesToTheChosenMask(t *testing.T) {
	e, err := config.LoadWith("testdata/tiny.yaml", []string{"model.arch=resnet20", "model.widths=", "data.shape=[3,8,8]",
		"data.classes=4", "prune.granularity=channel", "train.epochs=2", "reconstruct.epochs=0",
		"search.population=6", "search.generations=2", "search.fitness.adapt_bn=3"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(e, RunOptions{Out: t.TempDir(), Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	h, err := results.ReadHistory(filepath.Join(o.Dir, results.HistoryFile))
	if err != nil || len(h) == 0 {
		t.Fatalf("history: %v", err)
	}
	best := 0.0
	for _, row := range h {
		best = max(best, row.BestValAccuracy)
	}
	if got := o.Run.Masked.ValAccuracy; math.Abs(got-best) > 1e-9 {
		t.Errorf("masked validation accuracy %.4f, the search's best %.4f", got, best)
	}
	if o.Run.RebuildMaxAbsDiff > 1e-4 {
		t.Errorf("rebuild difference %g", o.Run.RebuildMaxAbsDiff)
	}
}

// prune.neurons puts LeNet-5's fc neurons into the channel search: the
// rebuilt network is narrower in both, computes what the masked one did, and
// the search's engine scores masks as the rebuilt networks score.
func TestChannelsAndNeuronsInOneSearch(t *testing.T) {
	o, _ := strategyRun(t, "model.arch=lenet5", "model.widths=", "data.shape=[1,16,16]", "data.classes=4",
		"prune.granularity=channel", "prune.neurons=true", "train.epochs=1", "reconstruct.epochs=0",
		"search.population=6", "search.generations=2", "prune.target_sparsity=0.6")
	r := o.Run
	d, f := r.Dense.Architecture, r.Final.Architecture
	if len(d) != 5 || len(f) != 5 || f[1] >= d[1] && f[2] >= d[2] || f[3] >= d[3] {
		t.Errorf("widths %v -> %v: want fewer channels and fewer fc1 neurons", d, f)
	}
	// The search's best score is the masked network's validation accuracy.
	if math.Abs(r.Masked.ValAccuracy-r.Final.ValAccuracy) > 1e-9 {
		t.Errorf("masked val acc %.4f, rebuilt (no fine-tuning) %.4f", r.Masked.ValAccuracy, r.Final.ValAccuracy)
	}
	if _, err := config.LoadWith("testdata/tiny.yaml", []string{"prune.neurons=true"}); err == nil {
		t.Error("prune.neurons with neuron granularity accepted")
	}
}

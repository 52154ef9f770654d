package experiments

import (
	"io"
	"testing"

	"github.com/evoprune/evoprune/config"
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
	}
	for _, alg := range []string{"genetic", "random", "global-magnitude", "threshold", "iterative-magnitude", "greedy", "layerwise"} {
		runs[alg] = append(base, "search.algorithm="+alg)
	}
	for name, sets := range runs {
		t.Run(name, func(t *testing.T) {
			e, err := config.LoadWith("testdata/tiny.yaml", sets)
			if err != nil {
				t.Fatal(err)
			}
			o, err := Run(e, RunOptions{Out: t.TempDir(), Stdout: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			r := o.Run
			if r.RebuildMaxAbsDiff > 1e-4 {
				t.Errorf("rebuild_max_abs_diff %g", r.RebuildMaxAbsDiff)
			}
			if r.Final.Params >= r.Dense.Params || r.Final.FLOPs >= r.Dense.FLOPs {
				t.Errorf("final not smaller: params %d -> %d, FLOPs %d -> %d", r.Dense.Params, r.Final.Params, r.Dense.FLOPs, r.Final.FLOPs)
			}
		})
	}
}

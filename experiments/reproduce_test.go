package experiments

import (
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/evoprune/evoprune/config"
)

// writeCIFAR10 writes CIFAR-10's binary version with n random records per
// file (label byte, then 3x32x32 pixel bytes).
func writeCIFAR10(t *testing.T, dir string, n int) {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	files := []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
	for _, name := range files {
		b := make([]byte, n*(1+3072))
		rng.Read(b)
		for r := 0; r < n; r++ {
			b[r*(1+3072)] = byte(r % 10)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The CIFAR reproductions run end to end (a smoke test: generated
// CIFAR-shaped data, every stage shortened): the recipe, the FLOPs budget
// and the rebuild of ResNet-56, and with EVOPRUNE_SMOKE_ALL=1 of VGG-16 too
// (its latency measurement alone takes a minute here).
func TestCIFARReproductionsRun(t *testing.T) {
	dir := t.TempDir()
	writeCIFAR10(t, dir, 16)
	names := []string{"resnet56-cifar10-flops50"}
	if os.Getenv("EVOPRUNE_SMOKE_ALL") != "" {
		names = append(names, "vgg16-cifar10-flops50")
	}
	for _, name := range names {
		e, err := config.LoadWith("../configs/reproduce/"+name+".yaml", []string{"data.dir=" + dir, "data.validation=16",
			"train.epochs=2", "train.milestones=[1]", "search.population=4", "search.generations=1",
			"search.fitness.eval_samples=16", "search.fitness.adapt_bn=1", "reconstruct.epochs=1", "device=cpu"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := Run(e, RunOptions{Out: t.TempDir(), Stdout: io.Discard})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := o.Run
		if want := 1 - e.Prune.TargetFLOPs; float64(r.Final.FLOPs) > want*float64(r.Dense.FLOPs) ||
			float64(r.Final.FLOPs) < (want-0.02)*float64(r.Dense.FLOPs) {
			t.Errorf("%s: final FLOPs %d of %d, target %.3f", name, r.Final.FLOPs, r.Dense.FLOPs, want)
		}
		if r.RebuildMaxAbsDiff > 1e-3 {
			t.Errorf("%s: rebuild difference %g", name, r.RebuildMaxAbsDiff)
		}
		t.Logf("%s: FLOPs %d -> %d (%.1f %% removed), params %d -> %d", name, r.Dense.FLOPs, r.Final.FLOPs,
			100*r.Final.FLOPsReduction, r.Dense.Params, r.Final.Params)
	}
}

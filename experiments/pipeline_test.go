package experiments

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
)

func tiny(t *testing.T, sets ...string) *config.Experiment {
	t.Helper()
	e, err := config.LoadWith("testdata/tiny.yaml", sets)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func run(t *testing.T, e *config.Experiment, out string) *Outcome {
	t.Helper()
	o, err := Run(e, RunOptions{Out: out, Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestRunWritesTheContract(t *testing.T) {
	o := run(t, tiny(t), t.TempDir())
	for _, f := range []string{"config.yaml", "metrics.json", "history.csv", "mask.json", "model.ot", "arch.json", "log.txt", "checkpoint/search.json"} {
		if _, err := os.Stat(filepath.Join(o.Dir, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	r := o.Run
	if r.RebuildMaxAbsDiff > 1e-4 {
		t.Errorf("rebuild_max_abs_diff %g > 1e-4", r.RebuildMaxAbsDiff)
	}
	// 24 of 48 hidden neurons kept: the final net is physically smaller.
	if got := r.Final.Architecture; len(got) != 4 || got[1]+got[2] != 24 {
		t.Errorf("final architecture %v, want 24 hidden neurons in all", got)
	}
	if r.Final.FLOPs >= r.Dense.FLOPs || r.Final.Params >= r.Dense.Params {
		t.Errorf("final not smaller: %d/%d FLOPs, %d/%d params", r.Final.FLOPs, r.Dense.FLOPs, r.Final.Params, r.Dense.Params)
	}
	if r.Dense.Accuracy < 0.6 || r.Final.Accuracy < 0.5 {
		t.Errorf("accuracies too low: dense %.3f final %.3f", r.Dense.Accuracy, r.Final.Accuracy)
	}
	hist, err := results.ReadHistory(filepath.Join(o.Dir, results.HistoryFile))
	if err != nil || len(hist) != 6 {
		t.Fatalf("history: %d rows (want 6: generation 0..5), %v", len(hist), err)
	}
	ev, err := Eval(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != r.Final.Accuracy {
		t.Errorf("eval accuracy %v, metrics.json %v", ev.Accuracy, r.Final.Accuracy)
	}
}

// Same config and seed, separate output trees (so the dense model is trained
// twice): byte-identical masks and equal metrics.
func TestRunIsDeterministic(t *testing.T) {
	a := run(t, tiny(t), t.TempDir())
	b := run(t, tiny(t), t.TempDir())
	ma, _ := os.ReadFile(filepath.Join(a.Dir, results.MaskFile))
	mb, _ := os.ReadFile(filepath.Join(b.Dir, results.MaskFile))
	if len(ma) == 0 || !bytes.Equal(ma, mb) {
		t.Fatalf("mask.json differs between identical runs:\n%s\n%s", ma, mb)
	}
	if a.Run.Final.Accuracy != b.Run.Final.Accuracy || a.Run.Dense.Accuracy != b.Run.Dense.Accuracy {
		t.Errorf("accuracies differ: dense %v/%v final %v/%v", a.Run.Dense.Accuracy, b.Run.Dense.Accuracy, a.Run.Final.Accuracy, b.Run.Final.Accuracy)
	}
}

var errInterrupt = errors.New("interrupted")

func TestResumeEndsLikeAnUninterruptedRun(t *testing.T) {
	out := t.TempDir()
	full := run(t, tiny(t), out)
	e := tiny(t)
	e.Name = "tiny-resumed"
	var dir string
	_, err := Run(e, RunOptions{Out: out, Stdout: io.Discard, Stop: func(gen int) error {
		if gen == 2 {
			return errInterrupt
		}
		return nil
	}})
	if !errors.Is(err, errInterrupt) {
		t.Fatalf("interrupted run: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(out, e.Name))
	if len(entries) != 1 {
		t.Fatalf("want one run directory, got %d", len(entries))
	}
	dir = filepath.Join(out, e.Name, entries[0].Name())
	re, err := config.Load(filepath.Join(dir, results.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := Run(re, RunOptions{Out: out, Resume: dir, Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(full.Dir, results.MaskFile))
	b, _ := os.ReadFile(filepath.Join(resumed.Dir, results.MaskFile))
	if !bytes.Equal(a, b) {
		t.Fatalf("resumed mask differs:\n%s\n%s", a, b)
	}
	if full.Run.Search.Evaluations != resumed.Run.Search.Evaluations {
		t.Errorf("evaluations %d vs %d", full.Run.Search.Evaluations, resumed.Run.Search.Evaluations)
	}
}

func TestWeightGranularity(t *testing.T) {
	o := run(t, tiny(t, "prune.granularity=weight", "prune.target_sparsity=0.9"), t.TempDir())
	r := o.Run
	if math.Abs(r.Final.Sparsity-0.9) > 0.01 {
		t.Errorf("final sparsity %.4f, want 0.90 (pruned weights must stay zero through fine-tuning)", r.Final.Sparsity)
	}
	if r.RebuildMaxAbsDiff > 1e-4 {
		t.Errorf("rebuild_max_abs_diff %g", r.RebuildMaxAbsDiff)
	}
}

// prune.inputs: the input features are units like the hidden neurons; the
// rebuilt network reads a subset of them through a select layer, computes the
// masked network's function, and reloads from its run directory.
func TestPruneInputs(t *testing.T) {
	o := run(t, tiny(t, "prune.inputs=true"), t.TempDir())
	r := o.Run
	dense, final := r.Dense.Architecture, r.Final.Architecture
	if len(final) != 4 || final[0] >= dense[0] || final[1] >= dense[1] {
		t.Fatalf("final architecture %v from %v: want fewer inputs and hidden neurons", final, dense)
	}
	if kept := final[0] + final[1] + final[2]; kept != (dense[0]+dense[1]+dense[2])/2 {
		t.Errorf("kept %d units of %d, want half", kept, dense[0]+dense[1]+dense[2])
	}
	if r.RebuildMaxAbsDiff > 1e-4 {
		t.Errorf("rebuild_max_abs_diff %g > 1e-4", r.RebuildMaxAbsDiff)
	}
	a, err := model.LoadArch(filepath.Join(o.Dir, results.ArchFile))
	if err != nil {
		t.Fatal(err)
	}
	sel := a.Layers[1]
	if sel.Kind != model.KSelect || int64(len(sel.Index)) != final[0] || sel.In != dense[0] {
		t.Fatalf("arch.json layer 1: %+v, want a select layer keeping %d of %d features", sel, final[0], dense[0])
	}
	for i := 1; i < len(sel.Index); i++ {
		if sel.Index[i] <= sel.Index[i-1] || sel.Index[i] >= dense[0] {
			t.Fatalf("select index %v not increasing within [0, %d)", sel.Index, dense[0])
		}
	}
	ev, err := Eval(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != r.Final.Accuracy {
		t.Errorf("eval accuracy %v, metrics.json %v", ev.Accuracy, r.Final.Accuracy)
	}
}

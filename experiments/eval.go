package experiments

import (
	"fmt"
	"runtime"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
)

// EvalResult is a saved model's test-set evaluation.
type EvalResult struct {
	Accuracy  float64 `json:"accuracy"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Params    int64   `json:"params"`
}

// FinalNetwork reloads a finished run's config and final network
// (config.yaml, arch.json, model.ot) on the run's device. The caller drops
// the network.
func FinalNetwork(dir string) (*config.Experiment, *model.Net, error) {
	rd, err := results.OpenRunDir(dir)
	if err != nil {
		return nil, nil, err
	}
	e, err := config.Load(rd.File(results.ConfigFile))
	if err != nil {
		return nil, nil, err
	}
	arch, err := model.LoadArch(rd.File(results.ArchFile))
	if err != nil {
		return nil, nil, err
	}
	torchrt.SetThreads(e.Threads)
	dev, err := model.Device(e.Device)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	n, err := model.Load(arch, rd.File(results.ModelFile), dev)
	if err != nil {
		return nil, nil, err
	}
	n.EvalBatch = e.EvalBatch
	return e, n, nil
}

// Eval reloads a run's final network (model.ot + arch.json) and its data,
// and evaluates it on the test set.
func Eval(dir string) (*EvalResult, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e, n, err := FinalNetwork(dir)
	if err != nil {
		return nil, err
	}
	defer n.Drop()
	sp, err := data.Load(DataConfig(e))
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", dir, err)
	}
	test := model.ToDevice(sp.Test, n.Device)
	defer test.Drop()
	s, err := scores(n, test, sp.Test)
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", dir, err)
	}
	return &EvalResult{Accuracy: s.Accuracy, Precision: s.Precision, Recall: s.Recall, F1: s.F1, Params: model.Params(n.Arch)}, nil
}

package interop_test

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/interop"
	"github.com/evoprune/evoprune/model"
)

// python returns Debian's python3 with torch and onnx (installed by
// `make test`'s set-up), or skips.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("EVOPRUNE_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if out, err := exec.Command(py, "-c", "import torch, onnx").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s cannot import torch and onnx (scripts/setup.sh installs python3-torch, python3-onnx): %v\n%s", py, err, out)
		}
		t.Skipf("%s cannot import torch and onnx: %v", py, err)
	}
	return py
}

// check runs testdata/torch_check.py and decodes its JSON line.
func check(t *testing.T, py string, args ...string) map[string]float64 {
	t.Helper()
	out, err := exec.Command(py, append([]string{"testdata/torch_check.py"}, args...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("torch_check.py %v: %v\n%s", args, err, msg)
	}
	var m map[string]float64
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("torch_check.py %v: %v: %s", args, err, out)
	}
	return m
}

func param(name string, s *data.Set, n int) model.HostParam {
	c, h, w := s.Shape[0], s.Shape[1], s.Shape[2]
	return model.HostParam{Name: name, Shape: []int64{int64(n), int64(c), int64(h), int64(w)}, Data: s.X[:n*c*h*w]}
}

func labels(name string, s *data.Set, n int) model.HostParam {
	y := make([]float32, n)
	for i := range y {
		y[i] = float32(s.Y[i])
	}
	return model.HostParam{Name: name, Shape: []int64{int64(n)}, Data: y}
}

// A run's final network exported to PyTorch computes the run's test
// accuracy in PyTorch; its ONNX graph passes onnx.checker and gives
// evoprune's logits; its safetensors file loads back unchanged.
func TestExportedNetworksComputeTheRunsResults(t *testing.T) {
	py := python(t)
	for _, c := range []struct{ name, arch, granularity, inputs string }{
		{"mlp", "lenet300-100", "neuron", "false"},
		{"mlp-inputs", "lenet300-100", "neuron", "true"}, // a select layer
		{"lenet5", "lenet5", "channel", "false"},
		{"resnet", "resnet20", "channel", "false"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := config.LoadWith("testdata/export.yaml", []string{"model.arch=" + c.arch, "prune.granularity=" + c.granularity, "prune.inputs=" + c.inputs})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			o, err := experiments.Run(e, experiments.RunOptions{Out: out, Stdout: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			sp, err := data.Load(experiments.DataConfig(e))
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := experiments.FinalNetwork(o.Dir)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Drop()
			arch := n.Arch
			test := model.ToDevice(sp.Test, gotch.CPU)
			defer test.Drop()
			ref := test.Narrow(0, 256)
			defer ref.Drop()
			lg := n.Logits(ref.X)
			refLogits := model.HostParam{Name: "ref_logits", Shape: lg.MustSize(), Data: model.Host(lg)}
			lg.MustDrop()
			dataFile := filepath.Join(out, "test.pt")
			if err := interop.WriteStateDict(dataFile, []model.HostParam{param("x", sp.Test, sp.Test.N), labels("y", sp.Test, sp.Test.N), refLogits}); err != nil {
				t.Fatal(err)
			}
			want := o.Run.Final.Accuracy

			export := func(format, dir string) {
				t.Helper()
				if _, err := interop.Export(n, interop.InputOf(e.Data.Dataset, e.Data.Pad), format, dir); err != nil {
					t.Fatal(err)
				}
			}
			dir := filepath.Join(out, "pytorch")
			export("pytorch", dir)
			if got := check(t, py, "eval", dir, dataFile)["accuracy"]; math.Abs(got-want) > 0.0005 {
				t.Errorf("PyTorch test accuracy %.4f, metrics.json final.accuracy %.4f", got, want)
			}

			export("onnx", out)
			r := check(t, py, "onnx", filepath.Join(out, "model.onnx"), dataFile)
			if math.Abs(r["accuracy"]-want) > 0.0005 || r["max_diff"] > 1e-4 {
				t.Errorf("ONNX: test accuracy %.4f (want %.4f), max |logits - evoprune's| %.2g (want <= 1e-4)", r["accuracy"], want, r["max_diff"])
			}

			export("safetensors", out)
			back, err := interop.Load(arch, filepath.Join(out, "model.safetensors"), gotch.CPU)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Drop()
			acc, err := fitness.Accuracy(back, test)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(acc-want) > 1e-9 {
				t.Errorf("reloaded from safetensors: accuracy %.4f, want %.4f", acc, want)
			}
			t.Logf("%s: final accuracy %.4f; PyTorch and ONNX agree (ONNX max diff %.2g)", n.Describe(), want, r["max_diff"])
		})
	}
}

// A LeNet-300-100 trained in PyTorch and saved with torch.save loads into
// evoprune with the accuracy PyTorch measured.
func TestImportTrainedInPyTorch(t *testing.T) {
	py := python(t)
	e, err := config.LoadWith("testdata/export.yaml", []string{"model.arch=lenet300-100"})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := data.Load(experiments.DataConfig(e))
	if err != nil {
		t.Fatal(err)
	}
	arch, err := model.Build(model.Spec{Arch: "lenet300-100", Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.py"), []byte(interop.PyModule(arch, interop.Input{Dataset: "mnist"})), 0o644); err != nil {
		t.Fatal(err)
	}
	dataFile := filepath.Join(dir, "data.pt")
	ps := []model.HostParam{param("x", sp.Test, sp.Test.N), labels("y", sp.Test, sp.Test.N),
		param("train_x", sp.Train, sp.Train.N), labels("train_y", sp.Train, sp.Train.N)}
	if err := interop.WriteStateDict(dataFile, ps); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "trained.pth")
	want := check(t, py, "train", dir, dataFile, ckpt)["accuracy"]
	n, err := interop.Load(arch, ckpt, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Drop()
	test := model.ToDevice(sp.Test, gotch.CPU)
	defer test.Drop()
	got, err := fitness.Accuracy(n, test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 0.0005 || want < 0.8 {
		t.Errorf("accuracy in evoprune %.4f, in PyTorch %.4f (want equal, and > 0.8)", got, want)
	}
	t.Logf("trained in PyTorch: %.4f there, %.4f in evoprune", want, got)
}

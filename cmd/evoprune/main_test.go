package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "evoprune-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "evoprune")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func evoprune(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

const tiny = "../../experiments/testdata/tiny.yaml"

func TestValidateExitCodes(t *testing.T) {
	if out, code := evoprune(t, "validate", "../../configs/lenet300-mnist.yaml"); code != 0 {
		t.Fatalf("default config: exit %d: %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nsearch:\n  population: 1\n"), 0o644)
	out, code := evoprune(t, "validate", bad)
	if code != 2 || !strings.Contains(out, bad+":3:3: search.population: must be >= 2") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if _, code := evoprune(t, "run"); code != 2 {
		t.Errorf("run without a config: exit %d, want 2", code)
	}
	if _, code := evoprune(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	for _, c := range []string{"run", "validate", "leaderboard", "eval"} {
		if out, code := evoprune(t, c, "--help"); code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: exit %d", c, code)
		}
	}
}

// A data folder that does not exist is bad input: validate says so naming
// data.dir, and run exits 2 without creating a run directory.
func TestMissingDataIsBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	set := []string{"--set", "data.dataset=fashion-mnist", "--set", "data.dir=" + missing}
	out, code := evoprune(t, append([]string{"validate", tiny}, set...)...)
	if code != 2 || !strings.Contains(out, "data.dir: ") || !strings.Contains(out, missing) {
		t.Errorf("validate: exit %d, output %q", code, out)
	}
	runs := filepath.Join(t.TempDir(), "runs")
	if out, code := evoprune(t, append([]string{"run", tiny, "--out", runs}, set...)...); code != 2 {
		t.Errorf("run: exit %d, want 2: %s", code, out)
	}
	if _, err := os.Stat(runs); !os.IsNotExist(err) {
		t.Errorf("run created %s for bad input (%v)", runs, err)
	}
}

// What validate and run can check before work starts is bad input
// (exit 2): a model.checkpoint that is not a model of the configured
// architecture, an output folder that cannot be created.
func TestCheckpointAndOutputAreChecked(t *testing.T) {
	for _, name := range []string{"junk.ot", "junk.pt", "junk.safetensors"} {
		junk := filepath.Join(t.TempDir(), name)
		os.WriteFile(junk, []byte("not a model"), 0o644)
		for _, c := range []string{"validate", "run"} {
			out, code := evoprune(t, c, tiny, "--set", "model.checkpoint="+junk, "--out", t.TempDir())
			if code != 2 || !strings.Contains(out, "model.checkpoint: ") {
				t.Errorf("%s with a junk checkpoint %s: exit %d, %q", c, name, code, out)
			}
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []string{"validate", "run"} {
		out, code := evoprune(t, c, tiny, "--out", filepath.Join(file, "runs"))
		if code != 2 || !strings.Contains(out, "--out ") {
			t.Errorf("%s --out under a file: exit %d, %q", c, code, out)
		}
	}
}

// A run killed with SIGKILL during the search and resumed with --resume ends
// with the same mask as an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	out := t.TempDir()
	long := []string{"--set", "search.generations=300", "--set", "search.population=16", "--out", out}
	if o, code := evoprune(t, append([]string{"run", tiny, "--set", "name=whole"}, long...)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, o)
	}
	cmd := exec.Command(bin, append([]string{"run", tiny, "--set", "name=killed"}, long...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dir := waitForCheckpoint(t, filepath.Join(out, "killed"), 3)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, "metrics.json")); err == nil {
		t.Fatal("the run finished before it was killed; make it longer")
	}
	if o, code := evoprune(t, "run", "--resume", dir); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, o)
	}
	whole, _ := filepath.Glob(filepath.Join(out, "whole", "*", "mask.json"))
	if len(whole) != 1 {
		t.Fatalf("uninterrupted mask.json: %v", whole)
	}
	a, _ := os.ReadFile(whole[0])
	b, _ := os.ReadFile(filepath.Join(dir, "mask.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("masks differ after kill + resume")
	}
	// eval reproduces the final accuracy of metrics.json.
	var m struct {
		Final struct{ Accuracy float64 } `json:"final"`
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "metrics.json"))
	json.Unmarshal(mb, &m)
	o, code := evoprune(t, "eval", dir, "--json")
	var ev struct{ Accuracy float64 }
	if code != 0 || json.Unmarshal([]byte(o), &ev) != nil || ev.Accuracy != m.Final.Accuracy {
		t.Fatalf("eval: exit %d, %q; metrics.json final accuracy %v", code, o, m.Final.Accuracy)
	}
}

// waitForCheckpoint returns the run directory under root once its search
// checkpoint records at least generation gen.
func waitForCheckpoint(t *testing.T, root string, gen int) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		cps, _ := filepath.Glob(filepath.Join(root, "*", "checkpoint", "search.json"))
		if len(cps) == 1 {
			var cp struct{ Generation int }
			if b, err := os.ReadFile(cps[0]); err == nil && json.Unmarshal(b, &cp) == nil && cp.Generation >= gen {
				return filepath.Dir(filepath.Dir(cps[0]))
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no checkpoint appeared")
	return ""
}

func TestExportChecksItsArguments(t *testing.T) {
	for _, args := range [][]string{
		{"export", t.TempDir(), "--format", "keras", "--out", t.TempDir()},
		{"export", filepath.Join(t.TempDir(), "missing"), "--format", "onnx", "--out", t.TempDir()},
		{"export", t.TempDir(), "--format", "onnx"},
		{"export", t.TempDir(), "--format", "onnx", "--out", t.TempDir()},
	} {
		if out, code := evoprune(t, args...); code != 2 {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

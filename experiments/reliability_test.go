package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
)

// interruptedRun stops a tiny run after generation 2 and returns its
// directory.
func interruptedRun(t *testing.T, out string, sets ...string) string {
	t.Helper()
	_, err := Run(tiny(t, sets...), RunOptions{Out: out, Stdout: io.Discard, Stop: func(gen int) error {
		if gen == 2 {
			return errInterrupt
		}
		return nil
	}})
	if !errors.Is(err, errInterrupt) {
		t.Fatalf("interrupted run: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v", dirs)
	}
	return dirs[0]
}

func resume(dir string) error {
	e, err := config.Load(filepath.Join(dir, results.ConfigFile))
	if err != nil {
		return err
	}
	_, err = Run(e, RunOptions{Out: filepath.Dir(filepath.Dir(dir)), Resume: dir, Stdout: io.Discard})
	return err
}

// A truncated, corrupt or another experiment's search checkpoint stops
// --resume with an input error that names the file: never a silent restart.
func TestResumeRejectsBadCheckpoints(t *testing.T) {
	other := interruptedRun(t, t.TempDir(), "seed=9")
	otherCP, err := os.ReadFile(filepath.Join(other, "checkpoint", "search.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"garbage":   func([]byte) []byte { return []byte("\x00\x01 not json") },
		"foreign":   func([]byte) []byte { return otherCP },
	} {
		t.Run(name, func(t *testing.T) {
			dir := interruptedRun(t, t.TempDir())
			cp := filepath.Join(dir, "checkpoint", "search.json")
			b, _ := os.ReadFile(cp)
			if err := os.WriteFile(cp, edit(b), 0o644); err != nil {
				t.Fatal(err)
			}
			err := resume(dir)
			var bad *InputError
			if !errors.As(err, &bad) || !strings.Contains(err.Error(), cp) {
				t.Fatalf("resume with a %s checkpoint: %v, want an InputError naming %s", name, err, cp)
			}
			if _, err := os.Stat(filepath.Join(dir, results.MetricsFile)); err == nil {
				t.Error("the search restarted and finished")
			}
			st, err := (&results.RunDir{Path: dir}).ReadStatus()
			if err != nil || st.State != results.StateFailed || st.Stage != "search" {
				t.Errorf("status %+v, %v", st, err)
			}
		})
	}
}

// A run directory another process holds is refused; a finished run is not
// resumed again.
func TestRunDirectoryInUseOrFinished(t *testing.T) {
	dir := interruptedRun(t, t.TempDir())
	l, err := (&results.RunDir{Path: dir}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	err = resume(dir)
	l.Release()
	var bad *InputError
	if !errors.As(err, &bad) || !errors.Is(err, results.ErrBusy) {
		t.Fatalf("resume of a locked directory: %v", err)
	}
	if err := resume(dir); err != nil {
		t.Fatal(err)
	}
	if err := resume(dir); !errors.As(err, &bad) || !strings.Contains(err.Error(), "nothing to resume") {
		t.Fatalf("resume of a finished run: %v", err)
	}
	if st, err := (&results.RunDir{Path: dir}).ReadStatus(); err != nil || st.State != results.StateFinished {
		t.Errorf("the finished run's status after a refused resume: %+v, %v", st, err)
	}
}

// A loss that becomes NaN stops the run with an error naming the step and
// the epoch; the run directory says it failed and holds no metrics.json.
func TestDivergingTrainingStopsClearly(t *testing.T) {
	out := t.TempDir()
	_, err := Run(tiny(t, "train.optimizer=sgd", "train.lr=1e30"), RunOptions{Out: out, Stdout: io.Discard})
	var div *model.DivergedError
	if !errors.As(err, &div) || !strings.HasPrefix(err.Error(), "train: epoch 1, step ") {
		t.Fatalf("error %v, want a DivergedError in step train, epoch 1", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], results.MetricsFile)); err == nil {
		t.Error("a diverged run wrote metrics.json")
	}
	st, err := (&results.RunDir{Path: dirs[0]}).ReadStatus()
	if err != nil || st.State != results.StateFailed || st.Stage != "train" || !strings.Contains(st.Error, "diverged") {
		t.Errorf("status %+v, %v", st, err)
	}
}

// A cancelled context stops a run at a safe point with *Interrupted, and
// the run resumes to the uninterrupted result.
func TestCancelledRunResumes(t *testing.T) {
	out := t.TempDir()
	full := run(t, tiny(t), t.TempDir())
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("test signal")
	_, err := Run(tiny(t), RunOptions{Out: out, Context: ctx, Stdout: io.Discard, Stop: func(gen int) error {
		if gen == 3 {
			cancel(cause)
		}
		return nil
	}})
	var in *Interrupted
	if !errors.As(err, &in) || !errors.Is(err, cause) {
		t.Fatalf("cancelled run: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "*"))
	st, _ := (&results.RunDir{Path: dirs[0]}).ReadStatus()
	if st == nil || st.State != results.StateInterrupted || !strings.Contains(st.Resume, "--resume "+dirs[0]) {
		t.Fatalf("status %+v", st)
	}
	if err := resume(dirs[0]); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(full.Dir, results.MaskFile))
	b, _ := os.ReadFile(filepath.Join(dirs[0], results.MaskFile))
	if len(a) == 0 || string(a) != string(b) {
		t.Fatal("the resumed run's mask differs from the uninterrupted one")
	}
}

// model.checkpoint is checked before any work: a file of another
// architecture, or not a model at all, is an input error.
func TestCheckpointOfAnotherArchitecture(t *testing.T) {
	o := run(t, tiny(t), t.TempDir())
	good := filepath.Join(o.Dir, results.ModelFile) // the pruned network: other widths
	junk := filepath.Join(t.TempDir(), "junk.ot")
	os.WriteFile(junk, []byte("not a model"), 0o644)
	for _, ck := range []string{good, junk} {
		err := CheckInputs(tiny(t, "model.checkpoint="+ck))
		var bad *InputError
		if !errors.As(err, &bad) || !strings.HasPrefix(err.Error(), "model.checkpoint: ") {
			t.Errorf("%s: %v, want an InputError about model.checkpoint", ck, err)
		}
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	if err := CheckOutput(filepath.Join(dir, "not", "yet")); err != nil {
		t.Errorf("a folder to be created: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	var bad *InputError
	if err := CheckOutput(filepath.Join(file, "runs")); !errors.As(err, &bad) {
		t.Errorf("a file in the way: %v", err)
	}
}

// cancelOn calls cancel when the n-th line containing text is written.
type cancelOn struct {
	text   string
	n      int
	cancel func()
}

func (c *cancelOn) Write(b []byte) (int, error) {
	if strings.Contains(string(b), c.text) {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
	return len(b), nil
}

// A run interrupted while probing the front (during its second probe's
// fine-tuning) resumes from probes.json: the finished probe is read back,
// not run again, and the result is the uninterrupted run's.
func TestRunInterruptedWhileProbingResumes(t *testing.T) {
	sets := []string{"search.fitness.objective=pareto", "model.widths=[64, 32]", "search.population=16",
		"search.generations=6", "search.fitness.max_error=0.1", "search.fitness.probe_epochs=2"}
	full := run(t, tiny(t, sets...), t.TempDir())
	out := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	w := &cancelOn{text: "probe: front point", n: 2, cancel: func() { cancel(errors.New("test signal")) }}
	_, err := Run(tiny(t, sets...), RunOptions{Out: out, Context: ctx, Stdout: w})
	var in *Interrupted
	if !errors.As(err, &in) {
		t.Fatalf("run cancelled while probing: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "*"))
	probes := func(dir string) []results.Probe {
		var p []results.Probe
		b, err := os.ReadFile(filepath.Join(dir, results.ProbeFile))
		if err != nil || json.Unmarshal(b, &p) != nil {
			t.Fatalf("%s: %v", results.ProbeFile, err)
		}
		return p
	}
	done := probes(dirs[0])
	want := probes(full.Dir)
	if len(done) != 1 || len(want) < 2 {
		t.Fatalf("%d probes recorded when interrupted (want 1), %d in the whole run (want >= 2)", len(done), len(want))
	}
	if err := resume(dirs[0]); err != nil {
		t.Fatal(err)
	}
	if got := probes(dirs[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("probes after resuming %+v, uninterrupted %+v", got, want)
	}
	a, _ := os.ReadFile(filepath.Join(full.Dir, results.MaskFile))
	b, _ := os.ReadFile(filepath.Join(dirs[0], results.MaskFile))
	if len(a) == 0 || string(a) != string(b) {
		t.Fatal("the resumed run's mask differs from the uninterrupted one")
	}
}

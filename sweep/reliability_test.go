package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/results"
)

// A sweep whose context is cancelled while its second trial runs keeps the
// first, stops the second at a safe point, starts no more, and running it
// again finishes the rest.
func TestSweepInterruptedThenContinued(t *testing.T) {
	trials := tinySweep(t)[:3]
	out := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	progress := writerFunc(func(b []byte) {
		if strings.Contains(string(b), "[2/3]") && strings.Contains(string(b), "running") {
			cancel(errors.New("test signal"))
		}
	})
	res, err := Run(trials, Options{Out: out, Progress: progress, Context: ctx})
	var in *experiments.Interrupted
	if !errors.As(err, &in) {
		t.Fatalf("interrupted sweep: %v", err)
	}
	if res[0].State != TrialRun || res[0].Err != nil || res[1].State != TrialInterrupted || res[2].State != TrialInterrupted {
		t.Fatalf("states %v %v %v", res[0].State, res[1].State, res[2].State)
	}
	if _, err := os.Stat(filepath.Join(out, "tiny", TrialRunID(trials[2]))); err == nil {
		t.Error("the third trial was started after the interrupt")
	}
	res, _ = sweep(t, trials, out, 1)
	if res[0].State != TrialSkipped || res[2].State != TrialRun || res[1].Run == nil {
		t.Fatalf("second pass: %v %v %v", res[0].State, res[1].State, res[2].State)
	}
}

type writerFunc func([]byte)

func (w writerFunc) Write(b []byte) (int, error) { w(b); return len(b), nil }

// Two copies of one sweep share its trials: a trial another process holds
// is skipped, not failed, and the copy goes on with the next.
func TestSweepSkipsTrialsAnotherProcessRuns(t *testing.T) {
	trials := tinySweep(t)[:2]
	out := t.TempDir()
	dir, err := newTrialDir(out, trials[0])
	if err != nil {
		t.Fatal(err)
	}
	l, err := (&results.RunDir{Path: dir}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	var progress strings.Builder
	res, err := Run(trials, Options{Out: out, Progress: &progress})
	if err != nil {
		t.Fatalf("sweep: %v\n%s", err, progress.String())
	}
	if res[0].State != TrialBusy || res[1].State != TrialRun || res[1].Run == nil {
		t.Fatalf("states %v %v\n%s", res[0].State, res[1].State, progress.String())
	}
	if !strings.Contains(progress.String(), "skipped: ") || !strings.Contains(progress.String(), "in use by another evoprune process") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

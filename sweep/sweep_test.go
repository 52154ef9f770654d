package sweep

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/results"
)

func tinySweep(t *testing.T) []config.Trial {
	t.Helper()
	_, trials, err := config.LoadSweep("../experiments/testdata/sweep-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 8 {
		t.Fatalf("sweep-tiny.yaml: %d trials, want 8", len(trials))
	}
	return trials
}

func sweep(t *testing.T, trials []config.Trial, out string, workers int) ([]TrialResult, string) {
	t.Helper()
	var progress bytes.Buffer
	res, err := Run(trials, Options{Out: out, Workers: workers, Progress: &progress})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	return res, progress.String()
}

func states(res []TrialResult) map[TrialState][]int {
	m := map[TrialState][]int{}
	for _, r := range res {
		m[r.State] = append(m[r.State], r.Trial.Index)
	}
	return m
}

// metricsTimes maps each finished run's metrics.json to its modification time.
func metricsTimes(t *testing.T, out string) map[string]time.Time {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(out, "tiny", "*", results.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]time.Time{}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = st.ModTime()
	}
	return m
}

func TestSweepRunsEveryTrialOnceThenSkips(t *testing.T) {
	trials := tinySweep(t)
	out := t.TempDir()
	res, progress := sweep(t, trials, out, 2)
	if got := states(res)[TrialRun]; len(got) != 8 {
		t.Fatalf("first sweep ran %v, want all 8\n%s", got, progress)
	}
	for _, r := range res {
		want := filepath.Join(out, "tiny", TrialRunID(r.Trial))
		if r.Err != nil || r.Run == nil || r.Dir != want {
			t.Errorf("trial %d: dir %s (want %s), err %v", r.Trial.Index, r.Dir, want, r.Err)
			continue
		}
		if r.Run.Algorithm != r.Trial.Experiment.Search.Algorithm || r.Run.Seed != r.Trial.Experiment.Seed {
			t.Errorf("trial %d: metrics of another experiment: %s seed %d", r.Trial.Index, r.Run.Algorithm, r.Run.Seed)
		}
		// Two workers share the base config's 2 threads.
		if e, err := config.Load(filepath.Join(r.Dir, results.ConfigFile)); err != nil || e.Threads != 1 {
			t.Errorf("trial %d: config.yaml threads: %v", r.Trial.Index, err)
		}
	}
	if !strings.Contains(progress, "[8/8] trial t7-"+trials[7].ID+": run in ") ||
		!strings.Contains(progress, "running (prune.target_sparsity=0.5, search.algorithm=genetic, seed=1, 1 threads)") {
		t.Errorf("progress lines:\n%s", progress)
	}
	// Trials sharing a dense model wait for the one that trains it: one
	// training per seed, however the two workers interleave.
	trained := 0
	for _, r := range res {
		log, _ := os.ReadFile(filepath.Join(r.Dir, results.LogFile))
		if strings.Contains(string(log), "dense: training") {
			trained++
		}
	}
	if trained != 2 {
		t.Errorf("dense model trained in %d trials, want 2 (one per seed)", trained)
	}
	before := metricsTimes(t, out)
	if len(before) != 8 {
		t.Fatalf("%d metrics.json after the sweep, want 8", len(before))
	}

	res, progress = sweep(t, trials, out, 2)
	if got := states(res)[TrialSkipped]; len(got) != 8 {
		t.Fatalf("second sweep skipped %v, want all 8\n%s", got, progress)
	}
	if strings.Contains(progress, "running") || !strings.Contains(progress, "[1/8] trial t0-"+trials[0].ID+": skipped") {
		t.Errorf("second sweep progress:\n%s", progress)
	}
	after := metricsTimes(t, out)
	if len(after) != 8 {
		t.Errorf("%d metrics.json after the second sweep, want 8", len(after))
	}
	for f, tm := range before {
		if !after[f].Equal(tm) {
			t.Errorf("%s rewritten by the second sweep", f)
		}
	}
	for _, r := range res {
		if r.Run == nil || r.Run.Final.Accuracy <= 0 {
			t.Errorf("skipped trial %d: metrics not read back", r.Trial.Index)
		}
	}
}

func TestSweepAfterInterruption(t *testing.T) {
	trials := tinySweep(t)
	out := t.TempDir()
	// Half the sweep finished (shard 0/2: trials 0, 2, 4, 6) ...
	res, _ := sweep(t, config.Shard(trials, 0, 2), out, 1)
	if len(res) != 4 || len(states(res)[TrialRun]) != 4 {
		t.Fatalf("shard 0/2: %v", states(res))
	}
	// ... and trial 1 (genetic) stopped after generation 1.
	stop := errors.New("stopped")
	_, err := RunTrial(trials[1], experiments.RunOptions{Out: out, Stdout: io.Discard, Stop: func(gen int) error {
		if gen == 1 {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) {
		t.Fatalf("interrupted trial: %v", err)
	}
	dir := filepath.Join(out, "tiny", TrialRunID(trials[1]))
	if st, _, err := PlanTrial(out, trials[1]); err != nil || st != TrialResumed {
		t.Fatalf("plan of the interrupted trial: %s, %v", st, err)
	}

	res, progress := sweep(t, trials, out, 2)
	got := states(res)
	if !slices.Equal(got[TrialSkipped], []int{0, 2, 4, 6}) || !slices.Equal(got[TrialResumed], []int{1}) ||
		!slices.Equal(got[TrialRun], []int{3, 5, 7}) {
		t.Fatalf("states after interruption: %v\n%s", got, progress)
	}
	if res[1].Dir != dir || !strings.Contains(progress, "resumed in ") {
		t.Errorf("trial 1 ran in %s, want %s\n%s", res[1].Dir, dir, progress)
	}
	if n := len(metricsTimes(t, out)); n != 8 {
		t.Errorf("%d metrics.json, want 8", n)
	}
	dirs, _ := os.ReadDir(filepath.Join(out, "tiny"))
	if len(dirs) != 8 {
		t.Errorf("%d run directories, want 8", len(dirs))
	}
	log, _ := os.ReadFile(filepath.Join(dir, results.LogFile))
	if !strings.Contains(string(log), "search: resuming after generation 1") {
		t.Errorf("trial 1 did not resume from its checkpoint:\n%s", log)
	}
}

func TestSweepShardsPartitionTrials(t *testing.T) {
	trials := tinySweep(t)
	for n := 1; n <= 5; n++ {
		seen := map[string]int{}
		for i := range n {
			for _, tr := range config.Shard(trials, i, n) {
				seen[TrialRunID(tr)]++
			}
		}
		for _, tr := range trials {
			if seen[TrialRunID(tr)] != 1 {
				t.Errorf("N=%d: trial %d in %d shards", n, tr.Index, seen[TrialRunID(tr)])
			}
		}
		if len(seen) != len(trials) {
			t.Errorf("N=%d: %d distinct trials across shards, want %d", n, len(seen), len(trials))
		}
	}
}

// A trial directory is found by its id even when the grid was edited and
// the trial renumbered; another trial's directory is not mistaken for it.
func TestPlanTrialFindsByID(t *testing.T) {
	trials := tinySweep(t)
	out := t.TempDir()
	if st, dir, err := PlanTrial(out, trials[2]); err != nil || st != TrialRun || dir != "" {
		t.Fatalf("fresh plan: %s %q %v", st, dir, err)
	}
	d, err := newTrialDir(out, trials[2])
	if err != nil {
		t.Fatal(err)
	}
	moved := trials[2]
	moved.Index = 5
	if st, dir, err := PlanTrial(out, moved); err != nil || st != TrialRun || dir != d {
		t.Errorf("renumbered trial: %s %q %v, want run in %s", st, dir, err, d)
	}
	os.WriteFile(filepath.Join(d, results.MetricsFile), []byte(`{"name":"tiny"}`), 0o644)
	if st, _, _ := PlanTrial(out, moved); st != TrialSkipped {
		t.Errorf("finished trial planned as %s", st)
	}
	// A marker with another id: not this trial's directory.
	os.WriteFile(filepath.Join(d, TrialFile), []byte(`{"id":"000000000000"}`), 0o644)
	if st, dir, _ := PlanTrial(out, trials[2]); st != TrialRun || dir != "" {
		t.Errorf("foreign directory taken: %s %q", st, dir)
	}
}

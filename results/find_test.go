package results

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFindRuns(t *testing.T) {
	out := t.TempDir()
	for i, name := range []string{"a", "a", "b"} {
		d, err := CreateRunDir(out, name, testRunID(int64(i)))
		mustRun(t, err)
		mustRun(t, d.WriteMetrics(sampleRun(name, int64(i), 0.9, 2)))
		mustRun(t, os.MkdirAll(d.File(CheckpointDir), 0o755))
	}
	// An unfinished run has no metrics.json and is not listed.
	_, err := CreateRunDir(out, "c", "unfinished")
	mustRun(t, err)

	// Overlapping dirs list each run once.
	runs, dirs, err := FindRuns(out, filepath.Join(out, "a"))
	mustRun(t, err)
	if len(runs) != 3 || len(dirs) != 3 {
		t.Fatalf("found %d runs in %v, want 3", len(runs), dirs)
	}
	for i, r := range runs {
		if filepath.Base(dirs[i]) != r.RunID || filepath.Base(filepath.Dir(dirs[i])) != r.Name {
			t.Errorf("run %s/%s reported at %s", r.Name, r.RunID, dirs[i])
		}
	}
	names := []string{runs[0].Name, runs[1].Name, runs[2].Name}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "a", "b"}) {
		t.Errorf("names = %v", names)
	}
}

func TestFindRunsErrors(t *testing.T) {
	out := t.TempDir()
	bad := filepath.Join(out, "x", "id", MetricsFile)
	mustRun(t, os.MkdirAll(filepath.Dir(bad), 0o755))
	mustRun(t, os.WriteFile(bad, []byte("[]"), 0o644))
	if _, _, err := FindRuns(out); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v, want one naming %s", err, bad)
	}
	if _, _, err := FindRuns(filepath.Join(out, "missing")); err == nil {
		t.Fatal("want an error for a missing dir")
	}
}

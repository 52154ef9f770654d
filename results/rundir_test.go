package results

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewRunID(t *testing.T) {
	at := time.Date(2026, 11, 29, 13, 15, 0, 0, time.UTC)
	if got := NewRunID(at, 1); got != "20261129-131500-s1" {
		t.Fatalf("NewRunID = %q", got)
	}
	if a, b := NewRunID(at, 7), NewRunID(at.Add(time.Second), 7); a >= b {
		t.Fatalf("ids do not sort by time: %q >= %q", a, b)
	}
}

func TestCreateRunDir(t *testing.T) {
	out := t.TempDir()
	d, err := CreateRunDir(out, "exp", "id1")
	mustRun(t, err)
	if want := filepath.Join(out, "exp", "id1"); d.Path != want {
		t.Fatalf("Path = %q, want %q", d.Path, want)
	}
	if _, err := CreateRunDir(out, "exp", "id1"); err != nil {
		t.Fatalf("reusing an unfinished run dir: %v", err)
	}
	mustRun(t, d.WriteMetrics(sampleRun("exp", 1, 0.97, 2)))
	if _, err := CreateRunDir(out, "exp", "id1"); err == nil {
		t.Fatal("want an error for a finished run dir")
	}
	for _, bad := range [][2]string{{"", "id"}, {"exp", ".."}, {"a/b", "id"}, {"exp", `x\y`}} {
		if _, err := CreateRunDir(out, bad[0], bad[1]); err == nil {
			t.Errorf("CreateRunDir(%q, %q): want an error", bad[0], bad[1])
		}
	}
}

func TestOpenRunDir(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenRunDir(dir)
	mustRun(t, err)
	if d.File("log.txt") != filepath.Join(dir, "log.txt") {
		t.Fatalf("File = %q", d.File("log.txt"))
	}
	if _, err := OpenRunDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("want an error for a missing dir")
	}
	f := filepath.Join(dir, "file")
	mustRun(t, os.WriteFile(f, nil, 0o644))
	if _, err := OpenRunDir(f); err == nil {
		t.Fatal("want an error for a file")
	}
}

func TestMetricsJSONKeys(t *testing.T) {
	data, err := json.Marshal(sampleRun("exp", 1, 0.97, 2))
	mustRun(t, err)
	var top map[string]json.RawMessage
	mustRun(t, json.Unmarshal(data, &top))
	checkKeys(t, "metrics.json", top, "name", "run_id", "seed", "model", "dataset",
		"granularity", "algorithm", "target_sparsity", "dense", "masked", "final",
		"rebuild_max_abs_diff", "search", "seconds")
	for _, phase := range []string{"dense", "masked", "final"} {
		var m map[string]json.RawMessage
		mustRun(t, json.Unmarshal(top[phase], &m))
		checkKeys(t, phase, m, "accuracy", "precision", "recall", "f1", "val_accuracy",
			"params", "nonzero_params", "sparsity", "compression", "flops", "flops_reduction",
			"latency_ms_b1", "latency_ms_b256", "architecture")
	}
	var search, secs map[string]json.RawMessage
	mustRun(t, json.Unmarshal(top["search"], &search))
	mustRun(t, json.Unmarshal(top["seconds"], &secs))
	checkKeys(t, "search", search, "generations", "evaluations", "seconds")
	checkKeys(t, "seconds", secs, "train", "search", "rebuild", "finetune", "latency", "evaluate", "total")
}

func checkKeys(t *testing.T, what string, m map[string]json.RawMessage, want ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func TestWriteReadRun(t *testing.T) {
	d, err := CreateRunDir(t.TempDir(), "exp", "id")
	mustRun(t, err)
	want := sampleRun("exp", 3, 0.97, 2.5)
	mustRun(t, d.WriteMetrics(want))
	for _, p := range []string{d.Path, d.File(MetricsFile)} {
		got, err := ReadRun(p)
		mustRun(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ReadRun(%s) = %+v, want %+v", p, got, want)
		}
	}
	if err := d.WriteMetrics(nil); err == nil {
		t.Fatal("want an error for a nil run")
	}
}

func TestReadRunBadJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, MetricsFile)
	mustRun(t, os.WriteFile(path, []byte("{not json"), 0o644))
	_, err := ReadRun(dir)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

func TestLogAppends(t *testing.T) {
	d, err := OpenRunDir(t.TempDir())
	mustRun(t, err)
	for _, s := range []string{"one\n", "two\n"} {
		w, err := d.Log()
		mustRun(t, err)
		_, err = io.WriteString(w, s)
		mustRun(t, err)
		mustRun(t, w.Close())
	}
	got, err := os.ReadFile(d.File(LogFile))
	mustRun(t, err)
	if string(got) != "one\ntwo\n" {
		t.Fatalf("log = %q", got)
	}
}

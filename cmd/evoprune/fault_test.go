package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The disk fills up during the search: here a file-size limit (prlimit
// --fsize) makes the kernel fail the checkpoint write halfway, as a full
// disk does. The run fails saying so, no half-written file is visible, the
// previous checkpoint is intact, and --resume ends like an uninterrupted run.
func TestDiskFullDuringSearchThenResume(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not installed")
	}
	set := []string{"--set", "search.generations=60"}
	ref := t.TempDir()
	if o, code := evoprune(t, append([]string{"run", tiny, "--out", ref}, set...)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, o)
	}
	wantMask, wantAcc := finalOf(t, runDirOf(t, ref))

	out := t.TempDir()
	// search.json grows by about 1.5 kB a generation; 40 kB is reached
	// near generation 27, after the dense model (13.5 kB) was cached.
	cmd := exec.Command(prlimit, append([]string{"--fsize=40000", bin, "run", tiny, "--out", out}, set...)...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(log.String(), "file too large") {
		t.Fatalf("run on a full disk: %v, want exit 1 naming the write error\n%s", err, log.String())
	}
	dir := runDirOf(t, out)
	var st struct{ State, Stage, Error string }
	b, _ := os.ReadFile(filepath.Join(dir, "status.json"))
	if json.Unmarshal(b, &st) != nil || st.State != "failed" || st.Stage != "search" || !strings.Contains(st.Error, "search.json") {
		t.Errorf("status.json: %s", b)
	}
	var cp struct{ Generation int }
	b, err = os.ReadFile(filepath.Join(dir, "checkpoint", "search.json"))
	if err != nil || json.Unmarshal(b, &cp) != nil || cp.Generation < 5 || cp.Generation >= 60 {
		t.Fatalf("checkpoint after the failed write: generation %d, %v", cp.Generation, err)
	}
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if strings.Contains(filepath.Base(path), ".tmp") {
			t.Errorf("half-written file left visible: %s", path)
		}
		return nil
	})
	resumeEndsLike(t, dir, wantMask, wantAcc, "the full disk")
	t.Logf("disk full after generation %d: %s", cp.Generation, strings.TrimSpace(st.Error))
}

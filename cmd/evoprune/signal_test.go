package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGINT at ten moments of a run (data loading, dense training, the
// search, the rebuild, fine-tuning) and SIGTERM at one, then --resume: every
// run ends with the uninterrupted run's mask.json and final accuracy, and
// says on the way that it was interrupted (exit 130 / 143, status.json).
func TestSigintAtTenMomentsThenResume(t *testing.T) {
	set := []string{"--set", "search.generations=60", "--set", "reconstruct.epochs=3"}
	ref := t.TempDir()
	if o, code := evoprune(t, append([]string{"run", tiny, "--out", ref}, set...)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, o)
	}
	wantMask, wantAcc := finalOf(t, runDirOf(t, ref))
	type moment struct {
		line  string
		sig   syscall.Signal
		twice bool // a second signal 50 ms later: quit at once
	}
	var moments []moment
	for _, m := range []string{"data:", "dense: training", "train: epoch 1/", "train: epoch 2/", "dense: test acc",
		"search: genetic", "gen   5/", "gen  30/", "rebuild:", "finetune: epoch 1/"} {
		moments = append(moments, moment{m, syscall.SIGINT, false})
	}
	moments = append(moments, moment{"gen  20/", syscall.SIGTERM, false}) // exit 143
	// The latency step (about a second) has no safe point inside: the
	// second signal lands before the first is acted on.
	moments = append(moments, moment{"final: test acc", syscall.SIGINT, true})
	for _, mo := range moments {
		m, sig := mo.line, mo.sig
		name := signalName(sig) + " " + strings.TrimRight(m, ":/ ")
		if mo.twice {
			name += " twice"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			cmd := exec.Command(bin, append([]string{"run", tiny, "--out", out}, set...)...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			cmd.Stderr = &log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			sent := false
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if !sent && strings.HasPrefix(sc.Text(), m) {
					cmd.Process.Signal(sig)
					if mo.twice {
						time.Sleep(50 * time.Millisecond)
						cmd.Process.Signal(sig)
					}
					sent = true
				}
			}
			err = cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(sig) {
				t.Fatalf("after %s at %q: %v, want exit %d\n%s", signalName(sig), m, err, 128+int(sig), log.String())
			}
			dir := runDirOf(t, out)
			var st struct{ State, Stage, Resume string }
			b, _ := os.ReadFile(filepath.Join(dir, "status.json"))
			switch {
			case mo.twice: // no time to write a status: it still says running, and where
				if json.Unmarshal(b, &st) != nil || st.State != "running" || st.Stage != "latency" || !strings.Contains(log.String(), "quitting now") {
					t.Errorf("status.json after two signals: %s\n%s", b, log.String())
				}
			case json.Unmarshal(b, &st) != nil || st.State != "interrupted" || !strings.Contains(st.Resume, dir):
				t.Errorf("status.json after %s: %s", signalName(sig), b)
			}
			t.Logf("%s at %q: stopped in step %s", signalName(sig), m, st.Stage)
			resumeEndsLike(t, dir, wantMask, wantAcc, fmt.Sprintf("%s at %q", signalName(sig), m))
		})
	}
}

// resumeEndsLike checks that the unfinished run in dir wrote no
// metrics.json, and that --resume ends it with the uninterrupted run's mask
// and final accuracy.
func resumeEndsLike(t *testing.T, dir string, wantMask []byte, wantAcc float64, after string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "metrics.json")); err == nil {
		t.Fatalf("after %s: the unfinished run wrote metrics.json", after)
	}
	if o, code := evoprune(t, "run", "--resume", dir); code != 0 {
		t.Fatalf("after %s: resume: exit %d\n%s", after, code, o)
	}
	mask, acc := finalOf(t, dir)
	if !bytes.Equal(mask, wantMask) || acc != wantAcc {
		t.Errorf("after %s + resume: final accuracy %v (uninterrupted %v), masks equal %v",
			after, acc, wantAcc, bytes.Equal(mask, wantMask))
	}
}

// runDirOf is the one run directory under out.
func runDirOf(t *testing.T, out string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories under %s: %v", out, dirs)
	}
	return dirs[0]
}

// finalOf is a finished run's mask.json and final test accuracy.
func finalOf(t *testing.T, dir string) ([]byte, float64) {
	t.Helper()
	mask, err := os.ReadFile(filepath.Join(dir, "mask.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Final struct{ Accuracy float64 } `json:"final"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	return mask, m.Final.Accuracy
}

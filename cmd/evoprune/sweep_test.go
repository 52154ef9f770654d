package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const tinySweep = "../../experiments/testdata/sweep-tiny.yaml"

func TestSweepShardRunsThenSkips(t *testing.T) {
	out := t.TempDir()
	// Shard 1/4 of the 8 trials: indices 1 and 5.
	o, code := evoprune(t, "sweep", tinySweep, "--out", out, "--workers", "2", "--shard", "1/4")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, o)
	}
	for _, want := range []string{"2 of 8 trials, 2 workers", "[1/2] trial t1-", "[2/2] trial t5-", ": run in ", "final acc", "resident memory ", " ± "} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "tiny", "t*", "metrics.json"))
	if len(dirs) != 2 {
		t.Errorf("%d finished runs, want 2", len(dirs))
	}
	o, code = evoprune(t, "sweep", tinySweep, "--out", out, "--shard", "1/4")
	if code != 0 || strings.Count(o, ": skipped") != 2 || strings.Contains(o, "running") {
		t.Errorf("second run: exit %d\n%s", code, o)
	}
}

// A trial that fails at run time does not stop the others; the sweep exits 1.
func TestSweepFailedTrialExits1(t *testing.T) {
	base, err := filepath.Abs(tiny)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sw := filepath.Join(dir, "s.yaml")
	// A checkpoint that does not exist passes validation and fails the run.
	src := fmt.Sprintf("base: %s\ngrid:\n  model.checkpoint: [/nonexistent/model.ot, \"\"]\n", base)
	if err := os.WriteFile(sw, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	o, code := evoprune(t, "sweep", sw, "--out", filepath.Join(dir, "runs"))
	if code != 1 || !strings.Contains(o, "[1/2] trial t0-") || !strings.Contains(o, "FAILED") ||
		!strings.Contains(o, "[2/2] trial t1-") || !strings.Contains(o, "1 of 2 trials failed") {
		t.Errorf("exit %d\n%s", code, o)
	}
}

func TestSweepUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--shard", "2/2"}, {"--workers", "0"}, {"--emit", "nomad"}, {"--image", "x"},
		{"--emit", "k8s", "--shard", "0/2"}, {"--emit", "slurm", "--shards", "0"},
	} {
		o, code := evoprune(t, append([]string{"sweep", tinySweep, "--out", t.TempDir()}, args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, o)
		}
	}
	if o, code := evoprune(t, "sweep", "no-such-sweep.yaml"); code != 2 {
		t.Errorf("missing sweep file: exit %d\n%s", code, o)
	}
	if o, code := evoprune(t, "sweep", "--help"); code != 0 || !strings.Contains(o, "--shard") {
		t.Errorf("sweep --help: exit %d", code)
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string][2]int{"0/1": {0, 1}, "3/4": {3, 4}, " 1 / 2 ": {1, 2}} {
		if i, n, err := parseShard(s); err != nil || i != want[0] || n != want[1] {
			t.Errorf("parseShard(%q) = %d, %d, %v", s, i, n, err)
		}
	}
	for _, s := range []string{"", "1", "2/2", "-1/3", "0/0", "a/b", "1/x", "1/2/3"} {
		if _, _, err := parseShard(s); err == nil || !strings.Contains(err.Error(), "--shard") {
			t.Errorf("parseShard(%q): err %v", s, err)
		}
	}
}

func TestSweepEmitK8s(t *testing.T) {
	file := filepath.Join(t.TempDir(), "job.yaml")
	o, code := evoprune(t, "sweep", tinySweep, "--emit", "k8s", "--shards", "3", "--image", "reg/evoprune:1",
		"--pvc", "sweep-runs", "--emit-out", file)
	if code != 0 || o != "" {
		t.Fatalf("exit %d\n%s", code, o)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Parallelism    int
			Template       struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Image        string
						Command      []string
						VolumeMounts []struct {
							MountPath string `yaml:"mountPath"`
						} `yaml:"volumeMounts"`
					}
					Volumes []struct {
						PersistentVolumeClaim struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(b, &job); err != nil {
		t.Fatalf("manifest is not YAML: %v\n%s", err, b)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || s.CompletionMode != "Indexed" ||
		s.Completions != 3 || s.Parallelism != 3 || s.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("job = %+v", job)
	}
	if !regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`).MatchString(job.Metadata.Name) {
		t.Errorf("job name %q is not a DNS-1123 label", job.Metadata.Name)
	}
	cs := s.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Image != "reg/evoprune:1" || len(cs[0].Command) != 3 || cs[0].Command[0] != "sh" {
		t.Fatalf("containers = %+v", cs)
	}
	cmd := cs[0].Command[2]
	if !strings.Contains(cmd, `--shard "$JOB_COMPLETION_INDEX/3"`) || !strings.Contains(cmd, "--out /runs") ||
		!strings.Contains(cmd, "sweep "+tinySweep) {
		t.Errorf("command = %q", cmd)
	}
	if len(cs[0].VolumeMounts) != 1 || cs[0].VolumeMounts[0].MountPath != "/runs" ||
		len(s.Template.Spec.Volumes) != 1 || s.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "sweep-runs" {
		t.Errorf("volumes: %+v %+v", cs[0].VolumeMounts, s.Template.Spec.Volumes)
	}
	// Without --shards: one shard per trial.
	o, code = evoprune(t, "sweep", tinySweep, "--emit", "k8s")
	if code != 0 || yaml.Unmarshal([]byte(o), &job) != nil || job.Spec.Completions != 8 || job.Spec.Parallelism != 8 {
		t.Errorf("default shards: exit %d\n%s", code, o)
	}
}

func TestSweepEmitSlurm(t *testing.T) {
	o, code := evoprune(t, "sweep", tinySweep, "--emit", "slurm", "--shards", "4", "--workers", "2", "--out", "my runs")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, o)
	}
	for _, want := range []string{"#!/bin/bash\n", "\n#SBATCH --array=0-3\n", "\n#SBATCH --cpus-per-task=2\n",
		`--out 'my runs' --workers 2 --shard "$SLURM_ARRAY_TASK_ID/4"`} {
		if !strings.Contains(o, want) {
			t.Errorf("script lacks %q:\n%s", want, o)
		}
	}
	// sbatch reads #SBATCH lines only before the first command.
	lines := strings.Split(o, "\n")
	seenCmd := false
	for _, l := range lines {
		if strings.HasPrefix(l, "#SBATCH") && seenCmd {
			t.Errorf("#SBATCH after a command:\n%s", o)
		}
		if l != "" && !strings.HasPrefix(l, "#") {
			seenCmd = true
		}
	}
}

// leaderboard --group and --pareto on hand-made runs.
func TestLeaderboardGroupAndPareto(t *testing.T) {
	root := t.TempDir()
	write := func(id, alg string, seed int64, acc, comp float64) {
		dir := filepath.Join(root, "e", id)
		os.MkdirAll(dir, 0o755)
		m := map[string]any{"name": "e", "run_id": id, "seed": seed, "model": "mlp", "dataset": "synthetic",
			"granularity": "neuron", "algorithm": alg, "target_sparsity": 0.5,
			"final": map[string]any{"accuracy": acc, "compression": comp, "f1": acc}}
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, "metrics.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("g1", "genetic", 1, 0.96, 2)
	write("g2", "genetic", 2, 0.98, 3)
	write("g3", "genetic", 3, 0.97, 4)
	write("r1", "random", 1, 0.90, 5)
	write("r2", "random", 2, 0.97, 2)

	o, code := evoprune(t, "leaderboard", root, "--group", "--format", "json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(o), &rows) != nil || len(rows) != 2 {
		t.Fatalf("exit %d\n%s", code, o)
	}
	// genetic: accuracy 0.96, 0.98, 0.97 → mean 0.97, std 0.01; compression 2, 3, 4 → 3 ± 1.
	// random: accuracy 0.90, 0.97 → mean 0.935, std 0.07/√2; compression 5, 2 → 3.5 ± 3/√2.
	g, r := rows[0], rows[1]
	near := func(v any, want float64) bool { f, ok := v.(float64); return ok && math.Abs(f-want) < 1e-9 }
	if g["algorithm"] != "genetic" || g["n"] != 3.0 || !near(g["final.accuracy.mean"], 0.97) ||
		!near(g["final.accuracy.std"], 0.01) || !near(g["final.compression.mean"], 3) || !near(g["final.compression.std"], 1) {
		t.Errorf("genetic row = %v", g)
	}
	if r["algorithm"] != "random" || r["n"] != 2.0 || !near(r["final.accuracy.mean"], 0.935) ||
		!near(r["final.accuracy.std"], 0.07/math.Sqrt2) || !near(r["final.compression.std"], 3/math.Sqrt2) {
		t.Errorf("random row = %v", r)
	}
	o, code = evoprune(t, "leaderboard", root, "--group")
	if code != 0 || !strings.Contains(o, "97.00 ± 1.00 %") || !strings.Contains(o, "3.00 ± 1.00x") {
		t.Errorf("grouped table: exit %d\n%s", code, o)
	}

	// Frontier: g2 (0.98, 3), g3 (0.97, 4), r1 (0.90, 5); g1 and r2 are dominated by g2.
	o, code = evoprune(t, "leaderboard", root, "--pareto", "--format", "csv")
	if code != 0 {
		t.Fatalf("pareto: exit %d\n%s", code, o)
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(o), "\n")[1:] {
		ids = append(ids, strings.Split(l, ",")[1])
	}
	if strings.Join(ids, " ") != "g2 g3 r1" {
		t.Errorf("pareto runs = %v\n%s", ids, o)
	}
}

package results

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Runs of one group key that differ in a setting (a sweep over
// reconstruct.method) form separate groups, labelled by that setting; seeds,
// threads and names do not split groups.
func TestFindRunsSeparatesVariants(t *testing.T) {
	root := t.TempDir()
	i := 0
	for _, method := range []string{"refit", "finetune"} {
		for seed := int64(1); seed <= 2; seed++ {
			dir := filepath.Join(root, fmt.Sprintf("t%d", i))
			mustRun(t, os.MkdirAll(dir, 0o755))
			d := &RunDir{Path: dir}
			mustRun(t, d.WriteMetrics(sampleRun("e", seed, 0.9+0.01*float64(i), 2)))
			conf := fmt.Sprintf("name: e%d\nseed: %d\nthreads: %d\nreconstruct:\n  method: %s\n  epochs: 10\n", i, seed, 1+i%2, method)
			mustRun(t, os.WriteFile(filepath.Join(dir, ConfigFile), []byte(conf), 0o644))
			i++
		}
	}
	runs, _, err := FindRuns(root)
	mustRun(t, err)
	groups := Group(runs)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2: %+v", len(groups), groups)
	}
	for _, g := range groups {
		if g.N != 2 || (g.Variant != "reconstruct.method=finetune" && g.Variant != "reconstruct.method=refit") {
			t.Errorf("group %q has %d runs", g.Variant, g.N)
		}
	}
	if g := groups[0]; g.Variant != "reconstruct.method=finetune" || !near(g.Accuracy.Mean, 0.925) {
		t.Errorf("first group %q, mean accuracy %.4f (want finetune, 0.925)", g.Variant, g.Accuracy.Mean)
	}
}

// Ignored keys do not split a group: runs that load a checkpoint group with
// the run that trained it.
func TestSetVariantsIgnore(t *testing.T) {
	root := t.TempDir()
	for i, ck := range []string{"", "runs/.cache/dense/x/model.ot", "runs/.cache/dense/x/model.ot"} {
		dir := filepath.Join(root, fmt.Sprintf("t%d", i))
		mustRun(t, os.MkdirAll(dir, 0o755))
		d := &RunDir{Path: dir}
		mustRun(t, d.WriteMetrics(sampleRun("e", int64(i+1), 0.9, 2)))
		conf := fmt.Sprintf("name: e\nseed: %d\nmodel:\n  arch: lenet300-100\n  checkpoint: %q\n", i+1, ck)
		mustRun(t, os.WriteFile(filepath.Join(dir, ConfigFile), []byte(conf), 0o644))
	}
	runs, dirs, err := FindRuns(root)
	mustRun(t, err)
	g := Group(runs)
	if len(g) != 2 {
		t.Fatalf("without ignore: %d groups, want 2", len(g))
	}
	// A key one run leaves at its default reads as such, not as "key=".
	if g[0].Variant != "model.checkpoint=(default)" || g[1].Variant != "model.checkpoint=runs/.cache/dense/x/model.ot" {
		t.Errorf("variants %q, %q", g[0].Variant, g[1].Variant)
	}
	SetVariants(runs, dirs, "model.checkpoint")
	if g := Group(runs); len(g) != 1 || g[0].N != 3 || g[0].Variant != "" {
		t.Fatalf("ignoring model.checkpoint: %+v", g)
	}
}

package fitness

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func TestFitLine(t *testing.T) {
	xs := []float64{1, 2, 4, 8, 16}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 0.3 + 0.05*x
	}
	if a, b := fitLine(xs, ys); math.Abs(a-0.3) > 1e-12 || math.Abs(b-0.05) > 1e-12 {
		t.Errorf("fit %.4f + %.4f x, want 0.3 + 0.05 x", a, b)
	}
	// Noise that makes wider layers look cheaper must not give a negative
	// slope; all x equal gives the mean as the constant.
	if a, b := fitLine([]float64{1, 2, 3}, []float64{3, 2, 1}); b != 0 || a != 2 {
		t.Errorf("decreasing data: %.3f + %.3f x, want 2 + 0 x", a, b)
	}
	if a, b := fitLine([]float64{5, 5}, []float64{1, 3}); b != 0 || a != 2 {
		t.Errorf("one x: %.3f + %.3f x, want 2 + 0 x", a, b)
	}
}

// The latency cost of a LeNet-300-100's neuron masks is timed once, cached
// per batch, and grows with the units kept.
func TestLatencyCost(t *testing.T) {
	a, err := model.Build(model.Spec{Arch: "lenet300-100", Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	groups := model.Groups(a)
	dir := t.TempDir()
	c, tab, cached, err := LatencyCost(a, groups, 64, gotch.CPU, dir)
	if err != nil {
		t.Fatal(err)
	}
	if cached || len(tab.Layers) != 3 || tab.Batch != 64 {
		t.Fatalf("first call: cached %v, %d layers, batch %d", cached, len(tab.Layers), tab.Batch)
	}
	sp := search.Space{Cost: c}
	for _, g := range groups {
		sp.Segments = append(sp.Segments, search.Segment{Name: g.Name, Size: int(g.Size)})
	}
	small, half, dense := c.Of([]int{30, 10}), c.Of([]int{150, 50}), sp.DenseCost()
	if !(0 < small && small < half && half < dense) {
		t.Errorf("cost not increasing with units: %.4f, %.4f, %.4f ms", small, half, dense)
	}
	// How close the table comes to the whole network's time is a benchmark
	// (docs/results.md), not asserted: under load (go test runs packages in
	// parallel) the two timings drift apart up to 6x.
	if dense <= 0 || math.IsNaN(dense) {
		t.Errorf("dense cost %.4f ms", dense)
	}

	c2, _, cached, err := LatencyCost(a, groups, 64, gotch.CPU, dir)
	if err != nil || !cached || c2.Of([]int{150, 50}) != half {
		t.Errorf("second call: cached %v, cost %v (want %v), err %v", cached, c2.Of([]int{150, 50}), half, err)
	}
	// Another batch is another table; a damaged entry is measured again.
	if _, _, cached, err := LatencyCost(a, groups, 1, gotch.CPU, dir); err != nil || cached {
		t.Errorf("batch 1: cached %v, err %v", cached, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 2 {
		t.Fatalf("%d cache files, want 2", len(files))
	}
	for _, f := range files {
		if err := os.WriteFile(f, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, cached, err := LatencyCost(a, groups, 64, gotch.CPU, dir); err != nil || cached {
		t.Errorf("damaged cache: cached %v, err %v", cached, err)
	}
}

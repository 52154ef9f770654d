package results

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestPlots(t *testing.T) {
	var runs []*Run
	for i, alg := range []string{"genetic", "genetic", "random", "random"} {
		for _, target := range []float64{0.5, 0.8} {
			r := &Run{Name: "x", Algorithm: alg, Seed: int64(i), Target: target}
			r.Final.Accuracy = 0.98 - 0.1*target + 0.001*float64(i)
			r.Final.Sparsity = target
			r.Final.Compression = 1 / (1 - target)
			runs = append(runs, r)
		}
	}
	dir := t.TempDir()
	png := []byte("\x89PNG")
	for _, x := range []string{"sparsity", "compression"} {
		path := filepath.Join(dir, x+".png")
		if files, err := PlotAccuracy(runs, x, path); err != nil || len(files) != 1 || files[0] != path {
			t.Fatal(files, err)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, png) {
			t.Fatalf("%s: not a PNG (%v)", path, err)
		}
	}
	// Runs of two models: a file each, never averaged together.
	runs[0].Model = "lenet5"
	files, err := PlotAccuracy(runs, "sparsity", filepath.Join(dir, "m.png"))
	if err != nil || len(files) != 2 || filepath.Base(files[0]) != "m-unnamed.png" || filepath.Base(files[1]) != "m-lenet5.png" {
		t.Fatalf("facets: %v, %v", files, err)
	}
	if _, err := PlotAccuracy(runs, "flops", filepath.Join(dir, "x.png")); err == nil {
		t.Error("unknown x axis accepted")
	}
	hist := map[string][]HistoryRow{"a": {{Generation: 0, BestFitness: 0.9, MeanFitness: 0.5}, {Generation: 1, BestFitness: 0.95, MeanFitness: 0.7}}}
	path := filepath.Join(dir, "h.svg")
	if err := PlotHistory(hist, path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("<svg")) {
		t.Fatal("history plot is not an SVG")
	}
}

func TestPlotRoundsAndMeanStd(t *testing.T) {
	rows := func(acc ...float64) []RoundRow {
		var out []RoundRow
		for i, a := range acc {
			out = append(out, RoundRow{Round: i, Remaining: math.Pow(0.8, float64(i)), TestAccuracy: a})
		}
		return out
	}
	curves := map[string][][]RoundRow{
		"rewind": {rows(0.98, 0.981, 0.979), rows(0.982, 0.983)},
		"reinit": {rows(0.98, 0.975, 0.96)},
	}
	path := filepath.Join(t.TempDir(), "r.png")
	if err := PlotRounds(curves, path); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("not a PNG (%v)", err)
	}
	// 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample std sqrt(32/7).
	if s := meanStdOf([]float64{2, 4, 4, 4, 5, 5, 7, 9}); s.Mean != 5 || math.Abs(s.Std-math.Sqrt(32.0/7)) > 1e-12 {
		t.Errorf("meanStdOf = %+v", s)
	}
}

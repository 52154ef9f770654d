package data

import (
	"slices"
	"testing"
)

func TestSplitIndicesDeterministic(t *testing.T) {
	const n, v = 1000, 100
	val1, train1 := splitIndices(n, v, 42)
	val2, train2 := splitIndices(n, v, 42)
	if !slices.Equal(val1, val2) || !slices.Equal(train1, train2) {
		t.Fatal("same seed gave different splits")
	}
	val3, _ := splitIndices(n, v, 43)
	if slices.Equal(val1, val3) {
		t.Fatal("different seeds gave the same validation rows")
	}
	if len(val1) != v || len(train1) != n-v {
		t.Fatalf("sizes %d/%d, want %d/%d", len(val1), len(train1), v, n-v)
	}
	seen := make([]int, n)
	for _, i := range val1 {
		seen[i]++
	}
	for _, i := range train1 {
		seen[i]++
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("row %d appears %d times in val+train, want exactly once", i, c)
		}
	}
	if !slices.IsSorted(val1) || !slices.IsSorted(train1) {
		t.Error("index lists are not sorted")
	}
}

// TestLoadSplitContents checks through Load that Val and Train hold the
// rows the seed picks, disjoint and together the whole training set.
func TestLoadSplitContents(t *testing.T) {
	cfg := Config{Dataset: "synthetic", Validation: 50, Seed: 7, SyntheticSamples: 400}
	full, _, err := loadSynthetic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Val.X, b.Val.X) || !slices.Equal(a.Val.Y, b.Val.Y) {
		t.Error("same seed gave different validation contents")
	}
	if a.Val.N != 50 || a.Train.N != 350 || a.Test.N != 100 || a.Name != Synthetic {
		t.Fatalf("sizes %d/%d/%d name %q", a.Train.N, a.Val.N, a.Test.N, a.Name)
	}
	// Map each row back to the full set by its first feature (continuous
	// Gaussian values: unique with probability 1).
	d := full.Dim()
	where := map[float32]int{}
	for i := 0; i < full.N; i++ {
		where[full.X[i*d]] = i
	}
	count := make([]int, full.N)
	for _, s := range []*Set{a.Train, a.Val} {
		for r := 0; r < s.N; r++ {
			i, ok := where[s.X[r*d]]
			if !ok || !slices.Equal(s.X[r*d:(r+1)*d], full.X[i*d:(i+1)*d]) || s.Y[r] != full.Y[i] {
				t.Fatalf("row %d of a split is not a training row", r)
			}
			count[i]++
		}
	}
	for i, c := range count {
		if c != 1 {
			t.Fatalf("training row %d appears %d times in train+val", i, c)
		}
	}

	cfg.Seed = 8
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Val.X, c.Val.X) {
		t.Error("a different split seed (and data seed) gave the same validation set")
	}
}

func TestLoadLimitsAndConfigErrors(t *testing.T) {
	s, err := Load(Config{Dataset: "Synthetic", Validation: 10, Seed: 1, TrainLimit: 30, TestLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 30 || len(s.Train.Y) != 30 || len(s.Train.X) != 30*64 || s.Test.N != 5 || s.Val.N != 10 {
		t.Errorf("limits not applied: train %d test %d val %d", s.Train.N, s.Test.N, s.Val.N)
	}
	for _, tc := range []struct {
		cfg  Config
		want []string
	}{
		{Config{Dataset: "imagenet", Validation: 1}, []string{"unknown dataset", "imagenet"}},
		{Config{Dataset: "synthetic", Validation: 0}, []string{"validation", "at least 1"}},
		{Config{Dataset: "synthetic", Validation: -3}, []string{"validation", "-3"}},
		{Config{Dataset: "synthetic", Validation: 2000}, []string{"validation", "2000", "less than"}},
		{Config{Dataset: "synthetic", Validation: 1, TrainLimit: -1}, []string{"train limit"}},
		{Config{Dataset: "synthetic", Validation: 1, TestLimit: -1}, []string{"test limit"}},
		{Config{Dataset: "synthetic", Validation: 1, SyntheticClasses: 1}, []string{"SyntheticClasses"}},
		{Config{Dataset: "synthetic", Validation: 1, SyntheticShape: [3]int{1, 0, 4}}, []string{"SyntheticShape"}},
		{Config{Dataset: "cifar10", Validation: 1}, []string{"data.dir is required"}},
		{Config{Dataset: "mnist", Validation: 1, Dir: "/nonexistent/mnist"}, []string{"/nonexistent/mnist", "data.dir"}},
		{Config{Dataset: "fashion-mnist", Validation: 1, Dir: "/nonexistent/fm"}, []string{"/nonexistent/fm", "dataset-fashion-mnist"}},
	} {
		_, err := Load(tc.cfg)
		wantErr(t, err, tc.want...)
	}
}

func TestSubsetHead(t *testing.T) {
	s := &Set{X: []float32{0, 1, 10, 11, 20, 21}, Y: []int32{0, 1, 2}, N: 3, Shape: [3]int{1, 1, 2}, Classes: 3}
	sub := s.Subset([]int{2, 0})
	if sub.N != 2 || !slices.Equal(sub.X, []float32{20, 21, 0, 1}) || !slices.Equal(sub.Y, []int32{2, 0}) {
		t.Errorf("Subset: %+v", sub)
	}
	sub.X[0] = -1
	if s.X[4] != 20 {
		t.Error("Subset shares memory with its source")
	}
	h := s.Head(2)
	if h.N != 2 || !slices.Equal(h.X, []float32{0, 1, 10, 11}) || !slices.Equal(h.Y, []int32{0, 1}) {
		t.Errorf("Head(2): %+v", h)
	}
	if s.Head(3) != s || s.Head(9) != s {
		t.Error("Head(n>=N) should return the set itself")
	}
	if e := s.Head(-1); e.N != 0 || len(e.X) != 0 || e.Shape != s.Shape {
		t.Errorf("Head(-1): %+v", e)
	}
}

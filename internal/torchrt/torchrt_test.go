package torchrt

import (
	"runtime"
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
		v := x.Float64Values()
		out := make([]float32, len(v))
		for i, f := range v {
			out[i] = float32(f)
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave %v and %v", a, b)
		}
	}
}

func TestSetGradEnabledReportsPrevious(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetGradEnabled(true)
	if prev := SetGradEnabled(false); !prev {
		t.Fatal("previous state: got off, want on")
	}
	if prev := SetGradEnabled(true); prev {
		t.Fatal("previous state: got on, want off")
	}
}

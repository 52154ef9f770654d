package fitness

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func rssMB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb int
			fmt.Sscan(strings.Fields(l)[1], &kb)
			return kb / 1024
		}
	}
	return 0
}

// gotch's in-place methods leak the storage of the tensor they modify; the
// engine must not use them. Before the fix each evaluation here leaked ~6 MB.
func TestEngineMemoryIsFlat(t *testing.T) {
	torchrt.SetThreads(2)
	n, val := setup(t, model.Spec{Arch: "lenet300-100", Input: [3]int64{1, 28, 28}, Classes: 10})
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	space, _ := Space(n, Units, groups, 0.5)
	ev := NewEvaluator(n, Units, groups, val, false)
	defer ev.Close()
	ch := newChain(n, groups, ev.prefix, val.Y) // the GPU path, here on the CPU
	defer ch.close()
	for name, eval := range map[string]func([]search.Mask) ([]search.Score, error){"tail": ev.Evaluate, "chain": ch.evaluate} {
		var warm int
		for i := 0; i < 120; i++ {
			if _, err := eval(randomMasks(space, 32, int64(i))); err != nil {
				t.Fatal(err)
			}
			if i == 39 {
				warm = rssMB()
			}
		}
		if grown := rssMB() - warm; grown > 60 {
			t.Errorf("%s: resident memory grew by %d MB over 80 evaluations after warm-up", name, grown)
		}
	}
}

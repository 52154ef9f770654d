package strategy

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func TestProportionalSharesAddUp(t *testing.T) {
	seg := func(n int) search.Segment { return search.Segment{Size: n} }
	sp := search.Space{Segments: []search.Segment{seg(300), seg(100), seg(3)}}
	for total := 3; total <= 403; total += 7 {
		k := proportional(sp, total)
		sum := 0
		for i, v := range k {
			if v < 1 || v > sp.Segments[i].Size {
				t.Fatalf("total %d: share %v", total, k)
			}
			sum += v
		}
		if sum != total {
			t.Fatalf("total %d: shares %v add up to %d", total, k, sum)
		}
	}
	if k := proportional(sp, 202); !slices.Equal(k, []int{150, 50, 2}) {
		t.Errorf("shares %v, want [150 50 2]", k)
	}
}

func TestLayerCandidatesAreDistinctKeptSets(t *testing.T) {
	order := []int{9, 3, 7, 1, 0, 2, 8, 6, 5, 4, 11, 10}
	c := layerCandidates(order, 6, 16, 1)
	if len(c) < 8 || !slices.Equal(c[0], order[:6]) {
		t.Fatalf("%d candidates, first %v", len(c), c[0])
	}
	seen := map[string]bool{}
	for _, k := range c {
		s := sorted(k)
		if len(slices.Compact(slices.Clone(s))) != 6 {
			t.Fatalf("candidate %v is not 6 distinct slots", k)
		}
		key := fmtInts(s)
		if seen[key] {
			t.Fatalf("candidate %v repeated", k)
		}
		seen[key] = true
		// Only the lowest-ranked kept (positions 2..5, w = 4) may leave.
		for _, top := range order[:2] {
			if !slices.Contains(k, top) {
				t.Fatalf("candidate %v dropped a top slot", k)
			}
		}
	}
	if c := layerCandidates(order, 12, 16, 1); len(c) != 1 {
		t.Errorf("keeping everything: %d candidates", len(c))
	}
}

func fmtInts(v []int) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRewindRestoresTheInitOnTheMask(t *testing.T) {
	a, err := model.Build(model.Spec{Arch: "mlp", Widths: []int64{32, 16}, Input: [3]int64{1, 8, 8}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	init, _ := model.New(a, gotch.CPU, model.InitDefault, 5)
	defer init.Drop()
	n, _ := model.New(a, gotch.CPU, model.InitDefault, 6)
	defer n.Drop()
	w := n.PrunableNames()[1]
	keep := make([]float32, 16*32)
	for i := range keep {
		keep[i] = float32(i % 2)
	}
	n.WeightMasks = map[string]*ts.Tensor{w: model.FromHost(keep, []int64{16, 32}, gotch.CPU)}
	rewind(n, init)
	got, want := model.Host(n.T[w]), model.Host(init.T[w])
	for i := range got {
		if got[i] != want[i]*keep[i] {
			t.Fatalf("weight %d: %v, want %v", i, got[i], want[i]*keep[i])
		}
	}
	if b, ib := model.Host(n.T["1.bias"]), model.Host(init.T["1.bias"]); !slices.Equal(b, ib) {
		t.Error("biases not rewound")
	}
}

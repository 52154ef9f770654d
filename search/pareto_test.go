package search

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func paretoConfig(seed int64) Config {
	cfg := toyConfig(seed)
	cfg.Population = 24
	cfg.Generations = 40
	cfg.MutationRate = 0.01
	cfg.Objective = Objective{Name: Pareto}
	return cfg
}

// hypervolume is the area the front dominates up to cost 1 and accuracy 0
// (costs are densities here).
func hypervolume(sp Space, front []Ranked) float64 {
	v := 0.0
	for i, f := range front {
		next := 1.0
		if i+1 < len(front) {
			next = sp.cost(front[i+1].Mask)
		}
		v += (next - sp.cost(f.Mask)) * f.Score.ValAccuracy
	}
	return v
}

// The pareto search returns a front: no member dominates another, it is
// sorted by cost and spans the densities; every seed (the magnitude top-k
// at 24 densities) is matched or dominated by a member; and the search
// improves on the seeds (a larger hypervolume).
func TestParetoFront(t *testing.T) {
	tc, sp := newToy([]int{60, 40}, 50, 5, 0.3)
	cfg := paretoConfig(5)
	res, err := Genetic(sp, tc, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	front := res.HallOfFame
	at := func(r Ranked) point { return point{acc: r.Score.ValAccuracy, cost: sp.cost(r.Mask)} }
	spread := 0
	for i, f := range front {
		if i > 0 && sp.cost(front[i-1].Mask) > sp.cost(f.Mask) {
			t.Fatalf("front not sorted by cost at %d", i)
		}
		for j, g := range front {
			if i != j && dominates(at(g), at(f)) {
				t.Fatalf("front member %d dominated by %d", i, j)
			}
		}
		if d := f.Mask.Density(); d >= 0.05 && d <= 0.8 {
			spread++
		}
	}
	if spread < 8 {
		t.Errorf("%d front members between 5 %% and 80 %% density, want >= 8 (front of %d)", spread, len(front))
	}
	seeds, _ := tc.Evaluate(initialSpread(sp, cfg))
	var seedFront []Ranked
	for i, m := range initialSpread(sp, cfg) {
		s := point{acc: seeds[i].ValAccuracy, cost: sp.cost(m)}
		covered := false
		for _, f := range front {
			covered = covered || dominates(at(f), s) || (at(f).acc == s.acc && at(f).cost == s.cost)
		}
		if !covered {
			t.Errorf("seed %d (density %.2f, accuracy %.3f) is not matched by the front", i, s.cost, s.acc)
		}
		seedFront = append(seedFront, Ranked{Mask: m, Score: seeds[i]})
	}
	h0, h := hypervolume(sp, seedFront), hypervolume(sp, front)
	t.Logf("front of %d; hypervolume %.4f, seeds %.4f", len(front), h, h0)
	if h <= h0 {
		t.Errorf("hypervolume %.4f, seeds alone %.4f: no improvement", h, h0)
	}
	if k := Knee(sp, front); !res.Best.Equal(front[k].Mask) {
		t.Errorf("best is not the knee")
	}
}

// A pareto search resumed from a checkpoint ends as the uninterrupted one.
func TestParetoResume(t *testing.T) {
	cfg := paretoConfig(7)
	cfg.Generations = 12
	tc, sp := newToy([]int{50, 30}, 40, 7, 0.5)
	tc.quantum = 0.01
	full, err := Genetic(sp, tc, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var saved []byte
	tc1, sp1 := newToy([]int{50, 30}, 40, 7, 0.5)
	tc1.quantum = 0.01
	_, err = Genetic(sp1, tc1, cfg, Options{OnGeneration: func(p Progress, cp *Checkpoint) error {
		if p.Generation < 5 {
			return nil
		}
		saved, _ = json.Marshal(cp)
		return stop
	}})
	if !errors.Is(err, stop) {
		t.Fatal(err)
	}
	cp, err := DecodeCheckpoint(saved)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(cp.Population)
	tc2, sp2 := newToy([]int{50, 30}, 40, 7, 0.5)
	tc2.quantum = 0.01
	resumed, err := Genetic(sp2, tc2, cfg, Options{Resume: cp})
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed.HallOfFame) != len(full.HallOfFame) || !resumed.Best.Equal(full.Best) ||
		!reflect.DeepEqual(stripTiming(resumed.History), stripTiming(full.History)) || resumed.Evaluations != full.Evaluations {
		t.Fatalf("resumed: front %d, evaluations %d; uninterrupted: front %d, evaluations %d",
			len(resumed.HallOfFame), resumed.Evaluations, len(full.HallOfFame), full.Evaluations)
	}
	for i := range full.HallOfFame {
		if !full.HallOfFame[i].Mask.Equal(resumed.HallOfFame[i].Mask) {
			t.Fatalf("front member %d differs", i)
		}
	}
}

func TestCheapestWithinAnError(t *testing.T) {
	front := []Ranked{{Score: Score{ValAccuracy: 0.90}}, {Score: Score{ValAccuracy: 0.97}}, {Score: Score{ValAccuracy: 0.984}}, {Score: Score{ValAccuracy: 0.99}}}
	for _, c := range []struct {
		maxErr float64
		want   int
	}{{0.016, 2}, {0.03, 1}, {0.2, 0}, {0.005, 3}, {0.001, 3}} {
		if got := Cheapest(front, c.maxErr); got != c.want {
			t.Errorf("max error %v: member %d, want %d", c.maxErr, got, c.want)
		}
	}
}

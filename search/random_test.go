package search

import (
	"reflect"
	"testing"
)

func TestRandomControl(t *testing.T) {
	obj := Objective{Name: AccuracyAtSparsity, Budgeted: true}
	run := func() (*Result, *toy) {
		tp, sp := newToy([]int{60, 40}, 20, 21, 0.5)
		res, err := Random(sp, tp, 50, 7, obj, 8)
		if err != nil {
			t.Fatal(err)
		}
		res.History = stripTiming(res.History)
		return res, tp
	}
	a, tp := run()
	b, _ := run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("random search is not reproducible")
	}
	// 50 evaluations in batches of 8: six full batches and one of 2.
	if a.Evaluations != 50 || tp.calls != 50 || tp.batches != 7 || len(a.History) != 7 || a.Generations != 6 {
		t.Fatalf("%d evaluations, %d calls in %d batches, %d history entries", a.Evaluations, tp.calls, tp.batches, len(a.History))
	}
	for i := 1; i < len(a.History); i++ {
		if a.History[i].BestFitness < a.History[i-1].BestFitness {
			t.Fatal("best-so-far fell")
		}
	}
}

func TestRandomStopsWhenSpaceIsExhausted(t *testing.T) {
	// Four slots in two segments, two kept, one per segment: only 4 masks.
	sp := Space{Segments: []Segment{{Size: 2}, {Size: 2}}, Keep: 2}
	tp := &toy{truth: []float64{1, 2, 3, 4}, best: 7, seen: map[uint64]int{}}
	res, err := Random(sp, tp, 100, 1, Objective{Name: AccuracyAtSparsity, Budgeted: true}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Evaluations != 4 || res.BestScore.ValAccuracy != 6.0/7 {
		t.Fatalf("%d evaluations, best %v; want all 4 masks and 6/7", res.Evaluations, res.BestScore.ValAccuracy)
	}
}

func TestObjectiveFitness(t *testing.T) {
	s := Score{ValAccuracy: 0.9, Loss: 0.3}
	if got := (Objective{Name: AccuracyAtSparsity, Budgeted: true}).Fitness(s, 0.2); got != 0.9 {
		t.Fatalf("accuracy_at_sparsity fitness %v", got)
	}
	if got := (Objective{Name: Weighted, Lambda: 0.5}).Fitness(s, 0.2); got != 0.9-0.5*0.2 {
		t.Fatalf("weighted fitness %v", got)
	}
	if (Objective{Name: "nope"}).Validate() == nil || (Objective{Name: AccuracyAtSparsity}).Validate() == nil {
		t.Fatal("bad objectives accepted")
	}
}

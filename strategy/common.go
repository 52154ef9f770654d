package strategy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// Helpers shared by the strategies.

// fullMask keeps every slot.
func fullMask(n int) search.Mask {
	m := search.NewMask(n)
	for i := 0; i < n; i++ {
		m.Set(i, true)
	}
	return m
}

// rankDesc returns the indices i of scores with among(i) (all, when among is
// nil) from highest to lowest score; ties go to the lower index.
func rankDesc(scores []float64, among func(int) bool) []int {
	var idx []int
	for i := range scores {
		if among == nil || among(i) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	return idx
}

// segmentScores returns a segment's scores, zeros where it has none.
func segmentScores(seg search.Segment) []float64 {
	if len(seg.Scores) == seg.Size {
		return seg.Scores
	}
	return make([]float64, seg.Size)
}

// proportional splits total kept slots over the segments in proportion to
// their sizes (largest remainders), each keeping between minKeep and its size.
// The counts add up to total whenever total fits those bounds.
func proportional(space search.Space, total int) []int {
	mk := max(space.MinKeep, 1)
	n := space.N()
	keep := make([]int, len(space.Segments))
	rem := make([]float64, len(space.Segments))
	sum := 0
	for i, seg := range space.Segments {
		ideal := float64(seg.Size) * float64(total) / float64(max(n, 1))
		keep[i] = min(max(int(ideal), min(mk, seg.Size)), seg.Size)
		rem[i] = ideal - float64(keep[i])
		sum += keep[i]
	}
	order := make([]int, len(keep))
	for i := range order {
		order[i] = i
	}
	// Hand out what is missing by largest remainder, or take back what the
	// minimums added from the segments furthest above their share.
	for sum != total {
		if sum < total {
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
		} else {
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[a], rem[b]) })
		}
		moved := false
		for _, i := range order {
			if sum < total && keep[i] < space.Segments[i].Size {
				keep[i]++
				rem[i]--
				sum++
				moved = true
				break
			}
			if sum > total && keep[i] > min(mk, space.Segments[i].Size) {
				keep[i]--
				rem[i]++
				sum--
				moved = true
				break
			}
		}
		if !moved {
			break
		}
	}
	return keep
}

// better orders scores: higher validation accuracy, then lower loss.
func better(a, b search.Score) bool {
	if a.ValAccuracy != b.ValAccuracy {
		return a.ValAccuracy > b.ValAccuracy
	}
	return a.Loss < b.Loss
}

// found reports a strategy's final mask, scored once by ev (the dense
// network's evaluator unless the strategy retrained weights); evaluations
// counts the strategy's own evaluations before that one.
func found(s *Search, ev search.Evaluator, m search.Mask, evaluations, generations int, history []search.Progress) (*Found, error) {
	sc, err := ev.Evaluate([]search.Mask{m})
	if err != nil {
		return nil, fmt.Errorf("score the final mask: %w", err)
	}
	f := s.Objective.Fitness(sc[0], m.Density())
	return &Found{Result: &search.Result{Best: m, BestScore: sc[0], BestFitness: f,
		Evaluations: evaluations + 1, Generations: generations, History: history,
		HallOfFame: []search.Ranked{{Mask: m, Score: sc[0], Fitness: f}}}}, nil
}

// progress is one history row (a step, layer or round of a strategy).
func progress(gen, evaluations int, best search.Score, mean float64, density float64, start time.Time) search.Progress {
	secs := time.Since(start).Seconds()
	return search.Progress{Generation: gen, Evaluations: evaluations, BestFitness: best.ValAccuracy,
		MeanFitness: mean, BestValAccuracy: best.ValAccuracy, BestDensity: density, Seconds: secs,
		EvalsPerSec: float64(evaluations) / math.Max(secs, 1e-9)}
}

// keptPerSegment prints "name k/size (p%)" for every segment of a mask.
func keptPerSegment(s *Search, what string, m search.Mask) {
	counts := s.Space.Counts(m)
	for i, seg := range s.Space.Segments {
		s.Printf("%s: %s kept %d/%d (%.1f%%)\n", what, seg.Name, counts[i], seg.Size, 100*float64(counts[i])/float64(seg.Size))
	}
}

// retrain are the retraining settings with a seed of the strategy's.
func (s *Search) retrain(seed int64) model.TrainOptions {
	o := s.Retrain
	o.Seed = seed
	return o
}

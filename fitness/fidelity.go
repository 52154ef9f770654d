package fitness

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/evoprune/evoprune/search"
)

// Fidelity is a two-stage fitness schedule: every mask of a batch is scored
// on a small validation subset (Low), and only the most promising share
// (Promote, at least one mask) is scored again on the whole validation split
// (Full). The rest keep their low-fidelity scores, marked Partial, which
// the search uses to select parents but never reports as its best or keeps
// in its hall of fame, so what is reported and chosen in the end is always
// measured on the whole split.
type Fidelity struct {
	Low, Full search.Evaluator
	Promote   float64 // in (0, 1]
}

// Evaluate scores masks in two stages.
func (f *Fidelity) Evaluate(masks []search.Mask) ([]search.Score, error) {
	if !(f.Promote > 0 && f.Promote <= 1) {
		return nil, fmt.Errorf("fidelity: promote %v outside (0, 1]", f.Promote)
	}
	low, err := f.Low.Evaluate(masks)
	if err != nil {
		return nil, fmt.Errorf("fidelity: low stage: %w", err)
	}
	order := make([]int, len(masks))
	for i := range order {
		order[i] = i
	}
	// Best first: accuracy, then loss, then position (a total order).
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(low[b].ValAccuracy, low[a].ValAccuracy); c != 0 {
			return c
		}
		return cmp.Compare(low[a].Loss, low[b].Loss)
	})
	n := min(max(int(math.Ceil(f.Promote*float64(len(masks)))), 1), len(masks))
	promoted := make([]search.Mask, n)
	for i, j := range order[:n] {
		promoted[i] = masks[j]
	}
	full, err := f.Full.Evaluate(promoted)
	if err != nil {
		return nil, fmt.Errorf("fidelity: full stage: %w", err)
	}
	out := make([]search.Score, len(masks))
	for i := range low {
		out[i] = low[i]
		out[i].Partial = true
	}
	for i, j := range order[:n] {
		out[j] = full[i]
	}
	return out, nil
}

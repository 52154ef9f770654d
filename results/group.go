package results

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Stat is the mean and sample standard deviation of one quantity over the
// runs of a group. Std is 0 for a group of one.
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// GroupRow summarises the runs (usually seeds) that share a dataset, model,
// granularity, algorithm and target sparsity.
type GroupRow struct {
	Dataset     string  `json:"dataset"`
	Model       string  `json:"model"`
	Granularity string  `json:"granularity"`
	Algorithm   string  `json:"algorithm"`
	Target      float64 `json:"target_sparsity"`
	TargetFLOPs float64 `json:"target_flops,omitempty"`
	Variant     string  `json:"variant,omitempty"` // see Run.Variant
	N           int     `json:"n"`

	Accuracy    Stat `json:"final_accuracy"`
	Compression Stat `json:"final_compression"`
	F1          Stat `json:"final_f1"`
	FLOPs       Stat `json:"final_flops"`
	FLOPsCut    Stat `json:"final_flops_reduction"`
	// VsBest compares the final accuracy with the best group of the same
	// task, paired by seed (nil: no group of two runs or more in the task,
	// or fewer than two seeds in common with its best).
	VsBest *Paired `json:"vs_best,omitempty"`

	Runs []*Run `json:"-"` // the group's runs, in input order
}

type groupKey struct {
	dataset, model, granularity, algorithm string
	target, targetFLOPs                    float64
	variant                                string
}

// Group groups runs by (dataset, model, granularity, algorithm,
// target_sparsity, variant) and summarises each group's final network. Groups come
// out sorted by that key; nil runs are skipped.
func Group(runs []*Run) []GroupRow {
	index := map[groupKey]int{}
	var rows []GroupRow
	for _, r := range runs {
		if r == nil {
			continue
		}
		k := groupKey{r.Dataset, r.Model, r.Granularity, r.Algorithm, r.Target, r.TargetFLOPs, r.Variant}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, GroupRow{Dataset: k.dataset, Model: k.model,
				Granularity: k.granularity, Algorithm: k.algorithm, Target: k.target, TargetFLOPs: k.targetFLOPs, Variant: k.variant})
		}
		rows[i].Runs = append(rows[i].Runs, r)
	}
	for i := range rows {
		g := &rows[i]
		g.N = len(g.Runs)
		g.Accuracy = stat(g.Runs, func(r *Run) float64 { return r.Final.Accuracy })
		g.Compression = stat(g.Runs, func(r *Run) float64 { return r.Final.Compression })
		g.F1 = stat(g.Runs, func(r *Run) float64 { return r.Final.F1 })
		g.FLOPs = stat(g.Runs, func(r *Run) float64 { return float64(r.Final.FLOPs) })
		g.FLOPsCut = stat(g.Runs, func(r *Run) float64 { return r.Final.FLOPsReduction })
	}
	pairAgainstBest(rows)
	slices.SortStableFunc(rows, func(a, b GroupRow) int {
		return cmp.Or(strings.Compare(a.Dataset, b.Dataset), strings.Compare(a.Model, b.Model),
			strings.Compare(a.Granularity, b.Granularity), strings.Compare(a.Algorithm, b.Algorithm),
			cmp.Compare(a.Target, b.Target), strings.Compare(a.Variant, b.Variant))
	})
	return rows
}

// stat computes the mean and sample (n-1) standard deviation of a metric.
func stat(runs []*Run, get func(*Run) float64) Stat {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = get(r)
	}
	return meanStdOf(v)
}

// meanStdOf is the mean and sample (n-1) standard deviation, two-pass.
func meanStdOf(v []float64) Stat {
	n := float64(len(v))
	if n == 0 {
		return Stat{}
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	mean := sum / n
	if n < 2 {
		return Stat{Mean: mean}
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return Stat{Mean: mean, Std: math.Sqrt(ss / (n - 1))}
}

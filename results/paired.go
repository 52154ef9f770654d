package results

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// Paired is a group's final accuracy against the best group of its task
// (same dataset, model and budget), run by run with the same seed: the
// differences' mean and its 95 % confidence interval (Student's t). Runs of
// one seed share a validation split and random streams (and, in a sweep, a
// dense network), so pairing removes the part of the seed-to-seed spread
// they share, which mean ± std leaves in (ResNet-20 on Fashion-MNIST: one
// mask fine-tuned under three seeds spans 0.26 points). An interval that
// holds 0 means these seeds do not tell the two strategies apart.
type Paired struct {
	Best bool    `json:"best,omitempty"` // this is the best group
	N    int     `json:"n"`              // seeds both groups ran
	Mean float64 `json:"mean"`           // mean of this group's accuracy minus the best's
	Lo   float64 `json:"lo"`             // the 95 % interval of that mean
	Hi   float64 `json:"hi"`
}

// pairAgainstBest fills VsBest: the best group of each task is the one
// with the highest mean final accuracy among those of two runs or more (one
// run is no evidence to rank on), and every other group that shares two
// seeds with it is compared with it. Means over different seeds do not
// rank groups (seed 5 can be a hard seed for every strategy), so where the
// candidates share two seeds or more they are ranked by their means over
// those seeds alone.
func pairAgainstBest(rows []GroupRow) {
	type task struct {
		dataset, model      string
		target, targetFLOPs float64
	}
	candidates := map[task][]int{}
	for i, g := range rows {
		if g.N >= 2 {
			k := task{g.Dataset, g.Model, g.Target, g.TargetFLOPs}
			candidates[k] = append(candidates[k], i)
		}
	}
	best := map[task]int{}
	for k, idx := range candidates {
		shared := seedAccuracies(rows[idx[0]].Runs)
		for _, i := range idx[1:] {
			own := seedAccuracies(rows[i].Runs)
			maps.DeleteFunc(shared, func(seed int64, _ float64) bool { _, ok := own[seed]; return !ok })
		}
		score := func(i int) float64 {
			if len(shared) < 2 {
				return rows[i].Accuracy.Mean
			}
			own, sum := seedAccuracies(rows[i].Runs), 0.0
			for _, seed := range slices.Sorted(maps.Keys(shared)) { // one order: ties stay ties
				sum += own[seed]
			}
			return sum / float64(len(shared))
		}
		b := idx[0]
		for _, i := range idx[1:] {
			if score(i) > score(b) {
				b = i
			}
		}
		best[k] = b
	}
	for i := range rows {
		g := &rows[i]
		j, ok := best[task{g.Dataset, g.Model, g.Target, g.TargetFLOPs}]
		if !ok {
			continue
		}
		if i == j {
			g.VsBest = &Paired{Best: true, N: g.N}
			continue
		}
		bySeed := seedAccuracies(rows[j].Runs)
		var d []float64
		seen := map[int64]bool{}
		for _, r := range g.Runs {
			if b, ok := bySeed[r.Seed]; ok && !seen[r.Seed] { // one pair per seed
				seen[r.Seed] = true
				d = append(d, r.Final.Accuracy-b)
			}
		}
		if len(d) < 2 {
			continue
		}
		s := meanStdOf(d)
		h := tQuantile975(len(d)-1) * s.Std / math.Sqrt(float64(len(d)))
		g.VsBest = &Paired{N: len(d), Mean: s.Mean, Lo: s.Mean - h, Hi: s.Mean + h}
	}
}

// seedAccuracies maps each seed of runs to its final accuracy (the first
// run of a seed, where one was run twice).
func seedAccuracies(runs []*Run) map[int64]float64 {
	m := map[int64]float64{}
	for _, r := range runs {
		if _, ok := m[r.Seed]; !ok {
			m[r.Seed] = r.Final.Accuracy
		}
	}
	return m
}

// tQuantile975 is Student's t at 0.975 for df degrees of freedom (the
// half-width factor of a 95 % interval); past 30 the Cornish-Fisher
// expansion around the normal quantile.
func tQuantile975(df int) float64 {
	table := []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df >= 1 && df <= len(table) {
		return table[df-1]
	}
	const z = 1.959964
	return z + (z*z*z+z)/(4*float64(df))
}

// showPaired shows a group's comparison with the best: "best",
// "-0.05 [-0.19, +0.08] pts (3 seeds)" (accuracy points), or "".
func showPaired(p *Paired) string {
	switch {
	case p == nil:
		return ""
	case p.Best:
		return "best"
	}
	return fmt.Sprintf("%+.2f [%+.2f, %+.2f] pts (%d seeds)", 100*p.Mean, 100*p.Lo, 100*p.Hi, p.N)
}

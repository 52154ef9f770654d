package results

// Pareto returns the runs that no other run dominates in final accuracy
// and final compression (higher is better for both), in input order. A run
// dominates another when it is at least as good in both and better in one,
// so runs with equal figures are all kept. Nil runs and runs with a
// non-finite accuracy or compression are left out: they cannot be placed.
func Pareto(runs []*Run) []*Run {
	var ok []*Run
	for _, r := range runs {
		if r != nil && finite(r.Final.Accuracy) && finite(r.Final.Compression) {
			ok = append(ok, r)
		}
	}
	keep := paretoFront(len(ok),
		func(i int) float64 { return ok[i].Final.Accuracy },
		func(i int) float64 { return ok[i].Final.Compression })
	out := make([]*Run, len(keep))
	for k, i := range keep {
		out[k] = ok[i]
	}
	return out
}

// ParetoGroups is Pareto over groups, on their mean final accuracy and
// mean final compression: the configurations worth choosing between.
func ParetoGroups(rows []GroupRow) []GroupRow {
	var ok []GroupRow
	for _, g := range rows {
		if finite(g.Accuracy.Mean) && finite(g.Compression.Mean) {
			ok = append(ok, g)
		}
	}
	keep := paretoFront(len(ok),
		func(i int) float64 { return ok[i].Accuracy.Mean },
		func(i int) float64 { return ok[i].Compression.Mean })
	out := make([]GroupRow, len(keep))
	for k, i := range keep {
		out[k] = ok[i]
	}
	return out
}

// paretoFront returns, in increasing order, the indices of the points
// (a(i), b(i)) that no other point dominates. Leaderboards hold at most
// thousands of runs, so the quadratic scan is fast enough and plainly right.
func paretoFront(n int, a, b func(int) float64) []int {
	var keep []int
	for i := 0; i < n; i++ {
		dominated := false
		for j := 0; j < n && !dominated; j++ {
			dominated = a(j) >= a(i) && b(j) >= b(i) && (a(j) > a(i) || b(j) > b(i))
		}
		if !dominated {
			keep = append(keep, i)
		}
	}
	return keep
}

package results

import (
	"fmt"
	"math"
)

// column is one leaderboard column. value gives the raw number or text
// (for csv and json); text gives the human form (for table and markdown).
type column struct {
	key     string // csv/json name; also a sort key where one exists
	label   string // table and markdown header
	numeric bool   // right-aligned in table and markdown
	table   bool   // shown in table and markdown, not only csv/json
	value   func(*Run) any
	text    func(*Run) string
}

func textCol(key string, table bool, f func(*Run) string) column {
	return column{key: key, label: key, table: table,
		value: func(r *Run) any { return f(r) }, text: f}
}

func numCol[T int64 | float64](key, label string, table bool, f func(*Run) T, show func(T) string) column {
	return column{key: key, label: label, numeric: true, table: table,
		value: func(r *Run) any { return f(r) },
		text:  func(r *Run) string { return show(f(r)) }}
}

// runColumns are the columns of the per-run leaderboard.
var runColumns = []column{
	textCol("name", true, func(r *Run) string { return r.Name }),
	textCol("run_id", false, func(r *Run) string { return r.RunID }),
	textCol("model", true, func(r *Run) string { return r.Model }),
	textCol("dataset", true, func(r *Run) string { return r.Dataset }),
	textCol("granularity", true, func(r *Run) string { return r.Granularity }),
	textCol("algorithm", true, func(r *Run) string { return r.Algorithm }),
	numCol("target_sparsity", "target", false, func(r *Run) float64 { return r.Target }, showPercent),
	numCol("seed", "seed", true, func(r *Run) int64 { return r.Seed }, showInt),
	numCol("dense.accuracy", "dense acc", true, func(r *Run) float64 { return r.Dense.Accuracy }, showPercent),
	numCol("final.accuracy", "final acc", true, func(r *Run) float64 { return r.Final.Accuracy }, showPercent),
	numCol("final.f1", "F1", true, func(r *Run) float64 { return r.Final.F1 }, showPercent),
	numCol("final.sparsity", "sparsity", true, func(r *Run) float64 { return r.Final.Sparsity }, showPercent),
	numCol("final.compression", "compression", true, func(r *Run) float64 { return r.Final.Compression }, showRatio),
	numCol("final.params", "params", true, func(r *Run) int64 { return r.Final.Params }, showCount),
	numCol("final.flops", "FLOPs", true, func(r *Run) int64 { return r.Final.FLOPs }, showCount),
	numCol("final.flops_reduction", "FLOPs cut", true, func(r *Run) float64 { return r.Final.FLOPsReduction }, showPercent),
	numCol("final.latency_ms_b256", "latency b256 (ms)", true, func(r *Run) float64 { return r.Final.LatencyB256 }, showFixed(2)),
	numCol("search.seconds", "search s", true, func(r *Run) float64 { return r.Search.Seconds }, showFixed(1)),
}

func tableColumns(cols []column) []column {
	var out []column
	for _, c := range cols {
		if c.table {
			out = append(out, c)
		}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func showInt(v int64) string { return fmt.Sprint(v) }

// showPercent shows a fraction as a percentage: 0.9812 → "98.12%".
func showPercent(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*v)
}

// showRatio shows a compression ratio: 2.1345 → "2.13x".
func showRatio(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", v)
}

func showFixed(decimals int) func(float64) string {
	return func(v float64) string {
		if !finite(v) {
			return "n/a"
		}
		return fmt.Sprintf("%.*f", decimals, v)
	}
}

// showCount shows a large count compactly: 266610 → "266.6K".
func showCount(v int64) string {
	a := math.Abs(float64(v))
	switch {
	case a >= 1e9:
		return fmt.Sprintf("%.2fG", float64(v)/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", float64(v)/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.1fK", float64(v)/1e3)
	}
	return fmt.Sprint(v)
}

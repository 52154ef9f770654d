package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// metricKey is one sortable quantity of a run, such as "final.accuracy".
type metricKey struct {
	name string
	str  func(*Run) string  // set for text keys
	num  func(*Run) float64 // set for numeric keys
	desc bool               // best first means largest first
}

// higherIsBetter lists the M fields whose natural order is descending.
var higherIsBetter = map[string]bool{
	"accuracy": true, "precision": true, "recall": true, "f1": true,
	"val_accuracy": true, "sparsity": true, "compression": true,
}

// metricFields are the numeric fields of M, by their JSON name.
var metricFields = []struct {
	name string
	get  func(*Metrics) float64
}{
	{"accuracy", func(m *Metrics) float64 { return m.Accuracy }},
	{"precision", func(m *Metrics) float64 { return m.Precision }},
	{"recall", func(m *Metrics) float64 { return m.Recall }},
	{"f1", func(m *Metrics) float64 { return m.F1 }},
	{"val_accuracy", func(m *Metrics) float64 { return m.ValAccuracy }},
	{"params", func(m *Metrics) float64 { return float64(m.Params) }},
	{"nonzero_params", func(m *Metrics) float64 { return float64(m.NonzeroParams) }},
	{"sparsity", func(m *Metrics) float64 { return m.Sparsity }},
	{"compression", func(m *Metrics) float64 { return m.Compression }},
	{"flops", func(m *Metrics) float64 { return float64(m.FLOPs) }},
	{"flops_reduction", func(m *Metrics) float64 { return m.FLOPsReduction }},
	{"latency_ms_b1", func(m *Metrics) float64 { return m.LatencyB1 }},
	{"latency_ms_b256", func(m *Metrics) float64 { return m.LatencyB256 }},
}

// sortKeys lists every valid sort key, in the order shown to users.
// A bare M field name ("compression") means the final network's.
var sortKeys = buildSortKeys()

func buildSortKeys() []metricKey {
	text := func(name string, f func(*Run) string) metricKey {
		return metricKey{name: name, str: f}
	}
	num := func(name string, desc bool, f func(*Run) float64) metricKey {
		return metricKey{name: name, num: f, desc: desc}
	}
	keys := []metricKey{
		text("name", func(r *Run) string { return r.Name }),
		text("run_id", func(r *Run) string { return r.RunID }),
		text("model", func(r *Run) string { return r.Model }),
		text("dataset", func(r *Run) string { return r.Dataset }),
		text("granularity", func(r *Run) string { return r.Granularity }),
		text("algorithm", func(r *Run) string { return r.Algorithm }),
		num("seed", false, func(r *Run) float64 { return float64(r.Seed) }),
		num("target_sparsity", false, func(r *Run) float64 { return r.Target }),
		num("rebuild_max_abs_diff", false, func(r *Run) float64 { return r.RebuildMaxAbsDiff }),
	}
	phases := []struct {
		name string
		get  func(*Run) *Metrics
	}{
		{"final", func(r *Run) *Metrics { return &r.Final }},
		{"masked", func(r *Run) *Metrics { return &r.Masked }},
		{"dense", func(r *Run) *Metrics { return &r.Dense }},
	}
	for _, f := range metricFields {
		keys = append(keys, num(f.name, higherIsBetter[f.name], func(r *Run) float64 { return f.get(&r.Final) }))
	}
	for _, p := range phases {
		for _, f := range metricFields {
			keys = append(keys, num(p.name+"."+f.name, higherIsBetter[f.name],
				func(r *Run) float64 { return f.get(p.get(r)) }))
		}
	}
	return append(keys,
		num("search.generations", false, func(r *Run) float64 { return float64(r.Search.Generations) }),
		num("search.evaluations", false, func(r *Run) float64 { return float64(r.Search.Evaluations) }),
		num("search.seconds", false, func(r *Run) float64 { return r.Search.Seconds }),
		num("seconds.train", false, func(r *Run) float64 { return r.Seconds.Train }),
		num("seconds.search", false, func(r *Run) float64 { return r.Seconds.Search }),
		num("seconds.rebuild", false, func(r *Run) float64 { return r.Seconds.Rebuild }),
		num("seconds.finetune", false, func(r *Run) float64 { return r.Seconds.Finetune }),
		num("seconds.total", false, func(r *Run) float64 { return r.Seconds.Total }),
	)
}

// SortKeys returns the valid sort keys for Leaderboard.
func SortKeys() []string {
	names := make([]string, len(sortKeys))
	for i, k := range sortKeys {
		names[i] = k.name
	}
	return names
}

// DefaultSort is the leaderboard order when none is given.
const DefaultSort = "final.accuracy"

// splitSort trims a sort key, defaults it, and splits off a leading '-' or '+'.
func splitSort(s string) (name string, force byte) {
	name = strings.TrimSpace(s)
	if name == "" {
		name = DefaultSort
	}
	if name[0] == '-' || name[0] == '+' {
		force, name = name[0], name[1:]
	}
	return name, force
}

// parseSort resolves a sort key. A leading '-' forces descending and '+'
// ascending order; otherwise the key's natural (best first) order is used.
func parseSort(s string) (metricKey, error) {
	name, force := splitSort(s)
	for _, k := range sortKeys {
		if k.name == name {
			if force != 0 {
				k.desc = force == '-'
			}
			return k, nil
		}
	}
	return metricKey{}, fmt.Errorf("unknown sort key %q; valid keys (prefix - or + to force descending or ascending): %s",
		s, strings.Join(SortKeys(), ", "))
}

// sortRuns returns a sorted copy of runs. Ties are broken by name, seed
// and run id; NaN values go last.
func sortRuns(runs []*Run, k metricKey) []*Run {
	out := slices.Clone(runs)
	slices.SortStableFunc(out, func(a, b *Run) int {
		c := compareBy(a, b, k)
		if c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Seed, b.Seed),
			strings.Compare(a.RunID, b.RunID))
	})
	return out
}

func compareBy(a, b *Run, k metricKey) int {
	var c int
	if k.str != nil {
		c = strings.Compare(k.str(a), k.str(b))
	} else {
		x, y := k.num(a), k.num(b)
		if nx, ny := math.IsNaN(x), math.IsNaN(y); nx || ny {
			return cmp.Compare(b2i(nx), b2i(ny))
		}
		c = cmp.Compare(x, y)
	}
	if k.desc {
		return -c
	}
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

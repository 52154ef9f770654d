package results

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// GroupLeaderboard writes one row per group (see Group): mean ± std over
// the group's runs, usually its seeds. Table and markdown show "98.12 ±
// 0.05 %"; csv and json carry each statistic as a .mean and a .std column.
// sortBy is one of GroupSortKeys ("" means final accuracy, best first).
func GroupLeaderboard(w io.Writer, rows []GroupRow, format Format, sortBy string) error {
	f, err := ParseFormat(string(format))
	if err != nil {
		return fmt.Errorf("group leaderboard: %w", err)
	}
	key, err := parseGroupSort(sortBy)
	if err != nil {
		return fmt.Errorf("group leaderboard: %w", err)
	}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, key.compare)
	raw := f == FormatCSV || f == FormatJSON
	s := &sheet{}
	for _, c := range groupColumns {
		if (raw && !c.raw) || (!raw && !c.table) {
			continue
		}
		s.keys = append(s.keys, c.key)
		s.labels = append(s.labels, c.label)
		s.numeric = append(s.numeric, c.numeric)
	}
	for i := range rows {
		var vals []any
		var texts []string
		for _, c := range groupColumns {
			if (raw && !c.raw) || (!raw && !c.table) {
				continue
			}
			vals = append(vals, c.value(&rows[i]))
			texts = append(texts, c.text(&rows[i]))
		}
		s.values = append(s.values, vals)
		s.texts = append(s.texts, texts)
	}
	if err := s.write(w, f); err != nil {
		return fmt.Errorf("group leaderboard: %w", err)
	}
	return nil
}

// groupColumn is one column of the grouped leaderboard; table and raw say
// whether it shows in table/markdown and in csv/json.
type groupColumn struct {
	key, label string
	numeric    bool
	table, raw bool
	value      func(*GroupRow) any
	text       func(*GroupRow) string
}

func groupText(key string, f func(*GroupRow) string) groupColumn {
	return groupColumn{key: key, label: key, table: true, raw: true,
		value: func(g *GroupRow) any { return f(g) }, text: f}
}

// statColumns are a statistic's display column (mean ± std) and its raw
// mean and std columns.
func statColumns(key, label string, get func(*GroupRow) Stat, show func(Stat) string) []groupColumn {
	return []groupColumn{
		{key: key, label: label, numeric: true, table: true,
			value: func(g *GroupRow) any { return get(g).Mean }, text: func(g *GroupRow) string { return show(get(g)) }},
		{key: key + ".mean", label: key + ".mean", numeric: true, raw: true,
			value: func(g *GroupRow) any { return get(g).Mean }, text: func(g *GroupRow) string { return formatFloat(get(g).Mean) }},
		{key: key + ".std", label: key + ".std", numeric: true, raw: true,
			value: func(g *GroupRow) any { return get(g).Std }, text: func(g *GroupRow) string { return formatFloat(get(g).Std) }},
	}
}

var groupColumns = slices.Concat(
	[]groupColumn{
		groupText("dataset", func(g *GroupRow) string { return g.Dataset }),
		groupText("model", func(g *GroupRow) string { return g.Model }),
		groupText("granularity", func(g *GroupRow) string { return g.Granularity }),
		groupText("algorithm", func(g *GroupRow) string { return g.Algorithm }),
		{key: "target_sparsity", label: "target", numeric: true, table: true, raw: true,
			value: func(g *GroupRow) any { return g.Target }, text: func(g *GroupRow) string { return showPercent(g.Target) }},
		groupText("variant", func(g *GroupRow) string { return g.Variant }),
		{key: "n", label: "runs", numeric: true, table: true, raw: true,
			value: func(g *GroupRow) any { return int64(g.N) }, text: func(g *GroupRow) string { return fmt.Sprint(g.N) }},
	},
	statColumns("final.accuracy", "final acc", func(g *GroupRow) Stat { return g.Accuracy }, showStatPercent),
	statColumns("final.f1", "F1", func(g *GroupRow) Stat { return g.F1 }, showStatPercent),
	statColumns("final.compression", "compression", func(g *GroupRow) Stat { return g.Compression }, showStatRatio),
	statColumns("final.flops", "FLOPs", func(g *GroupRow) Stat { return g.FLOPs }, showStatCount),
	statColumns("final.flops_reduction", "FLOPs cut", func(g *GroupRow) Stat { return g.FLOPsCut }, showStatPercent),
	[]groupColumn{
		{key: "vs_best", label: "acc vs best, paired by seed (95 % CI)", table: true,
			value: func(g *GroupRow) any { return showPaired(g.VsBest) }, text: func(g *GroupRow) string { return showPaired(g.VsBest) }},
		pairedColumn("vs_best.mean", func(p *Paired) float64 { return p.Mean }),
		pairedColumn("vs_best.lo", func(p *Paired) float64 { return p.Lo }),
		pairedColumn("vs_best.hi", func(p *Paired) float64 { return p.Hi }),
	},
)

// pairedColumn is a raw (csv / json) column of VsBest; NaN without one, 0
// for the best group.
func pairedColumn(key string, get func(*Paired) float64) groupColumn {
	v := func(g *GroupRow) float64 {
		if g.VsBest == nil {
			return math.NaN()
		}
		return get(g.VsBest)
	}
	return groupColumn{key: key, label: key, numeric: true, raw: true,
		value: func(g *GroupRow) any { return v(g) }, text: func(g *GroupRow) string { return formatFloat(v(g)) }}
}

// showStatPercent shows fractions as percentages: "98.12 ± 0.05 %".
func showStatPercent(s Stat) string {
	if !finite(s.Mean) || !finite(s.Std) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f ± %.2f %%", 100*s.Mean, 100*s.Std)
}

// showStatRatio shows compression ratios: "2.13 ± 0.10x".
func showStatRatio(s Stat) string {
	if !finite(s.Mean) || !finite(s.Std) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f ± %.2fx", s.Mean, s.Std)
}

// showStatCount shows counts compactly: "266.6K ± 1.2K".
func showStatCount(s Stat) string {
	if !finite(s.Mean) || !finite(s.Std) {
		return "n/a"
	}
	return showCount(int64(math.Round(s.Mean))) + " ± " + showCount(int64(math.Round(s.Std)))
}

// groupSortKey is one way to order groups.
type groupSortKey struct {
	name string
	str  func(*GroupRow) string
	num  func(*GroupRow) float64
	desc bool
}

func (k groupSortKey) compare(a, b GroupRow) int {
	var c int
	if k.str != nil {
		c = strings.Compare(k.str(&a), k.str(&b))
	} else {
		x, y := k.num(&a), k.num(&b)
		if nx, ny := math.IsNaN(x), math.IsNaN(y); nx || ny {
			return cmp.Compare(b2i(nx), b2i(ny)) // NaN last either way
		}
		c = cmp.Compare(x, y)
	}
	if k.desc {
		return -c
	}
	return c
}

// groupSortKeys are the keys a grouped leaderboard sorts by. The bare
// names match the per-run leaderboard's, which mean the final network too.
var groupSortKeys = []groupSortKey{
	{name: "final.accuracy", num: func(g *GroupRow) float64 { return g.Accuracy.Mean }, desc: true},
	{name: "final.f1", num: func(g *GroupRow) float64 { return g.F1.Mean }, desc: true},
	{name: "final.compression", num: func(g *GroupRow) float64 { return g.Compression.Mean }, desc: true},
	{name: "final.flops", num: func(g *GroupRow) float64 { return g.FLOPs.Mean }},
	{name: "final.flops_reduction", num: func(g *GroupRow) float64 { return g.FLOPsCut.Mean }, desc: true},
	{name: "dataset", str: func(g *GroupRow) string { return g.Dataset }},
	{name: "model", str: func(g *GroupRow) string { return g.Model }},
	{name: "granularity", str: func(g *GroupRow) string { return g.Granularity }},
	{name: "algorithm", str: func(g *GroupRow) string { return g.Algorithm }},
	{name: "target_sparsity", num: func(g *GroupRow) float64 { return g.Target }},
	{name: "n", num: func(g *GroupRow) float64 { return float64(g.N) }},
}

// GroupSortKeys returns the valid sort keys for GroupLeaderboard.
func GroupSortKeys() []string {
	var names []string
	for _, k := range groupSortKeys {
		names = append(names, k.name)
	}
	return names
}

// parseGroupSort resolves a sort key; "accuracy" means "final.accuracy" as
// in the per-run leaderboard, and a leading - or + forces the direction.
func parseGroupSort(s string) (groupSortKey, error) {
	name, force := splitSort(s)
	for _, k := range groupSortKeys {
		if k.name == name || k.name == "final."+name {
			if force != 0 {
				k.desc = force == '-'
			}
			return k, nil
		}
	}
	return groupSortKey{}, fmt.Errorf("unknown sort key %q for grouped runs; valid keys (prefix - or + to force descending or ascending): %s",
		s, strings.Join(GroupSortKeys(), ", "))
}

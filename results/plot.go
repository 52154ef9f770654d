package results

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// PlotAccuracy draws final test accuracy against final sparsity (or, with
// x = "compression", compression): one curve per algorithm (and variant),
// one point per target with the mean over seeds and error bars of one
// standard deviation, and the Pareto front of those points dashed. Runs of
// different datasets or models are never averaged together: each pair gets
// a file of its own, path with "-<dataset>-<model>" before the extension.
// The file type follows path's extension (.png, .svg, .pdf). It returns the
// files written.
func PlotAccuracy(runs []*Run, x, path string) ([]string, error) {
	if x != "sparsity" && x != "compression" {
		return nil, fmt.Errorf("plot: x axis %q: sparsity | compression", x)
	}
	facets := map[string][]*Run{}
	for _, r := range runs {
		k := r.Dataset + " / " + r.Model
		facets[k] = append(facets[k], r)
	}
	var files []string
	for _, k := range sortedNames(facets) {
		out := path
		if len(facets) > 1 {
			ext := filepath.Ext(path)
			out = strings.TrimSuffix(path, ext) + "-" + slug(k) + ext
		}
		if err := plotAccuracy(facets[k], k, x, out); err != nil {
			return files, err
		}
		files = append(files, out)
	}
	return files, nil
}

func slug(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_')
	})
	if len(f) == 0 {
		return "unnamed"
	}
	return strings.Join(f, "-")
}

func plotAccuracy(runs []*Run, facet, x, path string) error {
	p := plot.New()
	p.Title.Text = "Final test accuracy: " + strings.Trim(facet, " /")
	p.Y.Label.Text = "accuracy (%)"
	p.X.Label.Text = map[string]string{"sparsity": "sparsity (%)", "compression": "compression (x)"}[x]
	byAlg := map[string]map[float64][]*Run{}
	for _, r := range runs {
		label := strings.TrimSpace(r.Algorithm + " " + r.Variant)
		if byAlg[label] == nil {
			byAlg[label] = map[float64][]*Run{}
		}
		byAlg[label][r.Target] = append(byAlg[label][r.Target], r)
	}
	xget := func(r *Run) float64 { return 100 * r.Final.Sparsity }
	if x == "compression" {
		xget = func(r *Run) float64 { return r.Final.Compression }
	}
	var all plotter.XYs
	for i, alg := range sortedNames(byAlg) {
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, target := range sortedTargets(byAlg[alg]) {
			rs := byAlg[alg][target]
			acc := stat(rs, func(r *Run) float64 { return 100 * r.Final.Accuracy })
			pts = append(pts, plotter.XY{X: stat(rs, xget).Mean, Y: acc.Mean})
			errs = append(errs, struct{ Low, High float64 }{acc.Std, acc.Std})
		}
		if err := addCurve(p, i, alg, pts, errs); err != nil {
			return err
		}
		all = append(all, pts...)
	}
	if err := addFront(p, all); err != nil {
		return err
	}
	p.Add(plotter.NewGrid())
	legendBelow(p, len(byAlg)+1)
	return save(p, path)
}

// addFront draws the points no other point dominates (higher accuracy
// and higher x), joined in x order, as a dashed grey line.
func addFront(p *plot.Plot, pts plotter.XYs) error {
	keep := paretoFront(len(pts), func(i int) float64 { return pts[i].Y }, func(i int) float64 { return pts[i].X })
	if len(keep) < 2 {
		return nil
	}
	front := make(plotter.XYs, len(keep))
	for k, i := range keep {
		front[k] = pts[i]
	}
	sort.Slice(front, func(i, j int) bool { return front[i].X < front[j].X })
	l, err := plotter.NewLine(front)
	if err != nil {
		return fmt.Errorf("plot front: %w", err)
	}
	l.Color = color.Gray{Y: 110}
	l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(l)
	p.Legend.Add("Pareto front", l)
	return nil
}

// legendBelow keeps the legend off the data: it goes in the lower left,
// in a band added below the lowest point (error bars included), one
// line of the legend taking ~6 % of the axis.
func legendBelow(p *plot.Plot, entries int) {
	p.Legend.Top, p.Legend.Left = false, true
	lo, hi := p.Y.Min, p.Y.Max
	if hi <= lo {
		hi = lo + 1
	}
	band := 0.06 * float64(entries+1)
	if band > 0.6 {
		band = 0.6
	}
	p.Y.Min = lo - band/(1-band)*(hi-lo)
}

// PlotHistory draws the GA's best and mean fitness per generation, one pair
// of curves per run (named by label).
func PlotHistory(hist map[string][]HistoryRow, path string) error {
	p := plot.New()
	p.Title.Text = "Search progress"
	p.X.Label.Text = "generation"
	p.Y.Label.Text = "fitness"
	for i, label := range sortedNames(hist) {
		var best, mean plotter.XYs
		for _, h := range hist[label] {
			best = append(best, plotter.XY{X: float64(h.Generation), Y: h.BestFitness})
			mean = append(mean, plotter.XY{X: float64(h.Generation), Y: h.MeanFitness})
		}
		if len(best) == 0 {
			continue
		}
		lb, err := plotter.NewLine(best)
		if err != nil {
			return fmt.Errorf("plot %s: %w", label, err)
		}
		lm, err := plotter.NewLine(mean)
		if err != nil {
			return fmt.Errorf("plot %s: %w", label, err)
		}
		lb.Color = plotutil.Color(i)
		lm.Color = plotutil.Color(i)
		lm.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(lb, lm)
		p.Legend.Add(label+" best", lb)
		p.Legend.Add(label+" mean", lm)
	}
	p.Legend.Top = false // fitness rises: the lower right is free
	p.Add(plotter.NewGrid())
	return save(p, path)
}

// addCurve adds a line with points and error bars in the i-th style.
func addCurve(p *plot.Plot, i int, label string, pts plotter.XYs, errs plotter.YErrors) error {
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", label, err)
	}
	line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{pts, errs})
	if err != nil {
		return fmt.Errorf("plot %s: %w", label, err)
	}
	bars.Color = plotutil.Color(i)
	p.Add(line, points, bars)
	p.Legend.Add(label, line, points)
	return nil
}

func save(p *plot.Plot, path string) error {
	p.BackgroundColor = color.White
	// The format follows the extension; rendered in memory, then written
	// atomically like every other file.
	w, err := p.WriterTo(16*vg.Centimeter, 11*vg.Centimeter, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return fmt.Errorf("save plot %s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return fmt.Errorf("save plot %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedTargets(m map[float64][]*Run) []float64 {
	out := make([]float64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Float64s(out)
	return out
}

// PlotRounds draws test accuracy against the share of weights remaining
// after each round of iterative pruning (log scale, as in the Lottery Ticket
// paper), one curve per label with the mean over its runs (seeds) and error
// bars of one standard deviation.
func PlotRounds(curves map[string][][]RoundRow, path string) error {
	p := plot.New()
	p.Title.Text = "Iterative pruning: test accuracy per round"
	p.X.Label.Text = "weights remaining (%)"
	p.Y.Label.Text = "test accuracy (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	for i, label := range sortedNames(curves) {
		var pts plotter.XYs
		var errs plotter.YErrors
		for round := 0; ; round++ {
			var rem, acc []float64
			for _, rows := range curves[label] {
				if round < len(rows) {
					rem = append(rem, 100*rows[round].Remaining)
					acc = append(acc, 100*rows[round].TestAccuracy)
				}
			}
			if len(rem) == 0 {
				break
			}
			a := meanStdOf(acc)
			pts = append(pts, plotter.XY{X: meanStdOf(rem).Mean, Y: a.Mean})
			errs = append(errs, struct{ Low, High float64 }{a.Std, a.Std})
		}
		if len(pts) == 0 {
			continue
		}
		if err := addCurve(p, i, label, pts, errs); err != nil {
			return err
		}
	}
	p.Legend.Top = false
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return save(p, path)
}

package results

import (
	"fmt"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ParetoFile is the front of a pareto search (search.fitness.objective:
// pareto): every non-dominated mask found, cheapest first.
const ParetoFile = "pareto.json"

// FrontPoint is one mask of the front, measured on the validation split.
type FrontPoint struct {
	ValAccuracy float64 `json:"val_accuracy"`
	ValLoss     float64 `json:"val_loss"`
	FLOPs       int64   `json:"flops,omitempty"`  // of the rebuilt network (unit granularities, cost flops)
	Cost        float64 `json:"cost,omitempty"`   // in the front's cost (unit granularities)
	Density     float64 `json:"density"`          // share of prunable slots kept
	Kept        []int   `json:"kept"`             // kept slots per prunable layer
	Chosen      bool    `json:"chosen,omitempty"` // the mask the run rebuilt (the knee, or the cheapest within max_error)
}

// Front is the content of pareto.json.
type Front struct {
	Cost      string       `json:"cost"`                 // what the front minimises: flops, params, latency (ms) or density
	DenseCost float64      `json:"dense_cost,omitempty"` // the dense network's, in the same unit
	Layers    []string     `json:"layers"`
	Points    []FrontPoint `json:"points"`
}

// FrontFile lists the front points a run rebuilt and reconstructed besides
// its chosen one (reconstruct.front); each one's network is in FrontDir/NN.
const (
	FrontFile      = "front.json"
	FrontDir       = "front"
	FrontPointFile = "point.json" // in FrontDir/NN: the point's final metrics
)

// FrontRun is one such point: its front entry (validation accuracy before
// reconstruction) and its final network's metrics.
type FrontRun struct {
	Dir   string     `json:"dir"`
	Point FrontPoint `json:"point"`
	Final Metrics    `json:"final"`
}

// WriteFront writes pareto.json atomically.
func (d *RunDir) WriteFront(f Front) error { return WriteJSON(d.File(ParetoFile), f) }

// ReadFront reads a run directory's pareto.json.
func ReadFront(dir string) (*Front, error) {
	f, err := readJSON[Front](filepath.Join(dir, ParetoFile), "front")
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// PlotFronts draws each run's front: validation accuracy against the share
// of the dense cost kept (FLOPs, else density), the chosen knee circled.
func PlotFronts(fronts map[string]*Front, dense map[string]int64, path string) error {
	p := plot.New()
	p.Title.Text = "Pareto fronts (validation accuracy)"
	p.X.Label.Text = costLabel(fronts)
	p.Y.Label.Text = "validation accuracy (%)"
	for i, label := range sortedNames(fronts) {
		f := fronts[label]
		var pts, knee plotter.XYs
		for _, pt := range f.Points {
			x := 100 * pt.Density
			switch {
			case pt.Cost > 0 && f.DenseCost > 0:
				x = 100 * pt.Cost / f.DenseCost
			case f.Cost == "flops" && dense[label] > 0: // fronts written before dense_cost
				x = 100 * float64(pt.FLOPs) / float64(dense[label])
			}
			pts = append(pts, plotter.XY{X: x, Y: 100 * pt.ValAccuracy})
			if pt.Chosen {
				knee = append(knee, plotter.XY{X: x, Y: 100 * pt.ValAccuracy})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", label, err)
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(label, line, points)
		if len(knee) > 0 {
			k, err := plotter.NewScatter(knee)
			if err != nil {
				return fmt.Errorf("plot %s: %w", label, err)
			}
			k.Color, k.Shape, k.Radius = plotutil.Color(i), draw.CircleGlyph{}, vg.Points(5)
			p.Add(k)
		}
	}
	p.Legend.Top = false
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	return save(p, path)
}

// costLabel names the x axis after the fronts' cost, when they share one.
func costLabel(fronts map[string]*Front) string {
	labels := map[string]string{"flops": "FLOPs kept (%)", "params": "parameters kept (%)",
		"latency": "latency (% of the dense network's)", "density": "weights kept (%)"}
	label := ""
	for _, f := range fronts {
		l, ok := labels[f.Cost]
		if !ok || label != "" && l != label {
			return "cost kept (%; FLOPs, parameters, latency or weights)"
		}
		label = l
	}
	return label
}

// ProbeFile lists the front points a run fine-tuned briefly to choose its
// network on the error after fine-tuning (search.fitness.probe_epochs).
const ProbeFile = "probes.json"

// Probe is one such point: its place in the front (cheapest first), kept
// units per layer, and validation accuracy before and after the probe.
type Probe struct {
	Index             int     `json:"index"`
	Kept              []int   `json:"kept"`
	Epochs            int     `json:"epochs"`
	Recipe            string  `json:"recipe,omitempty"` // fingerprint of the fine-tuning recipe (not its length)
	ValAccuracyBefore float64 `json:"val_accuracy_before"`
	ValAccuracy       float64 `json:"val_accuracy"`
}

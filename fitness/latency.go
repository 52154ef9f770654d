package fitness

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// latencyGrid are the shares of a layer's dense inputs and outputs it is
// timed at: 4 x 4 shapes per layer fit its two coefficients.
var latencyGrid = []float64{0.25, 0.5, 0.75, 1}

// LatencyTable is the latency cost model of one network on one device: per
// conv or linear layer, milliseconds ≈ Alpha + Beta · in · out, fitted by
// least squares to the layer timed alone on a grid of widths. Cached as
// JSON per architecture, device, threads and batch.
type LatencyTable struct {
	Device  string         `json:"device"`
	Threads int            `json:"threads"`
	Batch   int            `json:"batch"`
	Layers  []LatencyLayer `json:"layers"`
	Seconds float64        `json:"seconds"` // spent timing
}

// LatencyLayer is one layer's fit and its worst error on the grid, as a
// share of the layer's time at full width.
type LatencyLayer struct {
	Kind     string  `json:"kind"`
	Alpha    float64 `json:"alpha_ms"`
	Beta     float64 `json:"beta_ms"`
	MaxError float64 `json:"max_error_share"`
}

// LatencyCost is the cost model of unit masks over groups in milliseconds
// at the given batch on dev: the sum of the fitted latencies of the conv and
// linear layers of the network a mask rebuilds. Batch norm (folded for
// inference), activations and pooling are not in it. The table is read from
// cacheDir when a run on the same network, device, threads and batch
// measured it, else measured and written there; cached says which.
func LatencyCost(a model.Arch, groups []*model.Group, batch int, dev gotch.Device, cacheDir string) (c *search.Cost, tab *LatencyTable, cached bool, err error) {
	terms := layerTerms(a, groups)
	key, err := latencyKey(a, terms, batch, dev)
	if err != nil {
		return nil, nil, false, err
	}
	path := filepath.Join(cacheDir, key+".json")
	tab, err = readLatencyTable(path, len(terms))
	switch {
	case err == nil:
		cached = true
	case errors.Is(err, fs.ErrNotExist):
		if tab, err = measureLatency(terms, batch, dev); err != nil {
			return nil, nil, false, err
		}
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, nil, false, fmt.Errorf("latency table: %w", err)
		}
		if err := results.WriteJSON(path, tab); err != nil {
			return nil, nil, false, fmt.Errorf("latency table: %w", err)
		}
	default:
		return nil, nil, false, err
	}
	c = &search.Cost{}
	for i, t := range terms {
		c.Fixed += tab.Layers[i].Alpha
		t.Factor = tab.Layers[i].Beta
		c.Terms = append(c.Terms, t.CostTerm)
	}
	return c, tab, cached, nil
}

func latencyKey(a model.Arch, terms []layerTerm, batch int, dev gotch.Device) (string, error) {
	b, err := json.Marshal(struct {
		Arch    model.Arch
		Terms   []layerTerm
		Batch   int
		Device  string
		Threads int
	}{a, terms, batch, model.DeviceName(dev), torchrt.Threads()})
	if err != nil {
		return "", fmt.Errorf("latency table key: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8]), nil
}

func readLatencyTable(path string, layers int) (*LatencyTable, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t LatencyTable
	if err := json.Unmarshal(b, &t); err != nil || len(t.Layers) != layers {
		// A damaged cache entry is measured again, not trusted.
		return nil, fs.ErrNotExist
	}
	return &t, nil
}

// latencyPasses is how many times the whole grid is timed; each shape
// keeps its fastest pass, so a stretch of load on a shared machine spoils
// at most one pass of a few shapes.
const latencyPasses = 3

func measureLatency(terms []layerTerm, batch int, dev gotch.Device) (*LatencyTable, error) {
	tab := &LatencyTable{Device: model.DeviceName(dev), Threads: torchrt.Threads(), Batch: batch}
	start := time.Now()
	type shape struct{ in, out int64 }
	grid := make([][]shape, len(terms))
	best := make([][]float64, len(terms))
	for i, t := range terms {
		for _, in := range widths(t.In >= 0, t.layer.In, t.InRepeat) {
			for _, out := range widths(t.Out >= 0, t.layer.Out, 1) {
				grid[i] = append(grid[i], shape{in, out})
				best[i] = append(best[i], math.Inf(1))
			}
		}
	}
	for pass := 0; pass < latencyPasses; pass++ {
		for i, t := range terms {
			for j, s := range grid[i] {
				ms, err := model.LayerTime(t.layer, t.in, s.in, s.out, batch, dev)
				if err != nil {
					return nil, err
				}
				best[i][j] = min(best[i][j], ms)
			}
		}
	}
	for i, t := range terms {
		xs := make([]float64, len(grid[i]))
		for j, s := range grid[i] {
			xs[j] = float64(s.in * s.out)
		}
		ys := best[i]
		alpha, beta := fitLine(xs, ys)
		// The fit's worst miss on the grid, as a share of the layer's time at
		// full width (the last point): what the search's costs are read
		// against. Relative to tiny shapes' times it would be noise.
		worst := 0.0
		for j := range xs {
			worst = max(worst, math.Abs(alpha+beta*xs[j]-ys[j])/ys[len(ys)-1])
		}
		tab.Layers = append(tab.Layers, LatencyLayer{Kind: t.layer.Kind, Alpha: alpha, Beta: beta, MaxError: worst})
	}
	tab.Seconds = time.Since(start).Seconds()
	return tab, nil
}

// widths are the input (or output) sizes a layer is timed at: the grid's
// shares of its dense units when a group's kept units set it (in whole
// units, times repeat for the features a flatten makes), else its fixed size.
func widths(variable bool, dense int64, repeat float64) []int64 {
	if !variable {
		return []int64{dense}
	}
	r := int64(max(repeat, 1))
	units := dense / r
	var out []int64
	for _, f := range latencyGrid {
		u := max(int64(math.Round(f*float64(units))), 1)
		if len(out) == 0 || out[len(out)-1] != u*r {
			out = append(out, u*r)
		}
	}
	return out
}

// fitLine is the least-squares line y ≈ alpha + beta·x, with beta ≥ 0 and
// alpha ≥ 0 (timing noise must not make a wider layer cheaper).
func fitLine(xs, ys []float64) (alpha, beta float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	if d := n*sxx - sx*sx; d > 0 {
		beta = max((n*sxy-sx*sy)/d, 0)
	}
	alpha = max((sy-beta*sx)/n, 0)
	return alpha, beta
}

package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// spread picks n members of a front sorted by cost, evenly spaced in cost
// between its cheapest and its costliest (the nearest member to each of n
// equally spaced costs, each member at most once).
func spread(costs []float64, n int) []int {
	if n >= len(costs) {
		out := make([]int, len(costs))
		for i := range out {
			out[i] = i
		}
		return out
	}
	lo, hi := costs[0], costs[len(costs)-1]
	taken := map[int]bool{}
	var out []int
	for k := 0; k < n; k++ {
		want := lo
		if n > 1 {
			want = lo + (hi-lo)*float64(k)/float64(n-1)
		}
		best := -1
		for i, c := range costs {
			if !taken[i] && (best < 0 || math.Abs(c-want) < math.Abs(costs[best]-want)) {
				best = i
			}
		}
		taken[best] = true
		out = append(out, best)
	}
	return out
}

// frontRuns rebuilds, reconstructs and tests reconstruct.front points of a
// pareto search's front, spread from the run's chosen point to its most
// accurate, as the chosen point was, writing each network
// to front/NN and the table to front.json. A point whose directory holds its
// metrics already (a resumed run) is read back, not redone.
func (p *pipeline) frontRuns(dense *model.Net, m *prunedMask, s *splits) error {
	// The points costlier than the chosen one: the cheaper ones are less
	// accurate than it (it is the knee, or the cheapest within max_error).
	cost := func(mk search.Mask) float64 {
		if m.space.Cost == nil {
			return mk.Density()
		}
		return m.space.CostOf(mk)
	}
	var above []search.Ranked
	var costs []float64
	for _, r := range m.front {
		if c := cost(r.Mask); c > cost(m.bits) {
			above = append(above, r)
			costs = append(costs, c)
		}
	}
	picks := spread(costs, p.e.Reconstruct.Front)
	var runs []results.FrontRun
	for k, i := range picks {
		r := above[i]
		fr := results.FrontRun{Dir: filepath.Join(results.FrontDir, fmt.Sprintf("%02d", k)), Point: p.frontPoint(m.space, r, false)}
		dir := p.dir.File(fr.Dir)
		// Not metrics.json: a front point is not a run for FindRuns.
		done := filepath.Join(dir, results.FrontPointFile)
		if b, err := os.ReadFile(done); err == nil && json.Unmarshal(b, &fr.Final) == nil {
			runs = append(runs, fr)
			continue
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		p.printf("front: point %d of %d, kept %v, val acc %.2f%% before reconstruction\n", k+1, len(picks), fr.Point.Kept, 100*r.Score.ValAccuracy)
		final, err := p.frontNetwork(dense, m, r.Mask, s, p.e.Reconstruct.Epochs, "finetune")
		if err != nil {
			return fmt.Errorf("front point %d: %w", k+1, err)
		}
		fr.Final, err = p.measure(final, s, final)
		if err == nil {
			fr.Final.LatencyB1 = model.Latency(final, 1, 21)
			fr.Final.LatencyB256 = model.Latency(final, 256, 21)
			err = os.MkdirAll(dir, 0o755)
		}
		if err == nil {
			err = final.Save(filepath.Join(dir, results.ModelFile))
		}
		if err == nil {
			var arch []byte
			if arch, err = json.MarshalIndent(final.Arch, "", "  "); err == nil {
				err = results.WriteFileAtomic(filepath.Join(dir, results.ArchFile), arch)
			}
		}
		final.Drop()
		if err == nil { // last: its presence marks the point done
			err = results.WriteJSON(done, fr.Final)
		}
		if err != nil {
			return fmt.Errorf("front point %d: %w", k+1, err)
		}
		runs = append(runs, fr)
		p.report(fmt.Sprintf("front %d", k+1), fr.Final)
		if err := p.stopped(); err != nil {
			return err
		}
	}
	if err := results.WriteJSON(p.dir.File(results.FrontFile), runs); err != nil {
		return err
	}
	p.frontTable(runs)
	return nil
}

// frontNetwork is one front mask's final network: rebuilt and reconstructed
// like the run's chosen one, with epochs of fine-tuning.
func (p *pipeline) frontNetwork(dense *model.Net, m *prunedMask, bits search.Mask, s *splits, epochs int, stage string) (*model.Net, error) {
	pm := &prunedMask{kind: m.kind, groups: m.groups, space: m.space, bits: bits}
	masked, err := pm.apply(dense)
	if err != nil {
		return nil, err
	}
	defer masked.Drop()
	p.adaptBN(masked, s.train)
	final, err := pm.rebuild(masked)
	if err != nil {
		return nil, err
	}
	if final, err = p.reconstructFor(final, dense, pm, s, epochs, stage); err != nil {
		final.Drop()
		return nil, err
	}
	return final, nil
}

func (p *pipeline) frontTable(runs []results.FrontRun) {
	t := tablewriter.NewTable(p.out, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("front point", "architecture", "val acc before", "test acc", "F1", "params", "FLOPs", "FLOPs cut", "latency b1 ms", "latency b256 ms")
	for _, r := range runs {
		m := r.Final
		t.Append(r.Dir, fmt.Sprint(m.Architecture), pct(r.Point.ValAccuracy), pct(m.Accuracy), fmt.Sprintf("%.4f", m.F1),
			fmt.Sprint(m.Params), fmt.Sprint(m.FLOPs), pct(m.FLOPsReduction), fmt.Sprintf("%.3f", m.LatencyB1),
			fmt.Sprintf("%.3f", m.LatencyB256))
	}
	_ = t.Render()
}

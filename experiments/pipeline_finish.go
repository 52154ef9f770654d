package experiments

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// reconstruct recovers accuracy after the rebuild: choose the starting
// weights (keep / rewind to the dense initialisation / reinit), then fine-tune.
func (p *pipeline) reconstruct(final, dense *model.Net, m *prunedMask, s *splits) (*model.Net, error) {
	if m.finetuned != "" && final.WeightMasks == nil {
		// The probe started from this network and ran this recipe: its
		// result is what fine-tuning again would give (deterministic).
		n, err := model.Load(final.Arch, m.finetuned, final.Device)
		if err == nil {
			n.EvalBatch = final.EvalBatch
			final.Drop()
			p.printf("finetune: the chosen point's probe ran the same %d epochs; its network is the result (%s)\n", p.e.Reconstruct.Epochs, m.finetuned)
			return n, nil
		}
		p.printf("finetune: the chosen point's probe cannot be reused (%v); fine-tuning again\n", err)
	}
	return p.reconstructFor(final, dense, m, s, p.e.Reconstruct.Epochs, "finetune")
}

// reconstructFor is reconstruct with the fine-tuning cut to epochs, its
// progress printed under stage.
func (p *pipeline) reconstructFor(final, dense *model.Net, m *prunedMask, s *splits, epochs int, stage string) (*model.Net, error) {
	r := p.e.Reconstruct
	r.Epochs = epochs
	if m.weights != nil {
		p.printf("reconstruct: none: %s retrained the network after every round\n", p.e.Search.Algorithm)
		return final, nil
	}
	if strings.HasPrefix(r.Method, "refit") {
		if m.kind != fitness.Units {
			return final, fmt.Errorf("reconstruct.method %s: least-squares refit needs a neuron or channel mask", r.Method)
		}
		calib := s.train.Narrow(0, min(5000, s.train.N))
		n, err := model.Refit(final, dense, m.units, calib.X, 1e-3)
		calib.X.MustDrop()
		calib.Y.MustDrop()
		if err != nil {
			return final, err
		}
		acc, err := fitness.Accuracy(final, s.valFull)
		if err != nil {
			return final, fmt.Errorf("refit: %w", err)
		}
		p.printf("refit: %d layer(s) re-fitted by least squares on %d training samples, val acc %.2f%%\n",
			n, min(5000, s.train.N), 100*acc)
	}
	switch r.Init {
	case "rewind", "reinit":
		start, err := p.restart(final, m, r.Init, s.train)
		if err != nil {
			return final, err
		}
		final.Drop()
		final = start
	}
	if !strings.HasSuffix(r.Method, "finetune") || r.Epochs == 0 {
		return final, nil
	}
	o := retrainOptions(p.e, p.e.Seed+1, dense, p.stopped)
	o.Epochs = r.Epochs
	o.Epoch = p.epochPrinter(stage, r.Epochs, final, s.valFull)
	return final, model.Train(final, s.train, o)
}

// restart builds the rebuilt architecture's starting weights: the dense
// network's initial values for the surviving structure (rewind, as in the
// Lottery Ticket procedure) or a fresh initialisation (reinit). Weight masks
// carry over so pruned weights stay pruned.
func (p *pipeline) restart(final *model.Net, m *prunedMask, how string, train *model.Batch) (*model.Net, error) {
	var n *model.Net
	var err error
	if how == "reinit" {
		n, err = model.New(final.Arch, final.Device, model.Init(p.e.Model.Init), p.e.Seed+2)
		if n != nil {
			n.EvalBatch = final.EvalBatch
		}
	} else {
		n, err = p.rewound(m, final.Device, train)
	}
	if err != nil {
		return nil, err
	}
	if final.WeightMasks != nil {
		n.WeightMasks = cloneMasks(final.WeightMasks)
		n.Remask()
	}
	return n, nil
}

// rewound is the dense network's initial weights (initialWeights) cut to the
// surviving structure.
func (p *pipeline) rewound(m *prunedMask, dev gotch.Device, train *model.Batch) (*model.Net, error) {
	init, err := initialWeights(p.e, p.denseArch, dev, train, p.stopped)
	if err != nil {
		return nil, err
	}
	defer init.Drop()
	if m.kind == fitness.Weights {
		init.WeightMasks = fitness.WeightMasks(m.bits, init)
		init.Remask()
	}
	return init.Rebuild(m.units)
}

func cloneMasks(m map[string]*ts.Tensor) map[string]*ts.Tensor {
	out := map[string]*ts.Tensor{}
	for k, v := range m {
		out[k] = v.MustDetachCopy(false)
	}
	return out
}

// maxAbsDiff compares two networks' logits on the first n rows of b.
func maxAbsDiff(a, b *model.Net, data *model.Batch, n int) float64 {
	var d float64
	model.NoGrad(func() {
		x := data.X.MustNarrow(0, 0, int64(min(n, data.N)), false)
		defer x.MustDrop()
		ya, yb := a.Logits(x), b.Logits(x)
		diff := ya.MustSub(yb, true).MustAbs(true)
		for _, v := range model.Host(diff) {
			d = math.Max(d, float64(v))
		}
		diff.MustDrop()
		yb.MustDrop()
	})
	return d
}

func (p *pipeline) record(dense, masked, final results.Metrics, diff float64) *results.Run {
	return &results.Run{
		Name: p.e.Name, RunID: filepath.Base(p.dir.Path), Seed: p.e.Seed,
		Model: p.e.Model.Arch, Dataset: p.e.Data.Dataset, Granularity: p.e.Prune.Granularity,
		Algorithm: p.e.Search.Algorithm, Target: p.e.Prune.TargetSparsity, TargetFLOPs: p.e.Prune.TargetFLOPs,
		Dense: dense, Masked: masked, Final: final, RebuildMaxAbsDiff: diff,
		Search: p.searchSum, Seconds: p.secs,
	}
}

// maskFile is mask.json: which units / weights the search kept.
type maskFile struct {
	Granularity string           `json:"granularity"`
	Target      float64          `json:"target_sparsity"`
	Layers      []maskLayer      `json:"layers"`
	Kept        map[string][]int `json:"kept_units,omitempty"` // unit granularities
	Removed     map[string][]int `json:"removed_units"`        // by the rebuild
	Bits        *search.Mask     `json:"weight_bits,omitempty"`
}

type maskLayer struct {
	Name string `json:"name"`
	Size int    `json:"size"`
	Kept int    `json:"kept"`
}

func (p *pipeline) write(run *results.Run, m *prunedMask, final *model.Net) error {
	mf := maskFile{Granularity: p.e.Prune.Granularity, Target: p.e.Prune.TargetSparsity, Removed: map[string][]int{}}
	off := m.space.Offsets()
	for i, seg := range m.space.Segments {
		k := 0
		for j := 0; j < seg.Size; j++ {
			if m.bits.Get(off[i] + j) {
				k++
			}
		}
		mf.Layers = append(mf.Layers, maskLayer{seg.Name, seg.Size, k})
	}
	for g, keep := range m.units {
		for i, k := range keep {
			if !k {
				mf.Removed[g] = append(mf.Removed[g], i)
			}
		}
	}
	if m.kind == fitness.Units {
		mf.Kept = map[string][]int{}
		for g, keep := range m.units {
			for i, k := range keep {
				if k {
					mf.Kept[g] = append(mf.Kept[g], i)
				}
			}
		}
	} else {
		mf.Bits = &m.bits
	}
	if err := results.WriteJSON(p.dir.File(results.MaskFile), mf); err != nil {
		return err
	}
	arch, err := json.MarshalIndent(final.Arch, "", "  ")
	if err != nil {
		return err
	}
	if err := results.WriteFileAtomic(p.dir.File(results.ArchFile), arch); err != nil {
		return err
	}
	if err := final.Save(p.dir.File(results.ModelFile)); err != nil {
		return err
	}
	// metrics.json last: its presence marks a finished run.
	return p.dir.WriteMetrics(run)
}

// summary prints the closing table and the run directory.
func (p *pipeline) summary(r *results.Run) {
	t := tablewriter.NewTable(p.out, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("network", "architecture", "test acc", "F1", "val acc", "params", "non-zero", "sparsity", "compression", "FLOPs", "latency b1 ms", "latency b256 ms")
	for _, row := range []struct {
		name string
		m    results.Metrics
	}{{"dense", r.Dense}, {"masked", r.Masked}, {"final", r.Final}} {
		m := row.m
		t.Append(row.name, fmt.Sprint(m.Architecture), pct(m.Accuracy), fmt.Sprintf("%.4f", m.F1), pct(m.ValAccuracy),
			fmt.Sprint(m.Params), fmt.Sprint(m.NonzeroParams), pct(m.Sparsity), fmt.Sprintf("%.2fx", m.Compression),
			fmt.Sprint(m.FLOPs), fmt.Sprintf("%.3f", m.LatencyB1), fmt.Sprintf("%.3f", m.LatencyB256))
	}
	t.Render()
	s := r.Seconds
	other := s.Total - s.Train - s.Search - s.Rebuild - s.Finetune - s.Front - s.Latency - s.Evaluate
	front := ""
	if s.Front > 0 {
		front = fmt.Sprintf(", front %.1f", s.Front)
	}
	p.printf("rebuild max abs diff %.3g; seconds: train %.1f, search %.1f, rebuild %.1f, finetune %.1f%s, latency %.1f, evaluate %.1f, other %.1f, total %.1f\n",
		r.RebuildMaxAbsDiff, s.Train, s.Search, s.Rebuild, s.Finetune, front, s.Latency, s.Evaluate, other, s.Total)
	p.printf("run: %s\n", p.dir.Path)
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

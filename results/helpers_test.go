package results

import (
	"strconv"
	"testing"
)

// sampleRun returns a plausible finished run.
func sampleRun(name string, seed int64, acc, compression float64) *Run {
	m := func(acc float64) Metrics {
		return Metrics{
			Accuracy: acc, Precision: acc, Recall: acc, F1: acc - 0.001,
			ValAccuracy: acc, Params: 266610, NonzeroParams: 125000,
			Sparsity: 0.5, Compression: compression, FLOPs: 532000,
			LatencyB1: 0.05, LatencyB256: 1.25, Architecture: []int64{784, 131, 47, 10},
		}
	}
	return &Run{
		Name: name, RunID: testRunID(seed), Seed: seed,
		Model: "lenet300-100", Dataset: "mnist", Granularity: "neuron",
		Algorithm: "genetic", Target: 0.5,
		Dense: m(0.981), Masked: m(acc - 0.01), Final: m(acc),
		RebuildMaxAbsDiff: 1e-6,
		Search:            SearchSummary{Generations: 40, Evaluations: 1280, Seconds: 12.5},
		Seconds:           Seconds{Train: 30, Search: 12.5, Rebuild: 0.1, Finetune: 8, Total: 51},
	}
}

func testRunID(seed int64) string {
	return "20261129-131500-s" + strconv.FormatInt(seed, 10)
}

func mustRun(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

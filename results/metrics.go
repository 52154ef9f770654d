package results

// Metrics describes one network (the contract's M): test-set quality,
// size, cost and shape.
type Metrics struct {
	Accuracy      float64 `json:"accuracy"`
	Precision     float64 `json:"precision"`
	Recall        float64 `json:"recall"`
	F1            float64 `json:"f1"`
	ValAccuracy   float64 `json:"val_accuracy"`
	Params        int64   `json:"params"`
	NonzeroParams int64   `json:"nonzero_params"`
	Sparsity      float64 `json:"sparsity"`
	Compression   float64 `json:"compression"`
	FLOPs         int64   `json:"flops"`
	// FLOPsReduction is the share of the dense network's FLOPs this one
	// does not need.
	FLOPsReduction float64 `json:"flops_reduction"`
	LatencyB1      float64 `json:"latency_ms_b1"`
	LatencyB256    float64 `json:"latency_ms_b256"`
	Architecture   []int64 `json:"architecture"`
}

// SearchSummary is the "search" object of metrics.json.
type SearchSummary struct {
	Generations int     `json:"generations"`
	Evaluations int     `json:"evaluations"`
	Seconds     float64 `json:"seconds"`
}

// Seconds is the wall-clock time spent in each phase of a run.
type Seconds struct {
	Train    float64 `json:"train"`
	Search   float64 `json:"search"`
	Rebuild  float64 `json:"rebuild"`
	Finetune float64 `json:"finetune"`
	Latency  float64 `json:"latency"`         // latency of the dense, masked and final networks
	Evaluate float64 `json:"evaluate"`        // test and validation metrics of the three networks
	Front    float64 `json:"front,omitempty"` // rebuilding and reconstructing reconstruct.front points, their metrics included
	Total    float64 `json:"total"`
}

// Run is the content of metrics.json.
type Run struct {
	Name        string  `json:"name"`
	RunID       string  `json:"run_id"`
	Seed        int64   `json:"seed"`
	Model       string  `json:"model"`
	Dataset     string  `json:"dataset"`
	Granularity string  `json:"granularity"`
	Algorithm   string  `json:"algorithm"`
	Target      float64 `json:"target_sparsity"`
	TargetFLOPs float64 `json:"target_flops,omitempty"`
	// Variant, set by FindRuns, names the settings in which this run differs
	// from others of its group key ("reconstruct.method=refit"); "" if none.
	Variant string `json:"-"`

	Dense  Metrics `json:"dense"`
	Masked Metrics `json:"masked"`
	Final  Metrics `json:"final"`

	// RebuildMaxAbsDiff is max |logits(rebuilt) - logits(masked)| before
	// fine-tuning.
	RebuildMaxAbsDiff float64 `json:"rebuild_max_abs_diff"`

	Search  SearchSummary `json:"search"`
	Seconds Seconds       `json:"seconds"`
}

// HistoryRow is one line of history.csv: the state of the search after
// one generation.
type HistoryRow struct {
	Generation      int
	Evaluations     int
	BestFitness     float64
	MeanFitness     float64
	BestValAccuracy float64
	BestSparsity    float64
	Seconds         float64
}

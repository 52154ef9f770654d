// Package experiments loads, validates and expands evoprune experiment and
// sweep files (see /work/shared/contract.md, "Experiment YAML").
package experiments

// Experiment is one resolved experiment configuration. Values parsed by
// Load, LoadWith or Parse have every default filled in.
type Experiment struct {
	Name    string `yaml:"name"`
	Seed    int64  `yaml:"seed"`
	Device  string `yaml:"device"`  // auto | cpu | cuda (default auto)
	Threads int    `yaml:"threads"` // default 2; >=1
	// EvalBatch is the samples per forward pass outside training (0: the
	// device's default, 128 on the CPU, 1024 on a GPU).
	EvalBatch   int               `yaml:"eval_batch"`
	Data        DataConfig        `yaml:"data"`
	Model       ModelConfig       `yaml:"model"`
	Train       TrainConfig       `yaml:"train"`
	Prune       PruneConfig       `yaml:"prune"`
	Search      SearchConfig      `yaml:"search"`
	Reconstruct ReconstructConfig `yaml:"reconstruct"`
}

// DataConfig selects the data set and its splits.
type DataConfig struct {
	Dataset    string `yaml:"dataset"`     // mnist | fashion-mnist | cifar10 | synthetic (default mnist)
	Dir        string `yaml:"dir"`         // optional
	Validation int    `yaml:"validation"`  // default 5000 (synthetic: 500); >=1
	TrainLimit int    `yaml:"train_limit"` // 0 = all, >=0
	TestLimit  int    `yaml:"test_limit"`  // 0 = all, >=0
	Samples    int    `yaml:"samples"`     // synthetic only, default 2000
	Shape      []int  `yaml:"shape"`       // synthetic only: C, H, W (default [1, 8, 8])
	Classes    int    `yaml:"classes"`     // synthetic only, default 4
}

// ModelConfig selects the network.
type ModelConfig struct {
	Arch       string `yaml:"arch"`       // lenet300-100 | lenet5 | resnet20 | resnet18 | mlp (default lenet300-100)
	Widths     []int  `yaml:"widths"`     // mlp hidden widths; required for mlp, empty otherwise
	Checkpoint string `yaml:"checkpoint"` // optional path to dense weights
	Init       string `yaml:"init"`       // default (PyTorch's) | glorot-normal (default default)
}

// TrainConfig controls dense training.
type TrainConfig struct {
	Epochs      int     `yaml:"epochs"`       // default 20, >=0
	BatchSize   int     `yaml:"batch_size"`   // default 60, >=1
	Optimizer   string  `yaml:"optimizer"`    // adam | sgd (default adam)
	LR          float64 `yaml:"lr"`           // default 1.2e-3, >0
	Momentum    float64 `yaml:"momentum"`     // sgd only, default 0.9, [0,1)
	WeightDecay float64 `yaml:"weight_decay"` // default 0, >=0
	Schedule    string  `yaml:"schedule"`     // constant | step | cosine (default cosine)
	StepEpochs  int     `yaml:"step_epochs"`  // step schedule: default 10, >=1
	Gamma       float64 `yaml:"gamma"`        // step schedule: default 0.1, (0,1]
}

// PruneConfig says what is pruned and how much.
type PruneConfig struct {
	Granularity    string  `yaml:"granularity"`     // weight | neuron | channel | layer (default neuron)
	Criterion      string  `yaml:"criterion"`       // magnitude | activation | taylor | random (default magnitude)
	TargetSparsity float64 `yaml:"target_sparsity"` // default 0.5, in (0,1)
	K              float64 `yaml:"k"`               // threshold algorithm: theta = mu - k*sigma (default 0)
	Q              float64 `yaml:"q"`               // threshold algorithm, Han variant theta = q*sigma (default 0 = unused), >=0
	Rounds         int     `yaml:"rounds"`          // iterative algorithms, default 5, >=1
	// LayerSparsity, when set, gives every prunable layer its own final
	// sparsity (iterative-magnitude, layerwise, global-magnitude), in the
	// network's order, instead of sharing target_sparsity proportionally.
	LayerSparsity []float64 `yaml:"layer_sparsity"`
}

// SearchConfig configures the mask search.
type SearchConfig struct {
	Algorithm     string        `yaml:"algorithm"`      // genetic | greedy | layerwise | threshold | degree | global-magnitude | iterative-magnitude | random (default genetic)
	Population    int           `yaml:"population"`     // default 32, >=2
	Generations   int           `yaml:"generations"`    // default 40, >=1
	CrossoverRate float64       `yaml:"crossover_rate"` // default 0.7, [0,1]
	MutationRate  float64       `yaml:"mutation_rate"`  // default 0.02, [0,1]
	Elitism       int           `yaml:"elitism"`        // default 2, >=0 and < population
	Fitness       FitnessConfig `yaml:"fitness"`
}

// FitnessConfig defines the search objective.
type FitnessConfig struct {
	Objective   string  `yaml:"objective"`    // accuracy_at_sparsity | weighted (default accuracy_at_sparsity)
	Lambda      float64 `yaml:"lambda"`       // weighted: default 0.5, >=0
	EvalSamples int     `yaml:"eval_samples"` // 0 = the whole validation split (default 0), >=0
	// LowSamples > 0 turns on the fidelity schedule (genetic, random): every
	// mask is first scored on this many validation samples, and only the
	// best Promote share of each population on all eval_samples.
	LowSamples int     `yaml:"low_samples"`
	Promote    float64 `yaml:"promote"` // default 0.25, (0,1]
	// AdaptBN > 0 re-estimates batch-norm statistics on this many training
	// batches (of train.batch_size) before every evaluation (adaptive BN).
	AdaptBN int `yaml:"adapt_bn"`
}

// ReconstructConfig controls how the pruned network is repaired.
type ReconstructConfig struct {
	Method string `yaml:"method"` // none | refit | finetune | refit+finetune (default finetune)
	Init   string `yaml:"init"`   // keep | rewind | reinit (default keep)
	// RewindIteration k > 0 rewinds to the dense weights after k training
	// steps instead of the initialisation ("late rewinding"); init: rewind only.
	RewindIteration int     `yaml:"rewind_iteration"`
	Epochs          int     `yaml:"epochs"`     // default 10, >=0
	LR              float64 `yaml:"lr"`         // default 1.2e-4, >0
	BatchSize       int     `yaml:"batch_size"` // resolved to train.batch_size when 0 or absent
	Schedule        string  `yaml:"schedule"`   // constant | step | cosine (default cosine)
	// Distill mixes knowledge distillation from the dense network into
	// fine-tuning: loss = (1−distill)·CE + distill·T²·KL (default 0: off).
	Distill     float64 `yaml:"distill"`
	Temperature float64 `yaml:"temperature"` // distillation temperature T (default 4)
}

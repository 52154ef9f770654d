// Package config loads, validates and expands evoprune experiment and sweep
// files. It holds no tensors. docs/config.md, generated from this file,
// lists every key with its default.
package config

// Experiment is one resolved experiment configuration. Values parsed by
// Load, LoadWith or Parse have every default filled in.
type Experiment struct {
	Name    string `yaml:"name"` // names the run directory; default: the file's name
	Seed    int64  `yaml:"seed"` // every random choice derives from it
	Device  string `yaml:"device"`
	Threads int    `yaml:"threads"` // >=1
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
	Dataset    string `yaml:"dataset"`
	Dir        string `yaml:"dir"`         // where the files are (default: the packaged or installed copy)
	Validation int    `yaml:"validation"`  // >=1 (synthetic default: 500)
	TrainLimit int    `yaml:"train_limit"` // 0 = all, >=0
	TestLimit  int    `yaml:"test_limit"`  // 0 = all, >=0
	Samples    int    `yaml:"samples"`     // synthetic only (default 2000)
	Shape      []int  `yaml:"shape"`       // synthetic only: C, H, W (default [1, 8, 8])
	Classes    int    `yaml:"classes"`     // synthetic only (default 4)
	// Pad adds this many pixels of black around every image: 2 makes
	// MNIST's 28x28 images 32x32, the CIFAR networks' input.
	Pad     int           `yaml:"pad,omitempty"`
	Augment AugmentConfig `yaml:"augment,omitempty"`
}

// AugmentConfig is training-time augmentation of images (dense training,
// fine-tuning and retraining; never evaluation).
type AugmentConfig struct {
	// Crop > 0 pads by this many black pixels and cuts a random window of
	// the original size (CIFAR recipe: 4).
	Crop int  `yaml:"crop,omitempty"`
	Flip bool `yaml:"flip,omitempty"` // random horizontal flip
}

// ModelConfig selects the network.
type ModelConfig struct {
	Arch       string `yaml:"arch"`
	Widths     []int  `yaml:"widths"`     // mlp hidden widths; required for mlp, empty otherwise
	Checkpoint string `yaml:"checkpoint"` // optional path to dense weights
	Init       string `yaml:"init"`       // default: PyTorch's initialisation
	// Layers describes a network of one's own instead of a zoo model
	// (model.arch custom): conv, linear, bn, relu, maxpool, gap, flatten and
	// residual blocks; syntax below the table.
	Layers []LayerConfig `yaml:"layers,omitempty"`
}

// TrainConfig controls dense training.
type TrainConfig struct {
	Epochs      int     `yaml:"epochs"`     // >=0
	BatchSize   int     `yaml:"batch_size"` // >=1
	Optimizer   string  `yaml:"optimizer"`
	LR          float64 `yaml:"lr"`                 // >0
	Momentum    float64 `yaml:"momentum"`           // sgd only, [0,1)
	Nesterov    bool    `yaml:"nesterov,omitempty"` // sgd only
	WeightDecay float64 `yaml:"weight_decay"`       // >=0
	// NoDecayBNBias exempts batch-norm parameters and biases from
	// weight_decay (also in fine-tuning).
	NoDecayBNBias bool    `yaml:"no_decay_bn_bias,omitempty"`
	Schedule      string  `yaml:"schedule"`
	StepEpochs    int     `yaml:"step_epochs"` // step schedule, >=1
	Gamma         float64 `yaml:"gamma"`       // step and multistep schedules, (0,1]
	// Milestones are the epochs (from 0) at which the multistep schedule
	// multiplies the learning rate by gamma, increasing.
	Milestones []int `yaml:"milestones,omitempty"`
	// WarmupEpochs raises the learning rate linearly, step by step, from 0
	// to the schedule's value over the first epochs (dense training).
	WarmupEpochs int `yaml:"warmup_epochs,omitempty"`
	// LabelSmoothing ε: targets (1−ε)·one-hot + ε·uniform, [0,1).
	LabelSmoothing float64 `yaml:"label_smoothing,omitempty"`
}

// PruneConfig says what is pruned and how much.
type PruneConfig struct {
	Granularity string `yaml:"granularity"`
	// Neurons (channel granularity) makes the hidden neurons of linear
	// layers units too: one mask over a CNN's channels and its fc neurons.
	Neurons bool `yaml:"neurons,omitempty"`
	// Inputs (neuron granularity, MLPs) makes the input features units
	// too: the rebuilt network keeps a subset of the pixels (VIBNet-style).
	Inputs         bool    `yaml:"inputs,omitempty"`
	Criterion      string  `yaml:"criterion"`
	TargetSparsity float64 `yaml:"target_sparsity"` // in (0,1)
	// TargetFLOPs, when set, is the budget instead: the share of the dense
	// network's FLOPs the rebuilt network sheds, in (0,1) (neuron and
	// channel granularity).
	TargetFLOPs float64 `yaml:"target_flops,omitempty"`
	K           float64 `yaml:"k"`      // k in theta = mu - k*sigma, or the least fan-in / fan-out a unit keeps
	Q           float64 `yaml:"q"`      // Han et al.'s threshold theta = q*sigma (0: unused), >=0
	Rounds      int     `yaml:"rounds"` // prune-retrain rounds, >=1
	// LayerSparsity, when set, gives every prunable layer its own final
	// sparsity, in the network's order, instead of sharing target_sparsity
	// proportionally (strategies that take a fixed allocation).
	LayerSparsity []float64 `yaml:"layer_sparsity"`
}

// SearchConfig configures the mask search.
type SearchConfig struct {
	Algorithm     string  `yaml:"algorithm"`      // a registered strategy (README: Strategies)
	Population    int     `yaml:"population"`     // >=2
	Generations   int     `yaml:"generations"`    // >=1
	CrossoverRate float64 `yaml:"crossover_rate"` // [0,1]
	MutationRate  float64 `yaml:"mutation_rate"`  // [0,1]
	Elitism       int     `yaml:"elitism"`        // >=0 and < population
	// Genome is what a genetic or random search varies: masks (the
	// default: every unit or weight on its own) or layers (one keep count
	// per layer, per tied group of channels, prune.criterion deciding inside
	// each layer: the per-layer allocation EagleEye and ABCPruner search;
	// with weight granularity the same as granularity layer).
	Genome  string        `yaml:"genome,omitempty"`
	Fitness FitnessConfig `yaml:"fitness"`
}

// FitnessConfig defines the search objective.
type FitnessConfig struct {
	// Objective: accuracy at the budget, accuracy − lambda·density, or the
	// pareto front of accuracy against FLOPs (unit granularities; else the
	// share of weights kept), written to pareto.json; the run rebuilds its
	// knee, or the cheapest point within max_error.
	Objective string  `yaml:"objective"`
	Lambda    float64 `yaml:"lambda"` // weighted: default 0.5, >=0
	// MaxError > 0 (pareto only) rebuilds the cheapest front point whose
	// validation error is at most this (0.016: 1.6 %): the smallest network
	// at a given error; 0 rebuilds the knee.
	MaxError float64 `yaml:"max_error,omitempty"`
	// ProbeEpochs > 0 (with max_error) chooses on the error after
	// fine-tuning instead: the cheapest front point whose validation error
	// after this many fine-tuning epochs is at most max_error, found by
	// bisection over the front by cost (each probe a short fine-tune; the
	// search's own choice, within max_error already, is probed only if it
	// is to be chosen), each probe read through a fit over all probes that
	// does not fall with the cost (a noisy dip pools with its neighbours).
	// Probes as long as reconstruct.epochs are kept: the chosen one is the
	// final network.
	ProbeEpochs int `yaml:"probe_epochs,omitempty"`
	// Cost is what a pareto search minimises beside the error, for neuron
	// and channel masks: flops (default), params, units (kept neurons,
	// channels and input features, as the structured-compression papers
	// count them), or latency: milliseconds per batch of latency_batch on
	// the run's device, from a per-layer table measured at the start of the
	// run (cached under <out>/.cache/latency).
	Cost         string `yaml:"cost,omitempty"`
	LatencyBatch int    `yaml:"latency_batch,omitempty"` // cost latency: batch timed (default 1)
	EvalSamples  int    `yaml:"eval_samples"`            // 0 = the whole validation split, >=0
	// LowSamples > 0 turns on the fidelity schedule (population searches): every
	// mask is first scored on this many validation samples, and only the
	// best Promote share of each population on all eval_samples.
	LowSamples int     `yaml:"low_samples"`
	Promote    float64 `yaml:"promote"` // (0,1]
	// AdaptBN > 0 re-estimates batch-norm statistics on this many training
	// batches (of train.batch_size) before every evaluation (adaptive BN,
	// as EagleEye). Default: 8 for networks with batch norm, else 0.
	AdaptBN int `yaml:"adapt_bn"`
}

// ReconstructConfig controls how the pruned network is repaired.
type ReconstructConfig struct {
	Method string `yaml:"method"`
	Init   string `yaml:"init"`
	// RewindIteration k > 0 rewinds to the dense weights after k training
	// steps instead of the initialisation ("late rewinding"); init: rewind only.
	RewindIteration int     `yaml:"rewind_iteration"`
	Epochs          int     `yaml:"epochs"`     // >=0
	LR              float64 `yaml:"lr"`         // >0
	BatchSize       int     `yaml:"batch_size"` // resolved to train.batch_size when 0 or absent
	Schedule        string  `yaml:"schedule"`
	// Distill mixes knowledge distillation from the dense network into
	// fine-tuning: loss = (1−distill)·CE + distill·T²·KL (default 0: off).
	Distill     float64 `yaml:"distill"`
	Temperature float64 `yaml:"temperature"` // distillation temperature T
	// Front > 0 (pareto only) also rebuilds, reconstructs and tests this
	// many front points costlier than the run's chosen one, spread evenly
	// in cost up to the most accurate, written to front/ and front.json.
	Front int `yaml:"front,omitempty"`
}

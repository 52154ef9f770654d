package config

import (
	"fmt"
	"slices"
	"strings"
)

// experiment runs every check: single values first, then combinations.
func (c *checker) experiment(e *Experiment) {
	switch {
	case e.Name == "":
		c.fail("name", "must not be empty")
	case !nameRE.MatchString(e.Name):
		c.fail("name", "must start with a letter or digit and use only letters, digits and . _ + -; got %q", e.Name)
	}
	c.oneOf("device", e.Device)
	c.atLeast("threads", e.Threads, 1)
	c.atLeast("eval_batch", e.EvalBatch, 0)
	c.data(&e.Data)
	c.model(&e.Model)
	c.train(&e.Train)
	c.prune(&e.Prune)
	c.search(&e.Search)
	c.reconstruct(&e.Reconstruct)
	if !c.partial {
		c.combinations(e)
	}
}

func (c *checker) data(d *DataConfig) {
	c.oneOf("data.dataset", d.Dataset)
	c.atLeast("data.validation", d.Validation, 1)
	c.atLeast("data.train_limit", d.TrainLimit, 0)
	c.atLeast("data.test_limit", d.TestLimit, 0)
	c.atLeast("data.pad", d.Pad, 0)
	c.atLeast("data.augment.crop", d.Augment.Crop, 0)
	if d.Dataset == "synthetic" {
		c.atLeast("data.samples", d.Samples, 2)
		c.atLeast("data.classes", d.Classes, 2)
		if len(d.Shape) != 3 {
			c.fail("data.shape", "must be [channels, height, width]")
		}
		for i, v := range d.Shape {
			c.atLeast(fmt.Sprintf("data.shape[%d]", i), v, 1)
		}
	} else {
		c.atLeast("data.samples", d.Samples, 0)
		if len(d.Shape) > 0 || d.Classes != 0 {
			c.fail("data.shape", "data.shape and data.classes are for the synthetic dataset only")
		}
	}
}

func (c *checker) model(m *ModelConfig) {
	c.oneOf("model.arch", m.Arch)
	c.oneOf("model.init", m.Init)
	for i, w := range m.Widths {
		c.atLeast(fmt.Sprintf("model.widths[%d]", i), w, 1)
	}
}

func (c *checker) train(t *TrainConfig) {
	c.atLeast("train.epochs", t.Epochs, 0)
	c.atLeast("train.batch_size", t.BatchSize, 1)
	c.oneOf("train.optimizer", t.Optimizer)
	c.positive("train.lr", t.LR)
	c.within("train.momentum", t.Momentum, 0, 1, true, false)
	c.nonNegative("train.weight_decay", t.WeightDecay)
	c.oneOf("train.schedule", t.Schedule)
	c.atLeast("train.step_epochs", t.StepEpochs, 1)
	c.within("train.gamma", t.Gamma, 0, 1, false, true)
	for i, m := range t.Milestones {
		path := fmt.Sprintf("train.milestones[%d]", i)
		c.atLeast(path, m, 1)
		if i > 0 && m <= t.Milestones[i-1] {
			c.fail(path, "milestones must increase; got %d after %d", m, t.Milestones[i-1])
		}
	}
	c.atLeast("train.warmup_epochs", t.WarmupEpochs, 0)
	c.within("train.label_smoothing", t.LabelSmoothing, 0, 1, true, false)
}

func (c *checker) prune(p *PruneConfig) {
	c.oneOf("prune.granularity", p.Granularity)
	c.oneOf("prune.criterion", p.Criterion)
	c.within("prune.target_sparsity", p.TargetSparsity, 0, 1, false, false)
	if p.TargetFLOPs != 0 {
		c.within("prune.target_flops", p.TargetFLOPs, 0, 1, false, false)
	}
	c.finite("prune.k", p.K)
	c.nonNegative("prune.q", p.Q)
	c.atLeast("prune.rounds", p.Rounds, 1)
	for i, v := range p.LayerSparsity {
		c.within(fmt.Sprintf("prune.layer_sparsity[%d]", i), v, 0, 1, true, false)
	}
}

func (c *checker) search(s *SearchConfig) {
	c.oneOf("search.algorithm", s.Algorithm)
	c.atLeast("search.population", s.Population, 2)
	c.atLeast("search.generations", s.Generations, 1)
	c.within("search.crossover_rate", s.CrossoverRate, 0, 1, true, true)
	c.within("search.mutation_rate", s.MutationRate, 0, 1, true, true)
	c.atLeast("search.elitism", s.Elitism, 0)
	if s.Genome != "" {
		c.oneOf("search.genome", s.Genome)
	}
	c.oneOf("search.fitness.objective", s.Fitness.Objective)
	c.nonNegative("search.fitness.lambda", s.Fitness.Lambda)
	c.within("search.fitness.max_error", s.Fitness.MaxError, 0, 1, true, false)
	c.atLeast("search.fitness.probe_epochs", s.Fitness.ProbeEpochs, 0)
	if s.Fitness.ProbeEpochs > 0 && s.Fitness.MaxError == 0 {
		c.failBecause("search.fitness.probe_epochs", "search.fitness.max_error", "probes front points against max_error: set max_error too")
	}
	if s.Fitness.Cost != "" {
		c.oneOf("search.fitness.cost", s.Fitness.Cost)
	}
	c.atLeast("search.fitness.latency_batch", s.Fitness.LatencyBatch, 0)
	c.atLeast("search.fitness.eval_samples", s.Fitness.EvalSamples, 0)
	c.atLeast("search.fitness.low_samples", s.Fitness.LowSamples, 0)
	c.within("search.fitness.promote", s.Fitness.Promote, 0, 1, false, true)
	c.atLeast("search.fitness.adapt_bn", s.Fitness.AdaptBN, 0)
}

func (c *checker) reconstruct(r *ReconstructConfig) {
	c.oneOf("reconstruct.method", r.Method)
	c.oneOf("reconstruct.init", r.Init)
	c.atLeast("reconstruct.epochs", r.Epochs, 0)
	c.atLeast("reconstruct.front", r.Front, 0)
	c.atLeast("reconstruct.rewind_iteration", r.RewindIteration, 0)
	if r.RewindIteration > 0 && r.Init != "rewind" {
		c.failBecause("reconstruct.rewind_iteration", "reconstruct.init", "applies to init rewind, not %s", r.Init)
	}
	c.positive("reconstruct.lr", r.LR)
	c.atLeast("reconstruct.batch_size", r.BatchSize, 0) // 0 = train.batch_size
	c.oneOf("reconstruct.schedule", r.Schedule)
	if r.Schedule == "multistep" {
		c.fail("reconstruct.schedule", "multistep is for dense training (train.milestones); fine-tuning takes constant, step or cosine")
	}
	c.within("reconstruct.distill", r.Distill, 0, 1, true, true)
	c.positive("reconstruct.temperature", r.Temperature)
}

// combinations checks values that depend on each other.
func (c *checker) combinations(e *Experiment) {
	m := &e.Model
	switch {
	case m.Arch == "mlp" && len(m.Widths) == 0:
		c.failBecause("model.widths", "model.arch", "required for model.arch mlp (a non-empty list of hidden widths)")
	case m.Arch != "mlp" && len(m.Widths) > 0:
		c.fail("model.widths", "only allowed with model.arch mlp (model.arch is %s)", m.Arch)
	case m.Arch == "custom" && len(m.Layers) == 0:
		c.failBecause("model.layers", "model.arch", "required for model.arch custom (a list of layers; see docs/config.md)")
	case m.Arch != "custom" && len(m.Layers) > 0:
		c.fail("model.layers", "only allowed with model.arch custom or without model.arch (model.arch is %s)", m.Arch)
	case len(m.Layers) > 0 && layerCheck != nil:
		if path, msg := layerCheck(e); msg != "" {
			c.fail(path, "%s", msg)
		}
	}
	if t := &e.Train; t.Schedule == "multistep" && len(t.Milestones) == 0 {
		c.failBecause("train.milestones", "train.schedule", "required for the multistep schedule (epochs at which the learning rate is multiplied by train.gamma)")
	}
	if e.Prune.Neurons && e.Prune.Granularity != "channel" {
		c.failBecause("prune.neurons", "prune.granularity", "adds a CNN's fc neurons to its channels: only with granularity channel (neuron granularity prunes every hidden neuron already)")
	}
	if e.Prune.Inputs && (e.Prune.Granularity != "neuron" || m.Arch != "lenet300-100" && m.Arch != "mlp" && (m.Arch != "custom" || hasLayer(m.Layers, "conv"))) {
		c.failBecause("prune.inputs", "prune.granularity", "prunes the input features of an MLP: only with granularity neuron and a model without convolutions")
	}
	if e.Prune.Granularity == "channel" && (m.Arch == "lenet300-100" || m.Arch == "mlp" || (m.Arch == "custom" && !hasLayer(m.Layers, "conv"))) {
		c.fail("prune.granularity", "channel granularity needs a convolutional model")
	}
	s := &e.Search
	strategy, known := LookupStrategy(s.Algorithm)
	switch g := e.Prune.Granularity; {
	case known && g == "layer" && !slices.Contains(strategy.Granularities, g):
		c.failBecause("search.algorithm", "prune.granularity",
			"layer granularity searches per-layer keep ratios: it needs search.algorithm %s, not %s (for one fixed rule use prune.granularity weight)",
			Either(StrategyNames(func(o StrategyRules) bool { return slices.Contains(o.Granularities, g) }), false), s.Algorithm)
	case known && slices.Contains(Granularities, g) && !slices.Contains(strategy.Granularities, g):
		c.failBecause("search.algorithm", "prune.granularity", "%s: it needs prune.granularity %s, not %s",
			s.Algorithm, Either(strategy.Granularities, false), g)
	case strings.HasPrefix(e.Reconstruct.Method, "refit") && g != "neuron" && g != "channel":
		c.failBecause("reconstruct.method", "prune.granularity", "least-squares refit needs prune.granularity neuron or channel, not %s", g)
	}
	if s.Genome == GenomeLayers {
		switch {
		case known && !slices.Contains(strategy.Granularities, "layer"):
			c.failBecause("search.genome", "search.algorithm", "per-layer allocations are searched by %s, not %s",
				Either(StrategyNames(func(o StrategyRules) bool { return slices.Contains(o.Granularities, "layer") }), false), s.Algorithm)
		case s.Fitness.Objective == "pareto":
			c.failBecause("search.genome", "search.fitness.objective", "pareto searches masks, not per-layer allocations")
		}
	}
	if tf := e.Prune.TargetFLOPs; tf != 0 {
		switch g := e.Prune.Granularity; {
		case g != "neuron" && g != "channel":
			c.failBecause("prune.target_flops", "prune.granularity", "a FLOPs budget needs prune.granularity neuron or channel (units a rebuild removes), not %s", g)
		case known && !strategy.TargetFLOPs:
			c.failBecause("prune.target_flops", "search.algorithm", "FLOPs budgets apply to %s, not %s",
				Either(StrategyNames(func(o StrategyRules) bool { return o.TargetFLOPs }), true), s.Algorithm)
		case len(e.Prune.LayerSparsity) > 0:
			c.fail("prune.target_flops", "set prune.target_flops or prune.layer_sparsity, not both")
		}
	}
	if s.Fitness.Objective == "pareto" {
		switch {
		case known && !strategy.Pareto:
			c.failBecause("search.fitness.objective", "search.algorithm", "the pareto front is searched by %s, not %s",
				Either(StrategyNames(func(o StrategyRules) bool { return o.Pareto }), false), s.Algorithm)
		case e.Prune.Granularity == "layer":
			c.failBecause("search.fitness.objective", "prune.granularity", "pareto searches masks, not per-layer allocations: use weight, neuron or channel granularity")
		case e.Prune.TargetFLOPs != 0 || len(e.Prune.LayerSparsity) > 0:
			c.fail("search.fitness.objective", "pareto searches every budget: drop prune.target_flops and prune.layer_sparsity")
		}
		if s.Fitness.Cost != "" && s.Fitness.Cost != "flops" && e.Prune.Granularity == "weight" {
			c.failBecause("search.fitness.cost", "prune.granularity", "weight masks are measured by the share of weights kept: %s costs need neuron or channel granularity", s.Fitness.Cost)
		}
	} else {
		if s.Fitness.MaxError != 0 {
			c.failBecause("search.fitness.max_error", "search.fitness.objective", "chooses a point of the pareto front: only with objective pareto")
		}
		if s.Fitness.Cost != "" {
			c.failBecause("search.fitness.cost", "search.fitness.objective", "is what the pareto front trades against accuracy: only with objective pareto (budgets: prune.target_sparsity or prune.target_flops)")
		}
	}
	if e.Reconstruct.Front != 0 && s.Fitness.Objective != "pareto" {
		c.failBecause("reconstruct.front", "search.fitness.objective", "picks points of the pareto front: only with objective pareto")
	}
	if s.Fitness.LatencyBatch != 0 && s.Fitness.Cost != "latency" {
		c.failBecause("search.fitness.latency_batch", "search.fitness.cost", "is the batch a latency cost is timed at: only with cost latency")
	}
	if len(e.Prune.LayerSparsity) > 0 && known && !strategy.LayerSparsity {
		c.failBecause("prune.layer_sparsity", "search.algorithm", "per-layer sparsities fix the allocation: they apply to %s, not %s",
			Either(StrategyNames(func(o StrategyRules) bool { return o.LayerSparsity }), true), s.Algorithm)
	}
	if s.Population >= 2 && s.Elitism >= s.Population {
		c.failBecause("search.elitism", "search.population", "must be < search.population (%d)", s.Population)
	}
	d := &e.Data
	if d.Dataset == "synthetic" && d.Samples >= 2 && d.Validation >= d.Samples {
		c.failBecause("data.validation", "data.samples", "must be < data.samples (%d)", d.Samples)
	}
	if n, ok := trainSetSize[d.Dataset]; ok && d.Validation >= n {
		c.failBecause("data.validation", "data.dataset", "must be < %d (the %s training set size)", n, d.Dataset)
	}
	if low := s.Fitness.LowSamples; low > 0 {
		full := s.Fitness.EvalSamples
		if full == 0 {
			full = d.Validation
		}
		switch {
		case known && !strategy.Screens:
			c.failBecause("search.fitness.low_samples", "search.algorithm", "the fidelity schedule screens populations: it applies to %s, not %s",
				Either(StrategyNames(func(o StrategyRules) bool { return o.Screens }), true), s.Algorithm)
		case full >= 1 && low >= full:
			c.fail("search.fitness.low_samples", "must be below the samples of a full evaluation (%d)", full)
		}
	}
	if d.Validation >= 1 && s.Fitness.EvalSamples > d.Validation {
		c.failBecause("search.fitness.eval_samples", "data.validation", "must be <= data.validation (%d)", d.Validation)
	}
}

package config

// Default returns an experiment with every default filled in (MNIST,
// LeNet-300-100, neuron pruning by the default strategy, the GA).
func Default() *Experiment {
	e := &Experiment{Name: "experiment"}
	fillDefaults(e, func(string) bool { return false })
	return e
}

// fillDefaults sets every key that has not explicitly been set (has
// reports whether a key path was given).
func fillDefaults(e *Experiment, has func(path string) bool) {
	str := func(path string, p *string, v string) {
		if !has(path) {
			*p = v
		}
	}
	num := func(path string, p *int, v int) {
		if !has(path) {
			*p = v
		}
	}
	flt := func(path string, p *float64, v float64) {
		if !has(path) {
			*p = v
		}
	}
	str("device", &e.Device, "auto")
	num("threads", &e.Threads, 2)

	d := &e.Data
	str("data.dataset", &d.Dataset, "mnist")
	if d.Dataset == "synthetic" {
		num("data.validation", &d.Validation, 500)
		num("data.samples", &d.Samples, 2000)
		num("data.classes", &d.Classes, 4)
		if len(d.Shape) == 0 {
			d.Shape = []int{1, 8, 8}
		}
	} else {
		num("data.validation", &d.Validation, 5000)
	}

	if len(e.Model.Layers) > 0 {
		str("model.arch", &e.Model.Arch, "custom")
	} else {
		str("model.arch", &e.Model.Arch, "lenet300-100")
	}
	str("model.init", &e.Model.Init, "default")
	if len(e.Model.Widths) == 0 {
		e.Model.Widths = nil
	}

	t := &e.Train
	num("train.epochs", &t.Epochs, 20)
	num("train.batch_size", &t.BatchSize, 60)
	str("train.optimizer", &t.Optimizer, "adam")
	flt("train.lr", &t.LR, 1.2e-3)
	flt("train.momentum", &t.Momentum, 0.9)
	str("train.schedule", &t.Schedule, "cosine")
	num("train.step_epochs", &t.StepEpochs, 10)
	flt("train.gamma", &t.Gamma, 0.1)

	p := &e.Prune
	str("prune.granularity", &p.Granularity, "neuron")
	str("prune.criterion", &p.Criterion, "magnitude")
	flt("prune.target_sparsity", &p.TargetSparsity, 0.5)
	num("prune.rounds", &p.Rounds, 5)

	s := &e.Search
	str("search.algorithm", &s.Algorithm, defaultStrategy())
	num("search.population", &s.Population, 32)
	num("search.generations", &s.Generations, 40)
	flt("search.crossover_rate", &s.CrossoverRate, 0.7)
	flt("search.mutation_rate", &s.MutationRate, 0.02)
	num("search.elitism", &s.Elitism, 2)
	str("search.fitness.objective", &s.Fitness.Objective, "accuracy_at_sparsity")
	flt("search.fitness.lambda", &s.Fitness.Lambda, 0.5)
	flt("search.fitness.promote", &s.Fitness.Promote, 0.25)
	// A pruned network with its dense network's batch-norm statistics
	// scores near chance: searches rank noise without adaptive BN
	// (docs/results.md, "Fidelity schedule and adaptive BN").
	if e.Model.HasBatchNorm() {
		num("search.fitness.adapt_bn", &s.Fitness.AdaptBN, 8)
	}

	r := &e.Reconstruct
	str("reconstruct.method", &r.Method, "finetune")
	str("reconstruct.init", &r.Init, "keep")
	num("reconstruct.epochs", &r.Epochs, 10)
	flt("reconstruct.lr", &r.LR, 1.2e-4)
	str("reconstruct.schedule", &r.Schedule, "cosine")
	flt("reconstruct.temperature", &r.Temperature, 4)
	if r.BatchSize == 0 {
		r.BatchSize = t.BatchSize
	}
}

package experiments

import (
	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
)

// The experiment's settings as the packages below take them.

// DataConfig is what the data package needs of the experiment.
func DataConfig(e *config.Experiment) data.Config {
	d := e.Data
	c := data.Config{Dataset: d.Dataset, Dir: d.Dir, Validation: d.Validation, Seed: e.Seed,
		TrainLimit: d.TrainLimit, TestLimit: d.TestLimit, Pad: d.Pad, SyntheticSamples: d.Samples, SyntheticClasses: d.Classes}
	if len(d.Shape) == 3 {
		c.SyntheticShape = [3]int{d.Shape[0], d.Shape[1], d.Shape[2]}
	}
	return c
}

// denseOptions are the dense network's training settings; stop (may be
// nil) is asked before every step whether to stop.
func denseOptions(e *config.Experiment, stop func() error) model.TrainOptions {
	tr := e.Train
	return model.TrainOptions{Epochs: tr.Epochs, BatchSize: tr.BatchSize, Optimizer: tr.Optimizer, LR: tr.LR,
		Momentum: tr.Momentum, Nesterov: tr.Nesterov, WeightDecay: tr.WeightDecay, NoDecayBNBias: tr.NoDecayBNBias,
		Schedule: tr.Schedule, StepEpochs: tr.StepEpochs, Milestones: tr.Milestones, Gamma: tr.Gamma,
		WarmupEpochs: tr.WarmupEpochs, LabelSmoothing: tr.LabelSmoothing, Augment: augment(e), Seed: e.Seed, Stop: stop}
}

// retrainOptions are the reconstruct.* settings strategies retrain with.
func retrainOptions(e *config.Experiment, seed int64, teacher *model.Net, stop func() error) model.TrainOptions {
	r := e.Reconstruct
	batch := r.BatchSize
	if batch == 0 {
		batch = e.Train.BatchSize
	}
	return model.TrainOptions{Epochs: r.Epochs, BatchSize: batch, Optimizer: e.Train.Optimizer, LR: r.LR,
		Momentum: e.Train.Momentum, Nesterov: e.Train.Nesterov, WeightDecay: e.Train.WeightDecay,
		NoDecayBNBias: e.Train.NoDecayBNBias, Schedule: r.Schedule, StepEpochs: e.Train.StepEpochs, Gamma: e.Train.Gamma,
		LabelSmoothing: e.Train.LabelSmoothing, Augment: augment(e), Seed: seed,
		Teacher: teacher, Distill: r.Distill, Temperature: r.Temperature, Stop: stop}
}

func augment(e *config.Experiment) model.Augment {
	return model.Augment{Crop: e.Data.Augment.Crop, Flip: e.Data.Augment.Flip}
}

func init() { config.RegisterLayerCheck(checkLayers) }

// checkLayers builds the network of model.layers for the data's shape, so
// that validation places its problems at their layer in the file.
func checkLayers(e *config.Experiment) (path, msg string) {
	shape, classes, err := data.Shape(DataConfig(e))
	if err != nil {
		return "", "" // the data's own check reports it
	}
	_, err = archFor(e, shape, classes)
	if le, ok := err.(*model.LayerError); ok {
		return "model.layers" + le.Path, le.Msg
	}
	return "", ""
}

// modelLayers converts model.layers to the network's layers.
func modelLayers(ls []config.LayerConfig) []model.Layer {
	if len(ls) == 0 {
		return nil
	}
	out := make([]model.Layer, len(ls))
	for i, l := range ls {
		out[i] = model.Layer{Kind: l.Kind, Out: int64(l.Out), Kernel: int64(l.Kernel), Stride: int64(l.Stride),
			Pad: int64(l.Pad), Bias: l.Bias, Body: modelLayers(l.Body), Short: modelLayers(l.Shortcut)}
	}
	return out
}

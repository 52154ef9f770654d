package experiments

import (
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/model"
)

// config decides adapt_bn's default by config.HasBatchNorm without building
// models; it must agree with the models.
func TestHasBatchNormMatchesTheModels(t *testing.T) {
	for _, arch := range config.Archs {
		if arch == "custom" { // decided by its layers (config's TestLayersDecode)
			continue
		}
		a, err := model.Build(model.Spec{Arch: arch, Widths: []int64{8}, Input: [3]int64{3, 32, 32}, Classes: 10})
		if err != nil {
			t.Fatal(err)
		}
		has := false
		model.Walk(a, func(_ string, l model.Layer, _, _ model.Shape) { has = has || l.Kind == model.KBN })
		if has != config.HasBatchNorm(arch) {
			t.Errorf("%s: has batch norm %v, config.HasBatchNorm says %v", arch, has, config.HasBatchNorm(arch))
		}
	}
}

// The new training keys reach the training options.
func TestTrainingRecipeReachesTheOptions(t *testing.T) {
	e, err := config.Parse("x.yaml", []byte(`name: x
model: {arch: resnet20}
data: {dataset: fashion-mnist, pad: 2, augment: {crop: 4, flip: true}}
train: {optimizer: sgd, nesterov: true, weight_decay: 5e-4, no_decay_bn_bias: true, schedule: multistep,
        milestones: [2, 4], warmup_epochs: 1, label_smoothing: 0.1}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := denseOptions(e, nil)
	if !o.Nesterov || !o.NoDecayBNBias || o.Schedule != "multistep" || len(o.Milestones) != 2 || o.WarmupEpochs != 1 ||
		o.LabelSmoothing != 0.1 || o.Augment != (model.Augment{Crop: 4, Flip: true}) {
		t.Errorf("dense options %+v", o)
	}
	r := retrainOptions(e, 1, nil, nil)
	if !r.Nesterov || !r.NoDecayBNBias || r.LabelSmoothing != 0.1 || r.Augment != (model.Augment{Crop: 4, Flip: true}) || r.WarmupEpochs != 0 {
		t.Errorf("fine-tuning options %+v", r)
	}
	if c := DataConfig(e); c.Pad != 2 {
		t.Errorf("loader padding %d", c.Pad)
	}
	if e.Search.Fitness.AdaptBN != 8 {
		t.Errorf("adapt_bn %d, want 8 (default for batch-norm networks)", e.Search.Fitness.AdaptBN)
	}
}

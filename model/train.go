package model

import (
	"fmt"
	"math"
	"math/rand"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// TrainOptions configure Train.
type TrainOptions struct {
	Epochs      int
	BatchSize   int
	Optimizer   string // adam | sgd
	LR          float64
	Momentum    float64 // sgd
	Nesterov    bool    // sgd
	WeightDecay float64
	// NoDecayBNBias exempts batch-norm parameters and biases from the
	// weight decay (it then applies to conv and linear weights only).
	NoDecayBNBias bool
	Schedule      string // constant | step | multistep | cosine (per epoch)
	StepEpochs    int
	Milestones    []int // multistep: the epochs (0-based) at which LR is multiplied by Gamma
	Gamma         float64
	// WarmupEpochs > 0 raises the learning rate linearly, step by step,
	// from 0 to the schedule's value over the first epochs.
	WarmupEpochs int
	// LabelSmoothing ε mixes the one-hot targets with the uniform
	// distribution: (1−ε)·CE + ε·mean over classes of −log p.
	LabelSmoothing float64
	Augment        Augment
	Seed           int64 // shuffling (and augmentation)
	// MaxSteps > 0 stops training after that many optimiser steps (the
	// weights a longer run with the same options had at that iteration).
	MaxSteps int
	// Teacher, if set, adds knowledge distillation: the loss becomes
	// (1−Distill)·CE + Distill·T²·KL(softmax(teacher/T) ‖ softmax(student/T)).
	Teacher     *Net
	Distill     float64
	Temperature float64
	// Epoch, if set, is called after every epoch with its mean training loss.
	Epoch func(epoch int, loss float64, d time.Duration) error
	// Stop, if set, is asked before every step; an error stops training
	// there and is returned (an interrupted run).
	Stop func() error
}

// DivergedError is a training loss that became NaN or infinite. Training
// stops at that step, before the optimiser applies it.
type DivergedError struct {
	Epoch, Step int // 1-based
	Loss        float64
	LR          float64
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("epoch %d, step %d: loss is %v at learning rate %g: training diverged (try a lower learning rate)",
		e.Epoch, e.Step, e.Loss, e.LR)
}

// LRAt is the learning rate of an epoch (0-based) under the schedule.
func (o TrainOptions) LRAt(epoch int) float64 {
	switch o.Schedule {
	case "step":
		if o.StepEpochs > 0 {
			return o.LR * math.Pow(o.Gamma, float64(epoch/o.StepEpochs))
		}
	case "multistep":
		k := 0
		for _, m := range o.Milestones {
			if epoch >= m {
				k++
			}
		}
		return o.LR * math.Pow(o.Gamma, float64(k))
	case "cosine":
		if o.Epochs > 0 {
			return o.LR * 0.5 * (1 + math.Cos(math.Pi*float64(epoch)/float64(o.Epochs)))
		}
	}
	return o.LR
}

func newOptimizer(o TrainOptions, params []*ts.Tensor) (*ts.COptimizer, error) {
	var opt *ts.COptimizer
	var err error
	switch o.Optimizer {
	case "adam", "":
		opt, err = ts.Adam(o.LR, 0.9, 0.999, o.optimizerDecay())
	case "sgd":
		opt, err = ts.Sgd(o.LR, o.Momentum, 0, o.optimizerDecay(), o.Nesterov)
	default:
		return nil, fmt.Errorf("unknown optimizer %q (adam | sgd)", o.Optimizer)
	}
	if err != nil {
		return nil, fmt.Errorf("optimizer: %w", err)
	}
	if err := opt.AddParameters(params); err != nil {
		opt.Drop()
		return nil, fmt.Errorf("optimizer: %w", err)
	}
	return opt, nil
}

// optimizerDecay is the weight decay libtorch's optimiser applies to every
// parameter: none when some are exempt (Train adds it to the others'
// gradients, as the optimiser would).
func (o TrainOptions) optimizerDecay() float64 {
	if o.NoDecayBNBias {
		return 0
	}
	return o.WeightDecay
}

// decayed are the parameters weight decay applies to when NoDecayBNBias
// exempts the others: conv and linear weights.
func (n *Net) decayed() []*ts.Tensor {
	var out []*ts.Tensor
	for _, k := range n.PrunableNames() {
		out = append(out, n.T[k])
	}
	return out
}

// addDecay adds wd·p to the gradient of every parameter p (coupled L2, as
// libtorch's optimisers apply weight_decay).
func addDecay(params []*ts.Tensor, wd float64) {
	NoGrad(func() {
		for _, p := range params {
			g := p.MustGrad(false)
			if !g.MustDefined() {
				g.MustDrop()
				continue
			}
			pw := p.MustMulScalar(ts.FloatScalar(wd), false)
			sum := g.MustAdd(pw, false)
			g.Copy_(sum)
			sum.MustDrop()
			pw.MustDrop()
			g.MustDrop()
		}
	})
}

// Train fits n on the training batch with cross-entropy. Weight masks, if
// any, are re-applied after every step so pruned weights stay zero.
func Train(n *Net, train *Batch, o TrainOptions) (err error) {
	if o.BatchSize < 1 {
		return fmt.Errorf("train: batch size %d", o.BatchSize)
	}
	withGrad(true, func() { err = train1(n, train, o) })
	return err
}

func train1(n *Net, train *Batch, o TrainOptions) error {
	opt, err := newOptimizer(o, n.Trainable())
	if err != nil {
		return err
	}
	defer opt.Drop()
	n.Remask()
	rng := rand.New(rand.NewSource(o.Seed))
	// Augmentation draws from its own stream, so the shuffling of a run
	// without it is unchanged.
	aug := rand.New(rand.NewSource(o.Seed + 7919))
	var decayed []*ts.Tensor
	if o.NoDecayBNBias && o.WeightDecay > 0 {
		decayed = n.decayed()
	}
	stepsPerEpoch := (train.N + o.BatchSize - 1) / o.BatchSize
	warmup := o.WarmupEpochs * stepsPerEpoch
	total := 0
	for epoch := 0; epoch < o.Epochs && (o.MaxSteps <= 0 || total < o.MaxSteps); epoch++ {
		start := time.Now()
		if err := opt.SetLearningRate(o.LRAt(epoch)); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		perm := rng.Perm(train.N)
		idx := make([]int64, len(perm))
		for i, p := range perm {
			idx[i] = int64(p)
		}
		order := ts.MustOfSlice(idx)
		if n.Device != gotch.CPU {
			order = order.MustTo(n.Device, true)
		}
		var sum float64
		steps := 0
		for s := 0; s < train.N && (o.MaxSteps <= 0 || total < o.MaxSteps); s += o.BatchSize {
			if o.Stop != nil {
				if err := o.Stop(); err != nil {
					order.MustDrop()
					return err
				}
			}
			if total < warmup {
				if err := opt.SetLearningRate(o.LRAt(epoch) * float64(total+1) / float64(warmup)); err != nil {
					order.MustDrop()
					return fmt.Errorf("train: %w", err)
				}
			} else if warmup > 0 && total == warmup {
				if err := opt.SetLearningRate(o.LRAt(epoch)); err != nil {
					order.MustDrop()
					return fmt.Errorf("train: %w", err)
				}
			}
			b := min(o.BatchSize, train.N-s)
			bi := order.MustNarrow(0, int64(s), int64(b), false)
			x := train.X.MustIndexSelect(0, bi, false)
			if o.Augment.On() && x.Dim() == 4 {
				ax := o.Augment.apply(x, train.Black, aug)
				x.MustDrop()
				x = ax
			}
			y := train.Y.MustIndexSelect(0, bi, false)
			bi.MustDrop()
			logits := n.Forward(x, true)
			loss := o.loss(logits, x, y)
			x.MustDrop()
			y.MustDrop()
			v := loss.MustFloat64Value([]int64{})
			if math.IsNaN(v) || math.IsInf(v, 0) {
				loss.MustDrop()
				order.MustDrop()
				return &DivergedError{Epoch: epoch + 1, Step: steps + 1, Loss: v, LR: o.LRAt(epoch)}
			}
			opt.ZeroGrad()
			loss.MustBackward()
			loss.MustDrop()
			if decayed != nil {
				addDecay(decayed, o.WeightDecay)
			}
			if err := opt.Step(); err != nil {
				order.MustDrop()
				return fmt.Errorf("train: %w", err)
			}
			n.Remask()
			sum += v
			steps++
			total++
		}
		order.MustDrop()
		if o.Epoch != nil {
			if err := o.Epoch(epoch, sum/float64(max(steps, 1)), time.Since(start)); err != nil {
				return err
			}
		}
	}
	return nil
}

// loss is the batch's mean cross-entropy, mixed with the distillation term
// when a teacher is set. It drops logits.
func (o TrainOptions) loss(logits, x, y *ts.Tensor) *ts.Tensor {
	if o.Teacher == nil || o.Distill <= 0 {
		return o.crossEntropy(logits, y, true)
	}
	t := o.Temperature
	if t <= 0 {
		t = 4
	}
	var soft *ts.Tensor // teacher's softened probabilities, without gradient
	withGrad(false, func() {
		tl := o.Teacher.Forward(x, false)
		soft = tl.MustDivScalar(ts.FloatScalar(t), true).MustSoftmax(1, gotch.Float, true)
	})
	ce := o.crossEntropy(logits, y, false)
	logS := logits.MustDivScalar(ts.FloatScalar(t), true).MustLogSoftmax(1, gotch.Float, true)
	logT := soft.MustLog(false)
	// KL(p_t ‖ p_s) summed over classes, mean over the batch.
	kl := logT.MustSub(logS, true).MustMul(soft, true).MustSum(gotch.Float, true).
		MustMulScalar(ts.FloatScalar(t*t/float64(y.MustSize()[0])), true)
	logS.MustDrop()
	soft.MustDrop()
	a := ce.MustMulScalar(ts.FloatScalar(1-o.Distill), true)
	b := kl.MustMulScalar(ts.FloatScalar(o.Distill), true)
	out := a.MustAdd(b, true)
	b.MustDrop()
	return out
}

// crossEntropy is the batch's mean cross-entropy, with label smoothing when
// set; del drops logits.
func (o TrainOptions) crossEntropy(logits, y *ts.Tensor, del bool) *ts.Tensor {
	logp := logits.MustLogSoftmax(1, gotch.Float, del)
	if o.LabelSmoothing <= 0 {
		return logp.MustNllLoss(y, noBias, 1, -100, true)
	}
	nll := logp.MustNllLoss(y, noBias, 1, -100, false)
	// mean over samples and classes of −log p
	uniform := logp.MustMean(gotch.Float, true).MustMulScalar(ts.FloatScalar(-o.LabelSmoothing), true)
	a := nll.MustMulScalar(ts.FloatScalar(1-o.LabelSmoothing), true)
	out := a.MustAdd(uniform, true)
	uniform.MustDrop()
	return out
}

// Remask zeroes pruned weights again (no-op without weight masks). gotch's
// in-place methods (MustMul_ and the like) leak the tensor handle they
// replace, and with it the storage: Copy_ is used instead.
func (n *Net) Remask() {
	if len(n.WeightMasks) == 0 {
		return
	}
	NoGrad(func() {
		for _, k := range sortedKeys(n.WeightMasks) {
			w := n.T[k].MustMul(n.WeightMasks[k], false)
			n.T[k].Copy_(w)
			w.MustDrop()
		}
	})
}

// Accuracy is the fraction of b that n classifies correctly.
func Accuracy(n *Net, b *Batch) float64 {
	preds, _ := Predict(n, b)
	y := Host(b.Y)
	correct := 0
	for i, p := range preds {
		if float32(p) == y[i] {
			correct++
		}
	}
	return float64(correct) / float64(max(len(preds), 1))
}

// Predict returns the predicted class and the summed cross-entropy of every
// row of b, in eval mode, without gradients, in inference chunks.
func Predict(n *Net, b *Batch) ([]int32, float64) {
	preds := make([]int32, 0, b.N)
	var loss float64
	n.InferRange(0, len(n.Arch.Layers), b.X, func(logits *ts.Tensor, start int) {
		y := b.Y.MustNarrow(0, int64(start), logits.MustSize()[0], false)
		l := logits.MustLogSoftmax(1, gotch.Float, false).MustNllLoss(y, noBias, 2, -100, true)
		y.MustDrop()
		loss += l.MustFloat64Value([]int64{})
		l.MustDrop()
		am := logits.MustArgmax([]int64{1}, false, false)
		for _, p := range am.Int64Values(true) {
			preds = append(preds, int32(p))
		}
	})
	return preds, loss
}

package strategy

import (
	"fmt"
	"math"
	"time"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: iterativeMagnitude, StrategyRules: config.StrategyRules{
		Name: "iterative-magnitude",
		Summary: "`prune.rounds` rounds of per-layer magnitude pruning + retraining (Han 2015), the same fraction of each layer per round; " +
			"final per-layer counts from `prune.layer_sparsity`, or `prune.q`·σ, or the target; `reconstruct.init: rewind` is the " +
			"Lottery-Ticket procedure, `reinit` its control; `rounds.json` records every round",
		Granularities: []string{"weight", "neuron", "channel"},
		LayerSparsity: true,
		Options:       []string{"prune.rounds", "prune.q"},
	}})
}

// iterativeMagnitude is iterative magnitude pruning (Han et al. 2015) and,
// with reconstruct.init: rewind, the Lottery Ticket procedure (Frankle &
// Carbin 2019). It works on a copy of the trained dense network, in
// prune.rounds rounds. Round r (1..R):
//
//  1. scores the surviving slots on the current weights — |w| for weights;
//     for units prune.criterion via fitness.SpaceWith (magnitude: the L1 norm
//     of the current producer rows);
//  2. keeps, in every layer, the best round(size·f^(r/R)) of its surviving
//     slots, f the layer's final kept fraction, i.e. removes the same
//     fraction 1 − f^(1/R) of them every round (LTH: 20 % per round is
//     f = 0.8^R). The last round keeps exactly the layer's final count:
//     prune.layer_sparsity if set; else, with prune.q > 0, the dense layer's
//     weights above q·σ (Han et al.'s per-layer threshold); else the layer's
//     proportional share of Space.Keep;
//  3. with rewind, resets every parameter to the dense network's initial
//     values (or, with reconstruct.rewind_iteration k, to its weights after
//     k training steps: initialWeights); with reinit, to a fresh
//     initialisation (another seed every round), the control that separates
//     the mask from the initial values;
//  4. retrains for reconstruct.epochs at reconstruct.lr (reconstruct.*
//     settings otherwise, distillation from the dense network included;
//     Han suggests lr/10) with the mask in force: weight masks re-applied
//     after every step (weights), or the network's unit masks, which zero
//     the removed units' outputs and so their gradients (units).
//
// The retrained network comes back in Found.Weights (weights: its WeightMasks
// set; units: no unit masks — the pipeline applies the mask) and the final
// mask is scored on it. The last round's retraining is the fine-tuning: the
// pipeline's reconstruct step leaves such networks alone. rounds.json in the
// run directory records every round's validation and test accuracy (test
// accuracy is reported, never used to choose).
func iterativeMagnitude(s *Search) (*Found, error) {
	start := time.Now()
	e := s.Exp
	rounds := max(e.Prune.Rounds, 1)
	final, err := iterativeFinal(s)
	if err != nil {
		return nil, err
	}
	// Cloned without grad mode, the copies are leaves the optimiser can train
	// (with grad mode on, detach_copy records an op without a derivative).
	var net *model.Net
	model.NoGrad(func() { net = s.Dense.Clone() })
	ok := false
	defer func() {
		if !ok {
			net.Drop()
		}
	}()
	var init *model.Net
	if e.Reconstruct.Init == "rewind" {
		if init, err = s.Rewind(); err != nil {
			return nil, fmt.Errorf("iterative-magnitude: rewind: %w", err)
		}
		defer init.Drop()
	}
	off := s.Space.Offsets()
	m := fullMask(s.Space.N())
	var history []search.Progress
	val, test, err := valTest(net, s)
	if err != nil {
		return nil, fmt.Errorf("iterative-magnitude: %w", err)
	}
	rows := []results.RoundRow{{Round: 0, Remaining: 1, ValAccuracy: val, TestAccuracy: test}}
	for r := 1; r <= rounds; r++ {
		sp, err := roundScores(s, net, int64(r))
		if err != nil {
			return nil, fmt.Errorf("iterative-magnitude: round %d: %w", r, err)
		}
		counts := s.Space.Counts(m)
		for si, seg := range sp.Segments {
			k := final[si]
			if r < rounds {
				f := math.Pow(float64(final[si])/float64(seg.Size), float64(r)/float64(rounds))
				k = min(max(int(math.Round(float64(seg.Size)*f)), final[si]), counts[si])
			}
			surv := rankDesc(segmentScores(seg), func(j int) bool { return m.Get(off[si] + j) })
			for _, j := range surv[k:] {
				m.Set(off[si]+j, false)
			}
		}
		if err := applyMask(s, net, m); err != nil {
			return nil, fmt.Errorf("iterative-magnitude: round %d: %w", r, err)
		}
		if init != nil {
			rewind(net, init)
		}
		if e.Reconstruct.Init == "reinit" {
			if err := reinit(net, e, e.Seed+1000+int64(r)); err != nil {
				return nil, fmt.Errorf("iterative-magnitude: round %d: %w", r, err)
			}
		}
		if e.Reconstruct.Epochs > 0 {
			o := s.retrain(e.Seed + 100 + int64(r))
			// A round can take many minutes (LeNet-5: ~10 epochs of the
			// unpruned shapes): say how it goes.
			o.Epoch = func(epoch int, loss float64, d time.Duration) error {
				s.Printf("iterative-magnitude: round %d/%d: epoch %d/%d  loss %.4f  (%.1fs)\n", r, rounds, epoch+1, o.Epochs, loss, d.Seconds())
				return nil
			}
			if err := model.Train(net, s.Train, o); err != nil {
				return nil, fmt.Errorf("iterative-magnitude: round %d: retrain: %w", r, err)
			}
		}
		acc, test, err := valTest(net, s)
		if err != nil {
			return nil, fmt.Errorf("iterative-magnitude: round %d: %w", r, err)
		}
		history = append(history, progress(r, 0, search.Score{ValAccuracy: acc}, acc, m.Density(), start))
		rows = append(rows, results.RoundRow{Round: r, Remaining: m.Density(), ValAccuracy: acc, TestAccuracy: test})
		how := "retrained"
		switch e.Reconstruct.Init {
		case "rewind":
			how = "rewound, retrained"
		case "reinit":
			how = "reinitialised, retrained"
		}
		s.Printf("iterative-magnitude: round %d/%d kept %d of %d (%.2f%%), %s %d epochs: val acc %.2f%%, test acc %.2f%%\n",
			r, rounds, m.Count(), m.N, 100*m.Density(), how, e.Reconstruct.Epochs, 100*acc, 100*rows[r].TestAccuracy)
		if err := s.Store.WriteRounds(rows); err != nil {
			return nil, err
		}
	}
	keptPerSegment(s, "iterative-magnitude", m)
	if s.Kind == fitness.Units {
		// The pipeline applies the final mask itself.
		if err := net.SetUnitMask(nil); err != nil {
			return nil, err
		}
	}
	ev := fitness.NewEvaluator(net, s.Kind, s.Groups, s.Eval.Val, false)
	defer ev.Close()
	f, err := found(s, ev, m, 0, rounds, history)
	if err != nil {
		return nil, err
	}
	f.Weights, ok = net, true
	return f, nil
}

// roundScores ranks the slots on the network's current weights.
func roundScores(s *Search, net *model.Net, round int64) (search.Space, error) {
	return fitness.SpaceWith(net, s.Kind, s.Groups, s.Exp.Prune.TargetSparsity, s.Exp.Prune.Criterion, s.Eval.Val, s.Exp.Seed+round)
}

// applyMask puts a mask in force on net: weight masks (pruned weights zeroed
// now and after every training step) or unit masks.
func applyMask(s *Search, net *model.Net, m search.Mask) error {
	if s.Kind == fitness.Units {
		return net.SetUnitMask(fitness.UnitMask(m, s.Groups))
	}
	for _, t := range net.WeightMasks {
		t.MustDrop()
	}
	net.WeightMasks = fitness.WeightMasks(m, net)
	net.Remask()
	return nil
}

// rewind copies every parameter and buffer of init into net, then zeroes
// the pruned weights again.
func rewind(net, init *model.Net) {
	model.NoGrad(func() {
		for _, k := range net.Names() {
			net.T[k].Copy_(init.T[k])
		}
	})
	net.Remask()
}

// iterativeFinal is every layer's kept count after the last round.
func iterativeFinal(s *Search) ([]int, error) {
	if s.Alloc != nil || s.Exp.Prune.Q <= 0 || s.Kind != fitness.Weights {
		return s.Allocation(), nil
	}
	q := s.Exp.Prune.Q
	keep := make([]int, len(s.Space.Segments))
	for si, seg := range s.Space.Segments {
		sd, err := hanSigma(s, seg, segmentScores(seg))
		if err != nil {
			return nil, err
		}
		keep[si] = max(countAbove(segmentScores(seg), q*sd), 1)
	}
	return keep, nil
}

// reinit gives net a fresh initialisation (keeping its masks).
func reinit(net *model.Net, e *config.Experiment, seed int64) error {
	fresh, err := model.New(net.Arch, net.Device, model.Init(e.Model.Init), seed)
	if err != nil {
		return fmt.Errorf("reinit: %w", err)
	}
	defer fresh.Drop()
	rewind(net, fresh)
	return nil
}

func countAbove(v []float64, theta float64) int {
	c := 0
	for _, x := range v {
		if x > theta {
			c++
		}
	}
	return c
}

// valTest is net's validation accuracy (what rounds are judged by) and its
// test accuracy (reported only).
func valTest(net *model.Net, s *Search) (val, test float64, err error) {
	if val, err = fitness.Accuracy(net, s.Val); err != nil {
		return 0, 0, err
	}
	test, err = fitness.Accuracy(net, s.Test)
	return val, test, err
}

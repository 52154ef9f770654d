package experiments

import (
	"fmt"
	"math"
	"time"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// iterativeMagnitude is iterative magnitude pruning (Han et al. 2015) and,
// with reconstruct.init: rewind, the Lottery Ticket procedure (Frankle &
// Carbin 2019). It works on a copy of the trained dense network, in
// prune.rounds rounds. Round r (1..R):
//
//  1. scores the surviving slots on the current weights — |w| for weights;
//     for units prune.criterion via fitness.SpaceWith (magnitude: the L1 norm
//     of the current producer rows);
//  2. keeps, in every layer, the best round(size·(1−target)^(r/R)) of its
//     surviving slots, i.e. removes the fraction p = 1 − (1−target)^(1/R) of
//     them; the last round keeps exactly the layer's share of Space.Keep
//     (proportional shares), so every layer ends at the target sparsity;
//  3. with rewind, resets every parameter to the dense network's initial
//     values (model.New with model.init and the experiment seed);
//  4. retrains for reconstruct.epochs at reconstruct.lr (reconstruct.*
//     settings otherwise; Han suggests lr/10) with the mask in force: weight
//     masks re-applied after every step (weights), or the network's unit
//     masks, which zero the removed units' outputs and so their gradients
//     (units).
//
// The retrained network comes back in Found.Weights (weights: its WeightMasks
// set; units: no unit masks — the pipeline applies the mask) and the final
// mask is scored on it. The pipeline's reconstruct step then fine-tunes the
// rebuilt network as usual.
func iterativeMagnitude(s *Search) (*Found, error) {
	start := time.Now()
	e := s.Exp
	rounds := max(e.Prune.Rounds, 1)
	final := proportional(s.Space, s.Space.Keep)
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
		var err error
		if init, err = model.New(s.Dense.Arch, s.Dense.Device, model.Init(e.Model.Init), e.Seed); err != nil {
			return nil, fmt.Errorf("iterative-magnitude: rewind: %w", err)
		}
		defer init.Drop()
	}
	off := s.Space.Offsets()
	m := fullMask(s.Space.N())
	var history []search.Progress
	for r := 1; r <= rounds; r++ {
		sp, err := roundScores(s, net, int64(r))
		if err != nil {
			return nil, fmt.Errorf("iterative-magnitude: round %d: %w", r, err)
		}
		counts := s.Space.Counts(m)
		frac := math.Pow(1-e.Prune.TargetSparsity, float64(r)/float64(rounds))
		for si, seg := range sp.Segments {
			k := final[si]
			if r < rounds {
				k = min(max(int(math.Round(float64(seg.Size)*frac)), final[si]), counts[si])
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
		if e.Reconstruct.Epochs > 0 {
			if err := model.Train(net, s.Train, retrainOptions(e, e.Seed+100+int64(r))); err != nil {
				return nil, fmt.Errorf("iterative-magnitude: round %d: retrain: %w", r, err)
			}
		}
		acc := accuracy(net, s.Val)
		history = append(history, progress(r, 0, search.Score{ValAccuracy: acc}, acc, m.Density(), start))
		how := "retrained"
		if init != nil {
			how = "rewound, retrained"
		}
		s.Printf("iterative-magnitude: round %d/%d kept %d of %d (%.2f%%), %s %d epochs: val acc %.2f%%\n",
			r, rounds, m.Count(), m.N, 100*m.Density(), how, e.Reconstruct.Epochs, 100*acc)
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

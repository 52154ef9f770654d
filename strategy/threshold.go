package strategy

import (
	"fmt"
	"math"

	"github.com/evoprune/evoprune/config"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

func init() {
	Register(Info{Run: threshold, StrategyRules: config.StrategyRules{
		Name:          "threshold",
		Summary:       "per layer keep scores above θ = μ − k·σ (`prune.k`), or Han et al.'s θ = q·σ of the weights (`prune.q`)",
		Granularities: []string{"weight", "neuron", "channel"},
		Options:       []string{"prune.k", "prune.q"},
	}})
}

// threshold keeps, in every layer separately, the slots whose score exceeds
// a threshold θ computed from that layer's statistics:
//
//   - prune.q > 0 (Han et al. 2015): θ = q·σ, σ the standard deviation of
//     the layer's signed weights (unit granularities: of the unit scores);
//   - otherwise θ = μ − k·σ of the layer's |w| (unit granularities: of the
//     unit scores), k = prune.k.
//
// Scores are |w| for weights and the segment scores (prune.criterion,
// normalised per layer, which changes no per-layer ranking) for units. The
// sparsity is whatever the thresholds give, not prune.target_sparsity; a
// layer keeps at least its best slot.
func threshold(s *Search) (*Found, error) {
	pr := s.Exp.Prune
	m := search.NewMask(s.Space.N())
	off := s.Space.Offsets()
	for si, seg := range s.Space.Segments {
		scores := segmentScores(seg)
		var theta float64
		if pr.Q > 0 {
			sd, err := hanSigma(s, seg, scores)
			if err != nil {
				return nil, err
			}
			theta = pr.Q * sd
		} else {
			mu, sd := meanStd(scores)
			theta = mu - pr.K*sd
		}
		n := 0
		for j, k := range thresholdKeep(scores, theta) {
			if k {
				m.Set(off[si]+j, true)
				n++
			}
		}
		s.Printf("threshold: %s θ=%.4g kept %d/%d (%.1f%%)\n", seg.Name, theta, n, seg.Size, 100*float64(n)/float64(seg.Size))
	}
	s.Printf("threshold: kept %d of %d slots (sparsity %.2f%%; target %.2f%% does not apply)\n",
		m.Count(), m.N, 100*(1-m.Density()), 100*pr.TargetSparsity)
	return found(s, s.Eval, m, 0, 0, nil)
}

// thresholdKeep keeps the slots scoring above theta, or the best one (the
// lowest index among equals) if none does.
func thresholdKeep(scores []float64, theta float64) []bool {
	keep := make([]bool, len(scores))
	some := false
	for i, v := range scores {
		if v > theta {
			keep[i], some = true, true
		}
	}
	if !some && len(scores) > 0 {
		keep[rankDesc(scores, nil)[0]] = true
	}
	return keep
}

// meanStd is the mean and population standard deviation.
func meanStd(v []float64) (mu, sd float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mu += x
	}
	mu /= float64(len(v))
	for _, x := range v {
		sd += (x - mu) * (x - mu)
	}
	return mu, math.Sqrt(sd / float64(len(v)))
}

// hanSigma is σ of a layer's signed weights (weight granularity) or of its
// unit scores.
func hanSigma(s *Search, seg search.Segment, scores []float64) (float64, error) {
	if s.Kind != fitness.Weights {
		_, sd := meanStd(scores)
		return sd, nil
	}
	w, ok := s.Dense.T[seg.Name]
	if !ok {
		return 0, fmt.Errorf("threshold: the network has no weight %s", seg.Name)
	}
	v := model.Host(w)
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	_, sd := meanStd(f)
	return sd, nil
}

package data

import (
	"fmt"
	"math"
	"math/rand"
)

// Synthetic defaults.
const (
	DefaultSyntheticSamples = 2000
	DefaultSyntheticClasses = 4
)

// DefaultSyntheticShape is the image shape used when Config.SyntheticShape
// is zero.
var DefaultSyntheticShape = [3]int{1, 8, 8}

// Stream offsets that derive independent generators from one seed.
const (
	synthTrainStream = 0x5eed0001
	synthTestStream  = 0x5eed0002
)

// syntheticParams fills in the defaults and checks the synthetic settings.
func syntheticParams(cfg Config) (samples, classes int, shape [3]int, err error) {
	samples, classes, shape = cfg.SyntheticSamples, cfg.SyntheticClasses, cfg.SyntheticShape
	if samples == 0 {
		samples = DefaultSyntheticSamples
	}
	if classes == 0 {
		classes = DefaultSyntheticClasses
	}
	if shape == ([3]int{}) {
		shape = DefaultSyntheticShape
	}
	switch {
	case classes < 2:
		return 0, 0, shape, fmt.Errorf("synthetic: SyntheticClasses %d: need at least 2", classes)
	case samples < 4*classes:
		return 0, 0, shape, fmt.Errorf("synthetic: SyntheticSamples %d: need at least 4*classes = %d", samples, 4*classes)
	case shape[0] < 1 || shape[1] < 1 || shape[2] < 1:
		return 0, 0, shape, fmt.Errorf("synthetic: SyntheticShape %v: every dimension must be >= 1", shape)
	}
	return samples, classes, shape, nil
}

// loadSynthetic builds a seeded Gaussian-prototype dataset: each class has
// a prototype with N(0,1) entries, each sample is its prototype plus N(0,
// sigma^2) noise with sigma = sqrt(dim)/3 (so classes overlap a little:
// a nearest-centroid rule gets roughly 90-97%), and everything is divided
// by sqrt(1+sigma^2) so features have about unit variance.
func loadSynthetic(cfg Config) (train, test *Set, err error) {
	samples, classes, shape, err := syntheticParams(cfg)
	if err != nil {
		return nil, nil, err
	}
	dim := shape[0] * shape[1] * shape[2]
	sigma := math.Sqrt(float64(dim)) / 3
	scale := 1 / math.Sqrt(1+sigma*sigma)

	rng := rand.New(rand.NewSource(cfg.Seed))
	protos := make([]float64, classes*dim)
	for i := range protos {
		protos[i] = rng.NormFloat64()
	}
	gen := func(n int, stream int64) *Set {
		r := rand.New(rand.NewSource(cfg.Seed ^ stream))
		s := &Set{X: make([]float32, n*dim), Y: make([]int32, n), N: n, Shape: shape, Classes: classes}
		for i := range s.Y {
			s.Y[i] = int32(i % classes)
		}
		r.Shuffle(n, func(i, j int) { s.Y[i], s.Y[j] = s.Y[j], s.Y[i] })
		for i, y := range s.Y {
			p := protos[int(y)*dim : (int(y)+1)*dim]
			x := s.X[i*dim : (i+1)*dim]
			for j := range x {
				x[j] = float32((p[j] + sigma*r.NormFloat64()) * scale)
			}
		}
		return s
	}
	return gen(samples, synthTrainStream), gen(samples/4, synthTestStream), nil
}

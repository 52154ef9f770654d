package fitness

import (
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
)

// Classify predicts every sample of b: on the CPU engine where it runs n
// (convolutional networks: 2–3x libtorch's chunked forwards here), else
// through libtorch.
func Classify(n *model.Net, b *model.Batch) ([]int32, error) {
	pred, ok, err := Predict(n, b, torchrt.Threads())
	if ok {
		return pred, err
	}
	pred, _ = model.Predict(n, b) // (libtorch failures panic: the pipeline recovers)
	return pred, nil
}

// Accuracy is the fraction of b that n classifies correctly.
func Accuracy(n *model.Net, b *model.Batch) (float64, error) {
	pred, err := Classify(n, b)
	if err != nil {
		return 0, err
	}
	y := model.Host(b.Y)
	correct := 0
	for i, p := range pred {
		if float32(p) == y[i] {
			correct++
		}
	}
	return float64(correct) / float64(max(b.N, 1)), nil
}

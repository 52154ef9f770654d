package model

import (
	"math"
	"testing"
)

// Parameter counts and multiply-accumulates of the zoo at CIFAR's input
// (3x32x32, 10 classes) against the published values.
func TestZooMatchesPublishedSizes(t *testing.T) {
	cases := []struct {
		arch   string
		params float64 // published parameter count
		tol    float64 // relative
		macs   float64 // published multiply-accumulates (0: not checked)
		source string
	}{
		// He et al. 2016, Table 6 (option A shortcuts; our projections add
		// 2.7 k parameters, within the rounding of the table).
		{"resnet20", 0.27e6, 0.02, 40.8e6, "He et al. 2016 (MACs: HRank's counting)"},
		{"resnet32", 0.46e6, 0.02, 0, "He et al. 2016"},
		{"resnet44", 0.66e6, 0.02, 0, "He et al. 2016"},
		{"resnet56", 0.85e6, 0.02, 125.49e6, "He et al. 2016; MACs: HRank (Lin et al. 2020)"},
		{"resnet110", 1.7e6, 0.02, 0, "He et al. 2016"},
		// torchvision resnet18 (11,689,512 at 1000 classes) with a 10-class head.
		{"resnet18", 11181642, 0, 0, "torchvision"},
		// The CIFAR form (kuangliu/pytorch-cifar's ResNet18).
		{"resnet18-cifar", 11173962, 0, 556.65e6, "pytorch-cifar; MACs: ptflops"},
		// HRank's VGG-16: 14.98 M parameters, 313.73 M FLOPs (MACs).
		{"vgg16-bn", 14.98e6, 0.002, 313.73e6, "HRank (Lin et al. 2020)"},
	}
	for _, c := range cases {
		a, err := Build(Spec{Arch: c.arch, Input: [3]int64{3, 32, 32}, Classes: 10})
		if err != nil {
			t.Fatal(err)
		}
		p := float64(Params(a))
		if math.Abs(p-c.params) > c.tol*c.params {
			t.Errorf("%s: %.0f parameters, %s says %.0f", c.arch, p, c.source, c.params)
		}
		macs := float64(FLOPs(a)) / 2
		if c.macs > 0 && math.Abs(macs-c.macs) > 0.01*c.macs {
			t.Errorf("%s: %.2f M MACs, %s says %.2f M", c.arch, macs/1e6, c.source, c.macs/1e6)
		}
		t.Logf("%s: %d parameters, %.2f M MACs", c.arch, Params(a), macs/1e6)
	}
}

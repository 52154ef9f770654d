package fitness

import (
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/model"
)

// The engine's calibration gives the statistics libtorch's training-mode
// batch norm gives the mask's rebuilt network (model.Net.RecalibrateBN),
// for every batch norm: after convolutions of every stride, projection
// shortcuts, max-pooling, with calibration batches of unequal sizes (the
// padding samples of a block must not count).
func TestCalibrationEqualsRecalibrateBN(t *testing.T) {
	for _, spec := range []model.Spec{
		{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10},
		{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10},
		{Arch: "vgg16-bn", Input: [3]int64{3, 32, 32}, Classes: 10},
	} {
		t.Run(spec.Arch, func(t *testing.T) {
			n, val := setup(t, spec)
			defer n.Drop()
			realisticBN(t, n, val)
			calib := []*ts.Tensor{val.X.MustNarrow(0, 0, 40, false), val.X.MustNarrow(0, 40, 17, false),
				val.X.MustNarrow(0, 57, 33, false)}
			defer func() {
				for _, c := range calib {
					c.MustDrop()
				}
			}()
			groups := model.Groups(n.Arch)
			sp, err := Space(n, Units, groups, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			e := newCNN(n, groups, val, 2)
			if e == nil {
				t.Fatal("no CNN engine")
			}
			cal := e.calibrator(calib)
			for i, m := range randomMasks(sp, 3, 11) {
				got, err := cal.stats(m)
				if err != nil {
					t.Fatal(err)
				}
				r, err := n.Rebuild(UnitMask(m, groups))
				if err != nil {
					t.Fatal(err)
				}
				r.RecalibrateBN(calib)
				checked := 0
				for _, k := range r.Names() {
					p, ok := strings.CutSuffix(k, ".running_mean")
					if !ok {
						continue
					}
					s, ok := got[p]
					if !ok {
						t.Fatalf("mask %d: no statistics for %s", i, p)
					}
					for what, pair := range map[string][2][]float32{
						"mean":     {s.mean, model.Host(r.T[k])},
						"variance": {s.variance, model.Host(r.T[p+".running_var"])},
					} {
						g, w := pair[0], pair[1]
						if len(g) != len(w) {
							t.Fatalf("mask %d %s %s: %d channels, want %d", i, p, what, len(g), len(w))
						}
						for c := range w {
							if d := math.Abs(float64(g[c] - w[c])); d > 1e-4*math.Max(1, math.Abs(float64(w[c]))) {
								t.Fatalf("mask %d %s %s[%d]: engine %g, libtorch %g", i, p, what, c, g[c], w[c])
							}
						}
					}
					checked++
				}
				r.Drop()
				if checked == 0 || checked != len(got) {
					t.Fatalf("mask %d: %d batch norms checked, engine gave %d", i, checked, len(got))
				}
			}
		})
	}
}

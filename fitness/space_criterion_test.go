package fitness

import (
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch/ts"

	"github.com/evoprune/evoprune/importance"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
)

var smallMLP = model.Spec{Arch: "mlp", Widths: []int64{16, 8}, Input: [3]int64{1, 8, 8}, Classes: 10}

// host is a [rows, cols] matrix on the host.
type host struct {
	v          []float32
	rows, cols int
}

func (h host) at(r, c int) float64 { return float64(h.v[r*h.cols+c]) }

func toHost(t *ts.Tensor) host {
	s := t.MustSize()
	return host{model.Host(t), int(s[0]), int(s[1])}
}

// dense computes relu?(x·Wᵀ + b) on the host.
func dense(x host, w, b []float32, out int, relu bool) host {
	y := host{make([]float32, x.rows*out), x.rows, out}
	for r := 0; r < x.rows; r++ {
		for o := 0; o < out; o++ {
			s := float64(b[o])
			for i := 0; i < x.cols; i++ {
				s += x.at(r, i) * float64(w[o*x.cols+i])
			}
			if relu {
				s = math.Max(s, 0)
			}
			y.v[r*out+o] = float32(s)
		}
	}
	return y
}

// mlpOnHost runs the 64 -> 16 -> 8 -> 10 MLP on the host: post-ReLU hidden
// activations and logits.
func mlpOnHost(n *model.Net, val *model.Batch) (h1, h2, logits host) {
	x := val.X.MustFlatten(1, -1, false)
	defer x.MustDrop()
	xs := toHost(x)
	w := func(k string) []float32 { return model.Host(n.T[k]) }
	h1 = dense(xs, w("1.weight"), w("1.bias"), 16, true)
	h2 = dense(h1, w("3.weight"), w("3.bias"), 8, true)
	logits = dense(h2, w("5.weight"), w("5.bias"), 10, false)
	return
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(b)) }

func TestMagnitudeCriterionIsSpace(t *testing.T) {
	n, val := setup(t, smallMLP)
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	a, err := Space(n, Units, groups, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"", importance.Magnitude} {
		b, err := SpaceWith(n, Units, groups, 0.5, c, val, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Segments {
			for j, v := range a.Segments[i].Scores {
				if b.Segments[i].Scores[j] != v {
					t.Fatalf("criterion %q: segment %d slot %d: %v, Space has %v", c, i, j, b.Segments[i].Scores[j], v)
				}
			}
		}
		if b.Keep != a.Keep {
			t.Errorf("keep %d, want %d", b.Keep, a.Keep)
		}
	}
}

func TestActivationCriterionIsMeanOutput(t *testing.T) {
	n, val := setup(t, smallMLP)
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	got, err := importance.Units(n, groups, importance.Activation, val, 0)
	if err != nil {
		t.Fatal(err)
	}
	h1, h2, _ := mlpOnHost(n, val)
	for name, h := range map[string]host{"1": h1, "3": h2} {
		for u := 0; u < h.cols; u++ {
			var m float64
			for r := 0; r < h.rows; r++ {
				m += h.at(r, u)
			}
			m /= float64(h.rows)
			if !near(got[name][u], m) {
				t.Errorf("group %s unit %d: activation %v, want %v", name, u, got[name][u], m)
			}
		}
	}
	sp, err := SpaceWith(n, Units, groups, 0.5, importance.Activation, val, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mean float64
	for _, v := range sp.Segments[1].Scores {
		mean += v / 8
	}
	if !near(mean, 1) {
		t.Errorf("normalised scores average %v, want 1", mean)
	}
}

// The Taylor scores equal mean_n |a_nu · ∂L_n/∂a_nu|, with the gradient
// worked out by hand: ∂L/∂logits = softmax − onehot, back through the
// linear layers and ReLUs.
func TestTaylorCriterionMatchesHandGradients(t *testing.T) {
	n, val := setup(t, smallMLP)
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	var got map[string][]float64
	var err error
	var after bool
	model.NoGrad(func() {
		got, err = importance.Units(n, groups, importance.Taylor, val, 0)
		after = torchrt.SetGradEnabled(false)
	})
	if err != nil {
		t.Fatal(err)
	}
	if after {
		t.Error("grad mode left on after the Taylor criterion")
	}
	if g := n.T["1.weight"].MustGrad(false); g.MustDefined() {
		t.Error("the network's parameters received gradients")
	}
	h1, h2, logits := mlpOnHost(n, val)
	y := model.Host(val.Y)
	w3, w5 := model.Host(n.T["3.weight"]), model.Host(n.T["5.weight"])
	want1, want2 := make([]float64, 16), make([]float64, 8)
	for r := 0; r < logits.rows; r++ {
		// dL/dlogits
		var mx, z float64 = math.Inf(-1), 0
		for c := 0; c < 10; c++ {
			mx = math.Max(mx, logits.at(r, c))
		}
		for c := 0; c < 10; c++ {
			z += math.Exp(logits.at(r, c) - mx)
		}
		dl := make([]float64, 10)
		for c := range dl {
			dl[c] = math.Exp(logits.at(r, c)-mx) / z
			if c == int(y[r]) {
				dl[c]--
			}
		}
		// through layer 5 to h2, then ReLU and layer 3 to h1
		dh2 := make([]float64, 8)
		for u := range dh2 {
			for c := range dl {
				dh2[u] += dl[c] * float64(w5[c*8+u])
			}
			want2[u] += math.Abs(h2.at(r, u) * dh2[u])
		}
		for u := 0; u < 16; u++ {
			var d float64
			for v := 0; v < 8; v++ {
				if h2.at(r, v) > 0 {
					d += dh2[v] * float64(w3[v*16+u])
				}
			}
			want1[u] += math.Abs(h1.at(r, u) * d)
		}
	}
	for name, want := range map[string][]float64{"1": want1, "3": want2} {
		for u := range want {
			if w := want[u] / float64(logits.rows); !near(got[name][u], w) {
				t.Errorf("group %s unit %d: taylor %v, want %v", name, u, got[name][u], w)
			}
		}
	}
}

func TestRandomCriterionIsSeeded(t *testing.T) {
	n, val := setup(t, smallMLP)
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	a, _ := importance.Units(n, groups, importance.Random, nil, 7)
	b, _ := importance.Units(n, groups, importance.Random, nil, 7)
	c, _ := importance.Units(n, groups, importance.Random, nil, 8)
	same, diff := true, false
	for _, g := range groups {
		if len(a[g.Name]) != int(g.Size) {
			t.Fatalf("group %s: %d scores for %d units", g.Name, len(a[g.Name]), g.Size)
		}
		for u, v := range a[g.Name] {
			if v < 0 || v >= 1 {
				t.Errorf("score %v outside [0, 1)", v)
			}
			same = same && b[g.Name][u] == v
			diff = diff || c[g.Name][u] != v
		}
	}
	if !same || !diff {
		t.Errorf("same seed equal: %v, other seed differs: %v", same, diff)
	}
}

// Channel criteria on LeNet-5 average over positions and read a flattened
// consumer; every score is finite and non-negative and some are positive.
// Activation and Taylor scores on conv channels: LeNet-5, and ResNet-20,
// whose groups sit inside residual blocks and are tied across them.
func TestCriteriaOnConvChannels(t *testing.T) {
	for _, spec := range []model.Spec{
		{Arch: "lenet5", Input: [3]int64{1, 16, 16}, Classes: 10},
		{Arch: "resnet20", Input: [3]int64{3, 8, 8}, Classes: 10},
	} {
		criteriaOnChannels(t, spec)
	}
}

func criteriaOnChannels(t *testing.T, spec model.Spec) {
	n, val := setup(t, spec)
	defer n.Drop()
	defer val.Drop()
	var groups []*model.Group
	tied := false
	for _, g := range model.Groups(n.Arch) {
		if g.Conv {
			groups = append(groups, g)
			tied = tied || g.Tied
		}
	}
	if spec.Arch == "resnet20" && !tied {
		t.Fatal("resnet20 has no tied group")
	}
	for _, c := range []string{importance.Activation, importance.Taylor} {
		sp, err := SpaceWith(n, Units, groups, 0.5, c, val, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, seg := range sp.Segments {
			pos := 0
			for _, v := range seg.Scores {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("%s %s: segment %d score %v", spec.Arch, c, i, v)
				}
				if v > 0 {
					pos++
				}
			}
			if len(seg.Scores) != int(groups[i].Size) || pos == 0 {
				t.Errorf("%s %s: segment %s: %d scores, %d positive", spec.Arch, c, seg.Name, len(seg.Scores), pos)
			}
		}
	}
}

func TestCriterionErrors(t *testing.T) {
	n, val := setup(t, smallMLP)
	defer n.Drop()
	defer val.Drop()
	groups := model.Groups(n.Arch)
	if _, err := SpaceWith(n, Units, groups, 0.5, "saliency", val, 0); err == nil || !strings.Contains(err.Error(), `unknown prune.criterion "saliency"`) {
		t.Errorf("unknown criterion: %v", err)
	}
	if _, err := SpaceWith(n, Units, groups, 0.5, importance.Taylor, nil, 0); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Errorf("no data: %v", err)
	}
	// Weight granularity ranks by |w| whatever the criterion.
	a, _ := Space(n, Weights, nil, 0.5)
	b, err := SpaceWith(n, Weights, nil, 0.5, importance.Taylor, nil, 0)
	if err != nil || b.Segments[0].Scores[3] != a.Segments[0].Scores[3] {
		t.Errorf("weights with taylor: %v", err)
	}
}

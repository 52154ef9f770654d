package interop_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/interop"
	"github.com/evoprune/evoprune/model"
)

func mlpArch(t *testing.T) model.Arch {
	t.Helper()
	a, err := model.Build(model.Spec{Arch: "mlp", Widths: []int64{8}, Input: [3]int64{1, 2, 2}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func params(t *testing.T, a model.Arch) []model.HostParam {
	t.Helper()
	n, err := model.New(a, gotch.CPU, model.InitDefault, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Drop()
	return n.HostParams()
}

// mlpStateDict writes a small MLP's parameters as a state_dict in a
// temporary folder.
func mlpStateDict(t *testing.T) (a model.Arch, ps []model.HostParam, dir, path string) {
	t.Helper()
	a = mlpArch(t)
	ps = params(t, a)
	dir = t.TempDir()
	path = filepath.Join(dir, "mlp.pt")
	if err := interop.WriteStateDict(path, ps); err != nil {
		t.Fatal(err)
	}
	return a, ps, dir, path
}

// Every format reads back what was written, and a state_dict under
// torchvision's names loads into the zoo's ResNet-18.
func TestFormatsRoundTrip(t *testing.T) {
	a, ps, dir, aligned := mlpStateDict(t)
	z, err := zip.OpenReader(aligned)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if off, err := f.DataOffset(); err != nil || off%64 != 0 {
			t.Errorf("%s: data at offset %d (%v), not 64-byte aligned as PyTorch writes it", f.Name, off, err)
		}
	}
	z.Close()
	for _, f := range []string{"w.pt", "w.safetensors"} {
		p := filepath.Join(dir, f)
		var err error
		if strings.HasSuffix(f, ".pt") {
			err = interop.WriteStateDict(p, ps)
		} else {
			err = interop.WriteSafetensors(p, ps, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		n, err := interop.Load(a, p, gotch.CPU)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got := n.HostParams()
		n.Drop()
		for i := range ps {
			if got[i].Name != ps[i].Name || len(got[i].Data) != len(ps[i].Data) {
				t.Fatalf("%s: %s became %s", f, ps[i].Name, got[i].Name)
			}
			for j := range ps[i].Data {
				if got[i].Data[j] != ps[i].Data[j] {
					t.Fatalf("%s: %s[%d] %v, wrote %v", f, ps[i].Name, j, got[i].Data[j], ps[i].Data[j])
				}
			}
		}
	}

	r18, err := model.Build(model.Spec{Arch: "resnet18", Input: [3]int64{3, 32, 32}, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	tv := model.ParamShapes(r18)
	al := interop.Aliases(r18)
	for i := range tv {
		tv[i].Data = make([]float32, model.Numel(tv[i].Shape))
		tv[i].Name = al[tv[i].Name]
	}
	for _, k := range []string{"conv1.weight", "bn1.running_var", "layer2.0.downsample.0.weight", "layer4.1.bn2.bias", "fc.weight"} {
		if !hasName(tv, k) {
			t.Errorf("torchvision name %s missing from the aliases", k)
		}
	}
	lenet5, err := model.Build(model.Spec{Arch: "lenet5", Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	al5 := interop.Aliases(lenet5)
	if al5["0.weight"] != "conv1.weight" || al5["3.bias"] != "conv2.bias" || al5["7.weight"] != "fc1.weight" || al5["9.bias"] != "fc2.bias" {
		t.Errorf("lenet5 aliases %v", al5)
	}
	p := filepath.Join(dir, "tv.pth")
	if err := interop.WriteStateDict(p, tv); err != nil {
		t.Fatal(err)
	}
	n, err := interop.Load(r18, p, gotch.CPU)
	if err != nil {
		t.Fatalf("torchvision names: %v", err)
	}
	n.Drop()
}

func hasName(ps []model.HostParam, k string) bool {
	for _, p := range ps {
		if p.Name == k {
			return true
		}
	}
	return false
}

// Bad checkpoints fail with a message that says what is wrong.
func TestBadCheckpoints(t *testing.T) {
	a, ps, dir, good := mlpStateDict(t)
	renamed := append([]model.HostParam(nil), ps...)
	renamed[0].Name = "features.0.weight"
	reshaped := append([]model.HostParam(nil), ps...)
	reshaped[1] = model.HostParam{Name: ps[1].Name, Shape: []int64{5}, Data: make([]float32, 5)}
	b, _ := os.ReadFile(good)
	cases := []struct {
		name  string
		write func(p string) error
		want  []string
	}{
		{"names.pt", func(p string) error { return interop.WriteStateDict(p, renamed) },
			[]string{`unexpected "features.0.weight"`, `missing "` + ps[0].Name + `"`}},
		{"shapes.safetensors", func(p string) error { return interop.WriteSafetensors(p, reshaped, nil) },
			[]string{`"` + ps[1].Name + `" has shape [5], mlp wants [8]`}},
		{"truncated.pt", func(p string) error { return os.WriteFile(p, b[:len(b)/2], 0o644) },
			[]string{"not a PyTorch state_dict"}},
		{"text.pth", func(p string) error { return os.WriteFile(p, []byte("hello, not weights\n"), 0o644) },
			[]string{"not a PyTorch state_dict"}},
		{"text.safetensors", func(p string) error { return os.WriteFile(p, []byte("hello, not weights\n"), 0o644) },
			[]string{"not a safetensors file"}},
		{"cut.safetensors", func(p string) error {
			if err := interop.WriteSafetensors(p, ps, nil); err != nil {
				return err
			}
			return os.Truncate(p, 200)
		}, []string{"truncated"}},
		{"short.safetensors", func(p string) error {
			if err := interop.WriteSafetensors(p, ps, nil); err != nil {
				return err
			}
			st, _ := os.Stat(p)
			return os.Truncate(p, st.Size()-4)
		}, []string{"does not fit", "truncated"}},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := c.write(p); err != nil {
			t.Fatal(err)
		}
		n, err := interop.Load(a, p, gotch.CPU)
		if err == nil {
			n.Drop()
			t.Errorf("%s loaded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
}

package interop_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evoprune/evoprune/interop"
	"github.com/evoprune/evoprune/model"
)

// The readers of foreign files return errors, never panic, on any bytes.
func FuzzReaders(f *testing.F) {
	dir := f.TempDir()
	ps := []model.HostParam{{Name: "0.weight", Shape: []int64{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}, {Name: "1.running_var", Shape: []int64{2}, Data: []float32{1, 1}}}
	for _, name := range []string{"seed.pt", "seed.safetensors"} {
		p := filepath.Join(dir, name)
		var err error
		if name == "seed.pt" {
			err = interop.WriteStateDict(p, ps)
		} else {
			err = interop.WriteSafetensors(p, ps, map[string]string{"k": "v"})
		}
		if err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		interop.ReadSafetensors(p)
		interop.ReadStateDict(p)
	})
}

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
)

// Formats lists what Export writes.
var Formats = []string{"pytorch", "onnx", "safetensors"}

// InputOf describes the input of a network trained on a dataset padded by
// pad pixels.
func InputOf(dataset string, pad int) Input {
	in := Input{Dataset: dataset, Pad: pad}
	in.Mean, in.Std, _ = data.Normalisation(dataset)
	return in
}

// Export writes a network to out in a format: "pytorch" (model.pt, a
// state_dict, and model.py, whose build() makes the module), "onnx"
// (model.onnx) or "safetensors" (model.safetensors, the arch and input in
// its metadata). It returns the files written.
func Export(n *model.Net, in Input, format, out string) ([]string, error) {
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("export: unknown format %q (want one of %v)", format, Formats)
	}
	arch, ps := n.Arch, n.HostParams()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	file := func(name string) string { return filepath.Join(out, name) }
	switch format {
	case "pytorch":
		if err := WriteStateDict(file("model.pt"), ps); err != nil {
			return nil, err
		}
		if err := writeFile(file("model.py"), []byte(PyModule(arch, in))); err != nil {
			return nil, err
		}
		return []string{file("model.pt"), file("model.py")}, nil
	case "onnx":
		b, err := ONNX(arch, ps, in)
		if err != nil {
			return nil, err
		}
		return []string{file("model.onnx")}, writeFile(file("model.onnx"), b)
	}
	js, err := arch.JSON()
	if err != nil {
		return nil, err
	}
	meta := map[string]string{"format": "pt", "evoprune.arch": string(js), "evoprune.input": in.describe(arch)}
	return []string{file("model.safetensors")}, WriteSafetensors(file("model.safetensors"), ps, meta)
}

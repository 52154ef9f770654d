package interop

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
)

// Formats lists what Export writes.
var Formats = []string{"pytorch", "onnx", "safetensors"}

// Export writes a run's final network to out in a format: "pytorch"
// (model.pt, a state_dict, and model.py, whose build() makes the module),
// "onnx" (model.onnx) or "safetensors" (model.safetensors, the arch and
// input in its metadata). It returns the files written.
func Export(runDir, format, out string) ([]string, error) {
	rd, err := results.OpenRunDir(runDir)
	if err != nil {
		return nil, err
	}
	e, err := config.Load(rd.File(results.ConfigFile))
	if err != nil {
		return nil, err
	}
	arch, err := model.LoadArch(rd.File(results.ArchFile))
	if err != nil {
		return nil, err
	}
	n, err := model.Load(arch, rd.File(results.ModelFile), gotch.CPU)
	if err != nil {
		return nil, err
	}
	ps := n.HostParams()
	n.Drop()
	in := Input{Dataset: e.Data.Dataset, Pad: e.Data.Pad}
	in.Mean, in.Std, _ = data.Normalisation(e.Data.Dataset)
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
	case "safetensors":
		js, err := arch.JSON()
		if err != nil {
			return nil, err
		}
		meta := map[string]string{"format": "pt", "evoprune.arch": string(js),
			"evoprune.input": in.describe(arch)}
		return []string{file("model.safetensors")}, WriteSafetensors(file("model.safetensors"), ps, meta)
	}
	return nil, fmt.Errorf("export: unknown format %q (want one of %v)", format, Formats)
}

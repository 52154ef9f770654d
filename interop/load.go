package interop

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/model"
)

// Load reads a network of arch a from path: evoprune's own format (.ot), a
// PyTorch state_dict (.pt, .pth, .bin: torch.save's zip format) or
// .safetensors. Names and shapes must match a exactly (evoprune's names, or
// the reference names of Aliases); the error lists the first mismatches.
func Load(a model.Arch, path string, dev gotch.Device) (*model.Net, error) {
	var ps []model.HostParam
	var err error
	switch format(path) {
	case "ot":
		return model.Load(a, path, dev)
	case "safetensors":
		ps, err = ReadSafetensors(path)
	default:
		ps, err = ReadStateDict(path)
	}
	if err != nil {
		return nil, err
	}
	n, err := model.FromHostParams(a, rename(a, ps), dev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// format names a weights file's format by its extension, else by its first
// bytes.
func format(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ot":
		return "ot"
	case ".safetensors":
		return "safetensors"
	case ".pt", ".pth", ".bin":
		return "pytorch"
	}
	if head, _ := readHead(path, 2); string(head) == "PK" {
		return "pytorch"
	}
	return "safetensors"
}

package config_test

import (
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
)

const customNet = `
data: {dataset: mnist}
model:
  layers:
    - conv: {out: 8, kernel: 3, pad: 1, bias: false}
    - bn
    - relu
    - block:
        body:
          - conv: {out: 16, kernel: 3, stride: 2, pad: 1, bias: false}
          - bn
        shortcut:
          - conv: {out: 16, kernel: 1, stride: 2, bias: false}
    - maxpool: {kernel: 2}
    - gap
    - linear
prune: {granularity: channel}
`

// model.layers decodes to layers with PyTorch's defaults filled in, sets
// model.arch to custom, turns on adaptive BN for a network with batch norm,
// and survives the run directory's config.yaml.
func TestLayersDecode(t *testing.T) {
	e, err := config.Parse("net.yaml", []byte(customNet), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Model
	if m.Arch != "custom" || len(m.Layers) != 7 || e.Search.Fitness.AdaptBN != 8 {
		t.Fatalf("arch %q, %d layers, adapt_bn %d", m.Arch, len(m.Layers), e.Search.Fitness.AdaptBN)
	}
	c := m.Layers[0]
	if c.Kind != "conv" || c.Out != 8 || c.Kernel != 3 || c.Stride != 1 || c.Pad != 1 || c.Bias {
		t.Errorf("conv: %+v", c)
	}
	b := m.Layers[3]
	if b.Kind != "block" || len(b.Body) != 2 || len(b.Shortcut) != 1 || b.Body[0].Stride != 2 {
		t.Errorf("block: %+v", b)
	}
	if p := m.Layers[4]; p.Stride != 2 || p.Kernel != 2 {
		t.Errorf("maxpool: %+v", p)
	}
	if l := m.Layers[6]; l.Kind != "linear" || l.Out != 0 || !l.Bias {
		t.Errorf("linear: %+v", l)
	}
	y, err := e.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := config.Parse("config.yaml", y, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	if back.Hash() != e.Hash() {
		t.Errorf("config.yaml does not read back to the same experiment:\n%s", y)
	}
}

func TestLayersErrorsArePlaced(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"model: {layers: [conv]}", "f.yaml:1:18: model.layers[0]: conv needs settings"},
		{"model: {layers: [{conv: {out: 4}}]}", "model.layers[0].conv.kernel: required"},
		{"model: {layers: [{conv: {out: 4, kernel: 3, dilation: 2}}]}", `f.yaml:1:45: model.layers[0].conv.dilation: unknown conv setting "dilation"`},
		{"model: {layers: [{pool: {kernel: 2}}]}", `model.layers[0]: unknown layer kind "pool"`},
		{"model: {layers: [{conv: {out: 0, kernel: 3}}]}", "model.layers[0].conv.out: must be at least 1, got 0"},
		{"model: {layers: [relu: {x: 1}]}", "model.layers[0].relu.x: relu takes no settings"},
		{"model: {arch: lenet5, layers: [relu]}", "model.layers"},
		{"model: {arch: custom}", "model.layers"},
		{"model: {layers: [{block: {body: [{conv: {kernel: 3}}]}}]}", "model.layers[0].block.body[0].conv.out: required"},
	} {
		_, err := config.Parse("f.yaml", []byte(c.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

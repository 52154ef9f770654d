package experiments

import (
	"reflect"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/model"
)

// LeNet-5 written as model.layers is the zoo's LeNet-5.
func TestLayersExpressTheZoo(t *testing.T) {
	e, err := config.Parse("lenet5.yaml", []byte(`
model:
  layers:
    - conv: {out: 20, kernel: 5}
    - relu
    - maxpool: {kernel: 2}
    - conv: {out: 50, kernel: 5}
    - relu
    - maxpool: {kernel: 2}
    - flatten
    - linear: {out: 500}
    - relu
    - linear
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := archFor(e, [3]int{1, 28, 28}, 10)
	if err != nil {
		t.Fatal(err)
	}
	want, err := model.Build(model.Spec{Arch: "lenet5", Input: [3]int64{1, 28, 28}, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	got.Name = want.Name
	if !reflect.DeepEqual(got, want) {
		t.Errorf("YAML LeNet-5\n%+v\nzoo\n%+v", got.Layers, want.Layers)
	}
}

// Shape problems of model.layers are placed at their layer in the file.
func TestLayerShapesArePlaced(t *testing.T) {
	for _, c := range []struct{ layers, want string }{
		{"[{conv: {out: 4, kernel: 30}}, gap, linear]", "f.yaml:1:34: model.layers[0].conv.kernel: conv kernel 30 does not fit its input (1x28x28 activations, padded by 0)"},
		{"[{conv: {out: 4, kernel: 3}}, linear]", "model.layers[1]: linear needs a flat input, got 4x26x26 activations: put flatten or gap before it"},
		{"[flatten, {linear: {out: 7}}]", "model.layers[1]: the network ends in 7 features; it must end in 10 logits"},
		{"[flatten, linear, relu, linear]", "model.layers[1]: linear needs out"},
		{"[{conv: {out: 4, kernel: 3, pad: 1}}, {block: {body: [{conv: {out: 8, kernel: 3, pad: 1}}]}}, gap, linear]",
			"model.layers[1]: the body gives 8x28x28 activations and the identity shortcut 4x28x28 activations"},
		{"[{conv: {out: 4, kernel: 3}}, {block: {body: [relu, {conv: {kernel: 3, out: 4, stride: 9}}], shortcut: [{maxpool: {kernel: 40}}]}}, gap, linear]",
			"model.layers[1].block.shortcut[0].maxpool.kernel: maxpool kernel 40 does not fit"},
	} {
		_, err := config.Parse("f.yaml", []byte("model: {layers: "+c.layers+"}"), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.layers, err, c.want)
		}
	}
}

// configs/custom-resnet-fmnist.yaml (shortened) prunes its residual network
// end to end: channels removed, the rebuilt network equal to the masked one.
func TestCustomResidualNetworkEndToEnd(t *testing.T) {
	e, err := config.LoadWith("../configs/custom-resnet-fmnist.yaml", []string{"data.train_limit=1000",
		"data.validation=300", "data.test_limit=500", "train.epochs=1", "search.population=6",
		"search.generations=2", "search.fitness.eval_samples=300", "reconstruct.epochs=1"})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, e, t.TempDir()).Run
	if r.RebuildMaxAbsDiff > 1e-4 || r.Final.Params >= r.Dense.Params/2 {
		t.Errorf("rebuild diff %.2g, params %d -> %d", r.RebuildMaxAbsDiff, r.Dense.Params, r.Final.Params)
	}
	t.Logf("%v -> %v, params %d -> %d, rebuild diff %.2g", r.Dense.Architecture, r.Final.Architecture, r.Dense.Params, r.Final.Params, r.RebuildMaxAbsDiff)
}

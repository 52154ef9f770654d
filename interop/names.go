package interop

import (
	"fmt"

	"github.com/evoprune/evoprune/model"
)

// Aliases maps evoprune's parameter names to the names of the reference
// implementation of an architecture, where one exists: torchvision's for
// resnet18, pytorch-cifar's (kuangliu) for resnet18-cifar. Both number the
// stem conv1 / bn1, the blocks layerS.B with conv1, bn1, conv2, bn2 and a
// projection shortcut (torchvision: downsample.0 / .1; pytorch-cifar:
// shortcut.0 / .1), and the classifier fc (pytorch-cifar: linear). The
// LeNets and MLPs take the names of the usual PyTorch ports: conv1, conv2,
// ... and fc1, fc2, ... in order.
func Aliases(a model.Arch) map[string]string {
	short, head := "", ""
	switch a.Name {
	case "resnet18":
		short, head = "downsample", "fc"
	case "resnet18-cifar":
		short, head = "shortcut", "linear"
	case "lenet300-100", "lenet5", "mlp":
		return numbered(a)
	default:
		return nil
	}
	out := map[string]string{}
	block := 0
	for i, l := range a.Layers {
		p := fmt.Sprint(i)
		switch l.Kind {
		case model.KConv:
			out[p+".weight"] = "conv1.weight"
		case model.KBN:
			for _, s := range bnSuffixes {
				out[p+s] = "bn1" + s
			}
		case model.KLinear:
			out[p+".weight"], out[p+".bias"] = head+".weight", head+".bias"
		case model.KBlock:
			q := fmt.Sprintf("layer%d.%d.", block/2+1, block%2)
			block++
			names := map[int]string{0: "conv1", 1: "bn1", 3: "conv2", 4: "bn2"}
			for j, b := range l.Body {
				addLayer(out, fmt.Sprintf("%s.body.%d", p, j), q+names[j], b)
			}
			for j, b := range l.Short {
				addLayer(out, fmt.Sprintf("%s.shortcut.%d", p, j), fmt.Sprintf("%s%s.%d", q, short, j), b)
			}
		}
	}
	return out
}

// numbered names the conv layers conv1, conv2, ... and the linear layers
// fc1, fc2, ... in forward order.
func numbered(a model.Arch) map[string]string {
	out := map[string]string{}
	n := map[string]int{}
	for i, l := range a.Layers {
		prefix := map[string]string{model.KConv: "conv", model.KLinear: "fc"}[l.Kind]
		if prefix == "" {
			continue
		}
		n[prefix]++
		addLayer(out, fmt.Sprint(i), fmt.Sprintf("%s%d", prefix, n[prefix]), l)
	}
	return out
}

var bnSuffixes = []string{".weight", ".bias", ".running_mean", ".running_var"}

func addLayer(out map[string]string, ours, theirs string, l model.Layer) {
	switch l.Kind {
	case model.KConv, model.KLinear:
		out[ours+".weight"] = theirs + ".weight"
		if l.Bias {
			out[ours+".bias"] = theirs + ".bias"
		}
	case model.KBN:
		for _, s := range bnSuffixes {
			out[ours+s] = theirs + s
		}
	}
}

// rename translates foreign names to evoprune's when every tensor of ps is
// named by a's aliases; otherwise ps is returned as it is.
func rename(a model.Arch, ps []model.HostParam) []model.HostParam {
	al := Aliases(a)
	if len(al) == 0 {
		return ps
	}
	ours := map[string]string{}
	for k, v := range al {
		ours[v] = k
	}
	out := make([]model.HostParam, len(ps))
	for i, p := range ps {
		k, ok := ours[p.Name]
		if !ok {
			return ps
		}
		out[i] = p
		out[i].Name = k
	}
	return out
}

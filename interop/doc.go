// Package interop moves networks between evoprune and other tools: PyTorch
// state_dict files (torch.save's zip format) and safetensors in and out, a
// PyTorch module definition of a rebuilt network, and ONNX.
//
// Parameter names are evoprune's: the state_dict keys of an nn.Sequential
// with the same layers, a residual block being a module with `body` and
// `shortcut` Sequentials (what the exported model.py builds). ResNet-18 in
// torchvision's layout also accepts torchvision's names (conv1, layer1.0.
// conv1, downsample, fc, ...); see Aliases.
package interop

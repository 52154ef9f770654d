"""PyTorch / ONNX side of evoprune's interop tests (Debian python3-torch, python3-onnx).

  torch_check.py eval DIR DATA.pt         accuracy of DIR/model.py + DIR/model.pt on DATA's x, y
  torch_check.py onnx FILE.onnx DATA.pt   onnx.checker, then the graph evaluated here node by node:
                                          accuracy and max |logits - DATA's ref logits|
  torch_check.py train DIR DATA.pt OUT    train DIR/model.py's network for one epoch on DATA's
                                          train_x, train_y, torch.save its state_dict to OUT;
                                          accuracy on DATA's x, y
Each prints one JSON line.
"""
import importlib.util
import json
import sys

import torch
import torch.nn.functional as F


def build(d):
    spec = importlib.util.spec_from_file_location("model", d + "/model.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m.build()


def accuracy(logits, y):
    return (logits.argmax(1) == y).float().mean().item()


def logits_of(f, x):
    with torch.no_grad():
        return torch.cat([f(x[i:i + 256]) for i in range(0, len(x), 256)])


def onnx_eval(path, x):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        i = [env[k] for k in n.input]
        op = n.op_type
        if op == "Conv":
            p = a.get("pads", [0, 0, 0, 0])
            assert p[0] == p[2] and p[1] == p[3]
            o = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a["strides"], padding=p[:2])
        elif op == "Gemm":
            w = i[1].t() if a.get("transB", 0) else i[1]
            o = i[0] @ w + (i[2] if len(i) > 2 else 0)
        elif op == "BatchNormalization":
            o = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a["epsilon"])
        elif op == "Relu":
            o = torch.relu(i[0])
        elif op == "Add":
            o = i[0] + i[1]
        elif op == "MaxPool":
            p = a.get("pads", [0, 0, 0, 0])
            o = F.max_pool2d(i[0], a["kernel_shape"], a["strides"], p[:2])
        elif op == "GlobalAveragePool":
            o = i[0].mean((2, 3), keepdim=True)
        elif op == "Flatten":
            o = i[0].flatten(a.get("axis", 1))
        elif op == "Gather":
            o = torch.index_select(i[0], a.get("axis", 0), i[1])
        elif op == "Identity":
            o = i[0]
        else:
            raise SystemExit("unsupported op " + op)
        env[n.output[0]] = o
    return env[m.graph.output[0].name]


def main():
    cmd, path, data = sys.argv[1], sys.argv[2], torch.load(sys.argv[3])
    x, y = data["x"], data["y"].long()
    if cmd == "eval":
        m = build(path)
        m.load_state_dict(torch.load(path + "/model.pt"))
        m.eval()
        out = {"accuracy": accuracy(logits_of(m, x), y)}
    elif cmd == "onnx":
        with torch.no_grad():
            lg = onnx_eval(path, x)
        ref = data["ref_logits"]
        out = {"accuracy": accuracy(lg, y), "max_diff": (lg[:len(ref)] - ref).abs().max().item()}
    elif cmd == "train":
        torch.manual_seed(1)
        m = build(path)
        opt = torch.optim.Adam(m.parameters(), 1e-3)
        tx, ty = data["train_x"], data["train_y"].long()
        m.train()
        for i in range(0, len(tx), 64):
            opt.zero_grad()
            F.cross_entropy(m(tx[i:i + 64]), ty[i:i + 64]).backward()
            opt.step()
        m.eval()
        torch.save(m.state_dict(), sys.argv[4])
        out = {"accuracy": accuracy(logits_of(m, x), y)}
    else:
        raise SystemExit("unknown command " + cmd)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

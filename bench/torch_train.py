#!/usr/bin/env python3
"""Side-by-side reference: LeNet-300-100 on MNIST with PyTorch on the same
libtorch (Debian's python3-torch). Not needed by evoprune; used by `make bench`.

usage: torch_train.py MNIST_DIR [epochs] [threads]
Prints one line per epoch: epoch, seconds, test accuracy.
"""
import gzip, sys, time
import numpy as np
import torch
import torch.nn as nn

def idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    dims = b[3]
    shape = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

def main():
    d = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    norm = lambda x: (torch.tensor(x, dtype=torch.float32) / 255 - 0.1307) / 0.3081
    xtr = norm(idx(d + "/train-images-idx3-ubyte.gz")).reshape(-1, 784)
    ytr = torch.tensor(idx(d + "/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    xte = norm(idx(d + "/t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    yte = torch.tensor(idx(d + "/t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)
    perm = torch.randperm(60000, generator=torch.Generator().manual_seed(1))
    xtr, ytr = xtr[perm[5000:]], ytr[perm[5000:]]
    net = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1.2e-3)
    lossf = nn.CrossEntropyLoss()
    for e in range(epochs):
        t = time.time()
        order = torch.randperm(xtr.shape[0])
        for s in range(0, xtr.shape[0], 60):
            bi = order[s:s + 60]
            loss = lossf(net(xtr[bi]), ytr[bi])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        dt = time.time() - t
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {e} {dt:.2f}s test {acc:.4f}", flush=True)

if __name__ == "__main__":
    main()

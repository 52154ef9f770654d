#!/usr/bin/env python3
"""Side-by-side reference for `evoprune bench`'s resnet20-channel case: the
best per-mask loop PyTorch offers on the same libtorch (Debian's
python3-torch). For each of 32 channel masks of ResNet-20 (1x28x28 inputs,
10 classes; every prunable group keeps 30-70 % of its channels, a new ratio
per group and mask, as a search's masks do) the mask's physically smaller
network runs in eval mode, without gradients, in batches of 128 over 5,000
samples. Building each network is not timed (slicing weights would cost
about as much); only the forwards and the accuracy are. Not needed by
evoprune.

usage: torch_resnet_fitness.py [threads] [rounds]
Prints: naive_evals_per_s=<f> (min / median / max over rounds of 32 masks)
"""
import random, statistics, sys, time
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, mid, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(mid)
        self.c2 = nn.Conv2d(mid, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (x if self.short is None else self.short(x)))


def resnet20(stream, inner):
    """stream: kept channels of the 3 tied residual streams; inner: the 9 blocks' middles."""
    layers = [nn.Conv2d(1, stream[0], 3, 1, 1, bias=False), nn.BatchNorm2d(stream[0]), nn.ReLU()]
    cin, k = stream[0], 0
    for s in range(3):
        for b in range(3):
            layers.append(Block(cin, inner[k], stream[s], 2 if s > 0 and b == 0 else 1))
            cin, k = stream[s], k + 1
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers).eval()


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    rng = random.Random(1)
    x = torch.randn(5000, 1, 28, 28)
    y = torch.randint(0, 10, (5000,))
    keep = lambda c: max(1, round(c * (0.3 + 0.4 * rng.random())))

    def nets(n=32):
        out = []
        for _ in range(n):
            m = resnet20([keep(c) for c in (16, 32, 64)], [keep(c) for c in [16] * 3 + [32] * 3 + [64] * 3])
            with torch.no_grad():  # statistics of real activations, as in evoprune's case
                m.train()
                m(x[:512])
                m.eval()
            out.append(m)
        return out

    rates = []
    with torch.no_grad():
        for m in nets(2):  # warm-up
            m(x[:256])
        for _ in range(rounds):
            batch = nets()
            start = time.time()
            for m in batch:
                correct = 0
                for s in range(0, 5000, 128):
                    correct += (m(x[s:s + 128]).argmax(1) == y[s:s + 128]).sum().item()
            rates.append(len(batch) / (time.time() - start))
    print(f"naive_evals_per_s={statistics.median(rates):.3f} (min {min(rates):.3f}, max {max(rates):.3f}, {rounds} rounds of 32 masks)", flush=True)


if __name__ == "__main__":
    main()

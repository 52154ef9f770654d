#!/usr/bin/env python3
"""Side-by-side reference for `evoprune bench`: the naive fitness loop in
PyTorch on the same libtorch (Debian's python3-torch): for each of 32 neuron
masks of LeNet-300-100 (50 % density), apply the mask and run the full forward
pass on 5,000 validation samples. Not needed by evoprune.

usage: torch_fitness.py [threads] [seconds]
Prints: naive_evals_per_s=<f>
"""
import sys, time
import torch
import torch.nn as nn

def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    fc1, fc2, fc3 = nn.Linear(784, 300), nn.Linear(300, 100), nn.Linear(100, 10)
    x = torch.randn(5000, 784)
    y = torch.randint(0, 10, (5000,))

    def masks(n=32):
        out = []
        for _ in range(n):
            m1 = torch.zeros(300); m1[torch.randperm(300)[:150]] = 1
            m2 = torch.zeros(100); m2[torch.randperm(100)[:50]] = 1
            out.append((m1, m2))
        return out

    evals, start = 0, time.time()
    with torch.no_grad():
        while time.time() - start < seconds or evals == 0:
            for m1, m2 in masks():
                h1 = torch.relu(fc1(x)) * m1
                h2 = torch.relu(fc2(h1)) * m2
                acc = (fc3(h2).argmax(1) == y).float().mean().item()
                evals += 1
    print(f"naive_evals_per_s={evals / (time.time() - start):.1f}", flush=True)

if __name__ == "__main__":
    main()

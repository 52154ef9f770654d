#!/usr/bin/env bash
# `make bench`: evoprune's fitness-engine benchmark, and, when Debian's
# python3-torch (the same libtorch) is installed, the PyTorch references side
# by side: the naive fitness loop, the best per-mask loop for ResNet-20 channel
# masks and one training epoch of LeNet-300-100.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/evoprune
mnist=$(go env GOMODCACHE)/github.com/petar/\!go\!m\!n\!i\!s\!t@v0.0.0-20150320212226-2fbe10d0fa63/data
echo "== evoprune bench (2 threads)"
$bin bench
echo "== evoprune: one epoch of LeNet-300-100 on MNIST (Adam 1.2e-3, batch 60, 2 threads)"
$bin run configs/lenet300-mnist.yaml --out "$(mktemp -d)" --set train.epochs=2 --set train.schedule=constant \
  --set search.algorithm=global-magnitude --set reconstruct.method=none | grep -E "^train: epoch"
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'): naive fitness loop"
  /usr/bin/python3 bench/torch_fitness.py 2
  echo "== PyTorch: best per-mask loop for ResNet-20 channel masks (rebuilt networks, batches of 128)"
  /usr/bin/python3 bench/torch_resnet_fitness.py 2 2
  echo "== PyTorch: LeNet-300-100 training epochs"
  /usr/bin/python3 bench/torch_train.py "$mnist" 2 2
else
  echo "(python3-torch not installed: apt-get install python3-torch for the PyTorch side)"
fi

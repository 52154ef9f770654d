#!/usr/bin/env bash
# Issue 4's leaderboard: every strategy on LeNet-300-100 / MNIST at 90 %
# weight sparsity and at 50 % of the hidden neurons removed, all from
# configs/lenet300-mnist.yaml (same dense network, same 10-epoch fine-tuning;
# iterative-magnitude retrains 2 rounds x 5 epochs instead). Seed 1 unless
# SEEDS="1 2 3". Writes runs/strategies and prints markdown leaderboards.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/strategies}
seeds=${SEEDS:-1}
cfg=configs/lenet300-mnist.yaml
run() { # name, then --set pairs
  local name=$1
  shift
  for s in $seeds; do
    if ls "$out/$name"/*-s"$s"/metrics.json >/dev/null 2>&1; then
      echo "skip $name seed $s (done)"
      continue
    fi
    local sets=(--set "name=$name" --set "seed=$s")
    for kv in "$@"; do sets+=(--set "$kv"); done
    echo "== $name seed $s"
    bin/evoprune run "$cfg" --out "$out" "${sets[@]}" | tail -n 1
  done
}
w=(prune.granularity=weight prune.target_sparsity=0.9)
run w90-genetic "${w[@]}"
run w90-random "${w[@]}" search.algorithm=random
run w90-global-magnitude "${w[@]}" search.algorithm=global-magnitude
run w90-threshold-q1.6 "${w[@]}" search.algorithm=threshold prune.q=1.6
run w90-iterative-magnitude "${w[@]}" search.algorithm=iterative-magnitude prune.rounds=2 reconstruct.epochs=5
run w90-degree-k2 "${w[@]}" search.algorithm=degree prune.k=2
run w90-layerwise "${w[@]}" search.algorithm=layerwise
run w90-layer-genetic prune.granularity=layer prune.target_sparsity=0.9
n=(prune.granularity=neuron prune.target_sparsity=0.5)
run n50-genetic "${n[@]}"
run n50-random "${n[@]}" search.algorithm=random
run n50-l1-magnitude "${n[@]}" search.algorithm=global-magnitude
run n50-activation "${n[@]}" search.algorithm=global-magnitude prune.criterion=activation
run n50-taylor "${n[@]}" search.algorithm=global-magnitude prune.criterion=taylor
run n50-threshold-k0 "${n[@]}" search.algorithm=threshold prune.k=0
run n50-iterative-magnitude "${n[@]}" search.algorithm=iterative-magnitude prune.rounds=2 reconstruct.epochs=5
run n50-greedy "${n[@]}" search.algorithm=greedy
run n50-layerwise "${n[@]}" search.algorithm=layerwise
run n50-genetic-refit "${n[@]}" reconstruct.method=refit+finetune
for g in w90 n50; do
  echo "== leaderboard $g"
  bin/evoprune leaderboard "$out"/$g-* --format markdown
done

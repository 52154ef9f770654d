#!/usr/bin/env bash
# SIGINT at ten moments of an experiment (default: the default experiment),
# then --resume: prints, per moment, the step the run stopped in, its exit
# code, and whether the resumed run's mask.json and final test accuracy equal
# an uninterrupted run's. (The test TestSigintAtTenMomentsThenResume does
# the same on a tiny config.) Usage: bench/sigint.sh [CONFIG.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=${1:-configs/lenet300-mnist.yaml}
root=$(mktemp -d)
final() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["final"]["accuracy"])' "$1/metrics.json"; }
bin/evoprune run "$cfg" --out "$root/ref" > "$root/ref.log" 2>&1
ref=$(ls -d "$root"/ref/*/*/ | head -1)
echo "uninterrupted: final acc $(final "$ref")"
# Moments during dense training use their own output folder (no cached
# dense model); the others share one whose cache the first of them fills.
moments=("train: epoch 1/" "train: epoch 10/" "dense: test acc" "search: " "gen   1/" "gen  20/" "gen  39/"
  "rebuild:" "finetune: epoch 1/" "finetune: epoch 9/")
i=0
for m in "${moments[@]}"; do
  i=$((i + 1))
  out="$root/shared"
  case "$m" in train:*) out="$root/own$i" ;; esac
  log="$root/m$i.log"
  bin/evoprune run "$cfg" --out "$out" > "$log" 2>&1 &
  pid=$!
  until grep -qF "$m" "$log" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.05; done
  kill -INT $pid 2>/dev/null || true
  code=0; wait $pid || code=$?
  dir=$(grep -oE "^run [^:]+" "$log" | head -1 | cut -c5-)
  dir=$(ls -d "$out"/*/"$dir")
  stage=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stage"])' "$dir/status.json")
  bin/evoprune run --resume "$dir" > "$root/r$i.log" 2>&1
  same=no
  cmp -s "$ref/mask.json" "$dir/mask.json" && [ "$(final "$ref")" = "$(final "$dir")" ] && same=yes
  printf '%-22s exit %3s  stopped in %-9s  resumed: mask.json and final acc identical: %s (%s)\n' "\"$m\"" "$code" "$stage" "$same" "$(final "$dir")"
done
rm -rf "$root"

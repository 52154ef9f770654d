#!/usr/bin/env bash
# gpu-check.sh OUTDIR — runs from a bundle made by `make gpu-bundle` on a
# machine with a C++ compiler and PyTorch (CUDA) but no Go:
#   1. builds libtch.so against that PyTorch's libtorch (gotchsetup -lib-only,
#      stubbing the wrappers that do not compile against it, as set-up does),
#   2. runs the prebuilt evoprune on it: `evoprune bench --json` and a short
#      default experiment, on DEVICE and, for comparison, on the CPU.
# Environment: LIBTORCH (default: the torch/ folder of python3's PyTorch),
# DEVICE (cuda | cpu, default cuda), EPOCHS (dense training epochs, default 3),
# POP (bench population, default 32).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"; out=$(cd "$1" && pwd)
device=${DEVICE:-cuda}
epochs=${EPOCHS:-3}
start=$(date +%s)
log() { echo "[$(( $(date +%s) - start ))s] $*" | tee -a "$out/gpu-check.log"; }

torch=${LIBTORCH:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
abi=${TORCH_CXX11_ABI:-$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)}
log "libtorch: $torch (CXX11 ABI $abi), device $device"
TORCH_CXX11_ABI=$abi "$here/gotchsetup" -lib-only -src "$here/gotch" -libtorch "$torch" -shared "$out/libtch" >> "$out/gotchsetup.log" 2>&1 ||
  { log "building libtch.so failed:"; tail -20 "$out/gotchsetup.log"; exit 1; }
log "libtch.so built"

libdir=$torch/lib; [ -e "$libdir/libtorch_cpu.so" ] || libdir=$torch/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH="$out/libtch:$libdir:${LD_LIBRARY_PATH:-}"
export EVOPRUNE_MNIST_DIR="$here/mnist"
devices=$device; [ "$device" = cpu ] || devices="$device cpu"
for d in $devices; do
  "$here/evoprune" bench --json --device "$d" --seconds 1 --population "${POP:-32}" > "$out/bench-$d.json"
  log "bench on $d: $(tr -d ' \n' < "$out/bench-$d.json" | grep -o '"engine_evals_per_s":[0-9.]*' | head -1)"
done
for d in $devices; do
  "$here/evoprune" run "$here/configs/lenet300-mnist.yaml" --out "$out/runs-$d" --set device="$d" \
    --set train.epochs="$epochs" --set search.generations=10 --set reconstruct.epochs=2 > "$out/run-$d.log" 2>&1
  m=$(ls "$out/runs-$d"/*/*/metrics.json)
  cp "$m" "$out/metrics-$d.json"
  log "run on $d: $(grep -A1 '"final"' "$m" | tr -d ' \n') — $(grep -E '^final:' "$out/run-$d.log")"
done
log "done"

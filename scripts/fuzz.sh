#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 10m), one at a time on
# one worker, and stops at the first failure (its input is then written to
# the package's testdata/fuzz/<Target>/ for `go test` to replay).
# New interesting inputs are minimised for at most 2 s: the default (60 s)
# stalls the config targets, whose inputs are whole YAML files.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10m}
targets=(
  "./config FuzzParse"
  "./config FuzzLoadSweep"
  "./data FuzzIDXImages"
  "./data FuzzIDXLabels"
  "./data FuzzCIFAR"
  "./search FuzzCheckpoint"
  "./interop FuzzReaders"
)
for t in "${targets[@]}"; do
  set -- $t
  echo "== $2 ($1), $FUZZTIME"
  go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s -parallel 1 2>&1 | tail -3
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$2: FAILED"; exit 1; }
done
echo "all fuzz targets passed ($FUZZTIME each)"

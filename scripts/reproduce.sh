#!/usr/bin/env bash
# `make reproduce`: runs every configs/reproduce/*.yaml for seeds 1–3 as a
# sweep (finished trials are skipped, so an interrupted run picks up where it
# stopped), then writes docs/reproduce.md (paper vs ours, mean ± std over the
# seeds) and the plots in docs/img/.
#   OUT=dir       run tree (default runs/reproduce)
#   SEEDS="1, 2"  seeds (default "1, 2, 3")
#   ONLY=name     run only configs/reproduce/<name>.yaml (repeatable: "a b")
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/reproduce}
seeds=${SEEDS:-1, 2, 3}
names=${ONLY:-han2015-lenet300 han2015-lenet300-layer-ga han2015-lenet300-weight-ga han2015-lenet300-25x han2015-lenet5 lth2019-lenet300-rewind lth2019-lenet300-reinit}
mkdir -p "$out/sweeps" docs/img
for name in $names; do
  cfg=configs/reproduce/$name.yaml
  [ -f "$cfg" ] || { echo "reproduce: no $cfg" >&2; exit 2; }
  printf 'base: %s\nseeds: [%s]\n' "$PWD/$cfg" "$seeds" > "$out/sweeps/$name.yaml"
  echo "== $name (seeds $seeds)"
  start=$(date +%s)
  bin/evoprune sweep "$out/sweeps/$name.yaml" --out "$out"
  echo "== $name: $(( $(date +%s) - start )) s"
done
go run ./scripts/reproreport -runs "$out" -out docs/reproduce.md -img docs/img

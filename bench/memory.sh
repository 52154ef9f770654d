#!/usr/bin/env bash
# Resident memory over a 200-generation search (issue: no memory growth).
# Prints RSS after warm-up (generation 20), every 30 generations, at the end
# of the search, and the peak over the rest of the run (rebuild, metrics,
# latency at batch 256: libtorch's buffers for those are not the search's).
# Extra arguments go to `evoprune run` (e.g. --set model.arch=resnet20).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
log=$out/log
bin/evoprune run configs/lenet300-mnist.yaml --out "$out" --set train.epochs=1 \
  --set search.generations=200 --set reconstruct.method=none "$@" > "$log" 2>&1 &
pid=$!
rss() { awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0; }
warm=0; last=0; peak=0; next=20; trace=""
while kill -0 $pid 2>/dev/null; do
  gen=$(grep -oE "^gen +[0-9]+" "$log" | tail -1 | awk "{print \$2}" || true)
  r=$(rss); r=${r:-0}
  if [ -n "$gen" ]; then
    [ "$gen" -ge 20 ] && [ "$warm" -eq 0 ] && warm=$r
    [ "$gen" -ge "$next" ] && [ "$gen" -lt 200 ] && { trace="$trace gen$gen=$r"; next=$((next + 30)); }
    [ "$gen" -lt 200 ] && last=$r
    [ "$gen" -ge 200 ] && [ "$r" -gt "$peak" ] && peak=$r
  fi
  sleep 0.2
done
wait $pid
echo "rss_kib:$trace"
echo "rss_kib_gen20=$warm rss_kib_search_end=$last search_growth=$(awk -v a=$warm -v b=$last 'BEGIN{printf "%.1f%%", 100*(b-a)/a}') rss_kib_peak_after_search=$peak"
rm -rf "$out"

#!/usr/bin/env bash
# Resident memory over a 200-generation search (issue: no memory growth).
# Prints RSS after warm-up (generation 20) and at the end of the search.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
log=$out/log
bin/evoprune run configs/lenet300-mnist.yaml --out "$out" --set train.epochs=1 \
  --set search.generations=200 --set reconstruct.method=none "$@" > "$log" 2>&1 &
pid=$!
rss() { awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0; }
warm=0; last=0; peak=0
while kill -0 $pid 2>/dev/null; do
  gen=$(grep -oE "^gen +[0-9]+" "$log" | tail -1 | awk "{print \$2}" || true)
  r=$(rss)
  if [ -n "$gen" ]; then
    [ "$gen" -ge 20 ] && [ "$warm" -eq 0 ] && warm=$r
    [ "$gen" -ge 20 ] && [ "$r" -gt "$peak" ] && peak=$r
    [ "$gen" -lt 200 ] && last=$r
  fi
  sleep 0.2
done
wait $pid
echo "rss_kib_gen20=$warm rss_kib_last=$last rss_kib_peak_after_gen20=$peak growth=$(awk -v a=$warm -v b=$peak 'BEGIN{printf "%.1f%%", 100*(b-a)/a}')"
rm -rf "$out"

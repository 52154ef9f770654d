#!/usr/bin/env bash
# Resident memory over a 20-trial sweep in one process (issue: limits are
# enforced; RSS growth < 10 %). The sweep prints its resident memory after
# every trial (freed memory handed back first); this prints them, the growth
# from the end of trial 1 and from the end of trial 3 (every kind of trial
# has run once by then) to the end of trial 20, and the peak RSS of the first
# and of the second ten trials, sampled every 0.2 s. Extra arguments go to
# `evoprune sweep`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
log=$out/log
bin/evoprune validate bench/sweep-memory.yaml > /dev/null
bin/evoprune sweep bench/sweep-memory.yaml --out "$out" "$@" > "$log" 2>&1 &
pid=$!
peak1=0; peak2=0
while kill -0 $pid 2>/dev/null; do
  r=$(awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0); r=${r:-0}
  n=$(grep -cE "resident memory" "$log" || true)
  if [ "$n" -lt 10 ]; then [ "$r" -gt "$peak1" ] && peak1=$r; else [ "$r" -gt "$peak2" ] && peak2=$r; fi
  sleep 0.2
done
wait $pid || { cat "$log"; exit 1; }
mapfile -t mb < <(grep -oE "resident memory [0-9]+ MB" "$log" | awk '{print $3}')
n=${#mb[@]}
echo "resident MB after each of $n trials: ${mb[*]}"
awk -v a="${mb[0]}" -v c="${mb[2]}" -v b="${mb[$((n-1))]}" -v p1="$peak1" -v p2="$peak2" 'BEGIN{
  printf "growth trial 1 -> %d: %.1f%% (%d -> %d MB); trial 3 -> %d: %.1f%%; peak RSS trials 1-10 %.0f MB, 11-20 %.0f MB (%+.1f%%)\n",
    '"$n"', 100*(b-a)/a, a, b, '"$n"', 100*(b-c)/c, p1/1024, p2/1024, 100*(p2-p1)/p1 }'
rm -rf "$out"

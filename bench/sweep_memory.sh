#!/usr/bin/env bash
# Resident memory over a 20-trial sweep in one process (issue: limits are
# enforced; RSS growth < 10 %). Prints RSS after each trial and the growth
# from the end of trial 1 to the end of trial 20, and between the peaks of
# the first and the second ten trials. Extra arguments go to `evoprune sweep`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
log=$out/log
bin/evoprune validate bench/sweep-memory.yaml > /dev/null
bin/evoprune sweep bench/sweep-memory.yaml --out "$out" "$@" > "$log" 2>&1 &
pid=$!
rss() { awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0; }
done_n=0; peak1=0; peak2=0; trace=""
declare -A after
while kill -0 $pid 2>/dev/null; do
  r=$(rss); r=${r:-0}
  n=$(grep -cE "^\[[0-9]+/[0-9]+\] trial .*: (run|resumed) in" "$log" || true)
  if [ "$n" -lt 10 ]; then [ "$r" -gt "$peak1" ] && peak1=$r; else [ "$r" -gt "$peak2" ] && peak2=$r; fi
  if [ "$n" -gt "$done_n" ]; then
    done_n=$n; after[$n]=$r; trace="$trace t$n=$r"
  fi
  sleep 0.2
done
wait $pid || { cat "$log"; exit 1; }
first=${after[1]:-0}; last=${after[$done_n]:-0}
echo "rss_kib after each trial:$trace"
echo "trials=$done_n rss_kib_trial1=$first rss_kib_trial$done_n=$last growth=$(awk -v a=$first -v b=$last 'BEGIN{printf "%.1f%%", 100*(b-a)/a}')" \
  "peak_kib_trials1-10=$peak1 peak_kib_trials11-20=$peak2 peak_growth=$(awk -v a=$peak1 -v b=$peak2 'BEGIN{printf "%.1f%%", 100*(b-a)/a}')"
rm -rf "$out"

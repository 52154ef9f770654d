#!/usr/bin/env python3
"""Best front mask within each FLOPs budget of a pareto run (issue 15).

  python3 bench/front_at.py RUN_DIR [0.2 0.4 0.6 0.8 0.9 0.95]

For each share of the dense FLOPs removed, prints the most accurate mask of
RUN_DIR/pareto.json (validation accuracy before fine-tuning) that removes at
least that share, to set beside one fixed-budget run per share.
"""
import json
import os
import sys


def main():
    run = sys.argv[1]
    budgets = [float(b) for b in sys.argv[2:]] or [0.2, 0.4, 0.6, 0.8, 0.9, 0.95]
    front = json.load(open(os.path.join(run, "pareto.json")))
    dense = json.load(open(os.path.join(run, "metrics.json")))["dense"]["flops"]
    pts = front["points"]
    lo = min(1 - p["flops"] / dense for p in pts)
    hi = max(1 - p["flops"] / dense for p in pts)
    print(f"{len(pts)} front masks, {100*lo:.1f} % to {100*hi:.1f} % of the FLOPs removed")
    for b in budgets:
        ok = [p for p in pts if 1 - p["flops"] / dense >= b - 1e-9]
        if not ok:
            print(f"{100*b:5.1f} %  none")
            continue
        p = max(ok, key=lambda p: p["val_accuracy"])
        print(f"{100*b:5.1f} %  {100*p['val_accuracy']:.2f} %  ({100*(1-p['flops']/dense):.1f} % removed, {'-'.join(map(str, p['kept']))})")


if __name__ == "__main__":
    main()

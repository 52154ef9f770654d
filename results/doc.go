// Package results owns everything a run leaves on disk and everything read
// back from it: the run directory layout, metrics.json, history.csv and
// log.txt (see the contract's "Run directory" and "metrics.json" sections),
// atomic file writes, run discovery and the leaderboard.
package results

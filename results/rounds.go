package results

import (
	"path/filepath"
)

// RoundsFile records the rounds of iterative pruning.
const RoundsFile = "rounds.json"

// RoundRow is the network after one round of iterative pruning; round 0 is
// the dense network. Test accuracy is for reports (the Lottery Ticket
// curve); no strategy chooses by it.
type RoundRow struct {
	Round        int     `json:"round"`
	Remaining    float64 `json:"remaining"` // fraction of prunable slots kept
	ValAccuracy  float64 `json:"val_accuracy"`
	TestAccuracy float64 `json:"test_accuracy"`
}

// WriteRounds rewrites rounds.json atomically with all rounds so far.
func (d *RunDir) WriteRounds(rows []RoundRow) error {
	return WriteJSON(d.File(RoundsFile), rows)
}

// ReadRounds reads a run directory's rounds.json.
func ReadRounds(dir string) ([]RoundRow, error) {
	return readJSON[[]RoundRow](filepath.Join(dir, RoundsFile), "rounds")
}

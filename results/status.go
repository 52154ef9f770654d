package results

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// StatusFile says what became of a run: running, finished, failed or
// interrupted, so a directory without metrics.json explains itself.
const StatusFile = "status.json"

// Run states recorded in status.json.
const (
	StateRunning     = "running"
	StateFinished    = "finished"
	StateFailed      = "failed"
	StateInterrupted = "interrupted"
)

// Status is the content of status.json.
type Status struct {
	State   string    `json:"state"`
	Stage   string    `json:"stage,omitempty"` // the pipeline step it was in
	Error   string    `json:"error,omitempty"`
	Resume  string    `json:"resume,omitempty"` // the command that continues it
	PID     int       `json:"pid"`
	Updated time.Time `json:"updated"`
}

// WriteStatus writes status.json atomically.
func (d *RunDir) WriteStatus(s Status) error {
	if s.PID == 0 {
		s.PID = os.Getpid()
	}
	if s.Updated.IsZero() {
		s.Updated = time.Now().UTC()
	}
	return WriteJSON(d.File(StatusFile), s)
}

// ReadStatus reads status.json; a missing file is an error.
func (d *RunDir) ReadStatus() (*Status, error) {
	b, err := os.ReadFile(d.File(StatusFile))
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read status %s: %w", d.File(StatusFile), err)
	}
	return &s, nil
}

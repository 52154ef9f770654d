package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names inside a run directory (see the contract).
const (
	MetricsFile   = "metrics.json"
	HistoryFile   = "history.csv"
	LogFile       = "log.txt"
	ConfigFile    = "config.yaml"
	MaskFile      = "mask.json"
	ModelFile     = "model.ot"
	ArchFile      = "arch.json"
	CheckpointDir = "checkpoint"
)

// RunDir is one run directory, <out>/<name>/<run-id>/.
type RunDir struct {
	Path string
}

// NewRunID returns a run id such as "20261129-131500-s1": the UTC time to
// the second, then the seed. Ids of one experiment sort by start time.
func NewRunID(t time.Time, seed int64) string {
	return fmt.Sprintf("%s-s%d", t.UTC().Format("20060102-150405"), seed)
}

// CreateRunDir creates <out>/<name>/<runID>/. An existing directory is
// reused unless it already holds a finished run (a metrics.json).
func CreateRunDir(out, name, runID string) (*RunDir, error) {
	if err := checkPathPart("experiment name", name); err != nil {
		return nil, err
	}
	if err := checkPathPart("run id", runID); err != nil {
		return nil, err
	}
	d := &RunDir{Path: filepath.Join(out, name, runID)}
	if _, err := os.Stat(d.File(MetricsFile)); err == nil {
		return nil, fmt.Errorf("run directory %s already holds a finished run (%s)", d.Path, MetricsFile)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	return d, nil
}

// CreateNewRunDir creates a run directory that did not exist before:
// <out>/<name>/<runID>/, or <runID>-2, -3, ... when a run of the same
// experiment and seed started in the same second.
func CreateNewRunDir(out, name, runID string) (*RunDir, error) {
	if err := checkPathPart("experiment name", name); err != nil {
		return nil, err
	}
	if err := checkPathPart("run id", runID); err != nil {
		return nil, err
	}
	parent := filepath.Join(out, name)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	id := runID
	for i := 2; ; i++ {
		path := filepath.Join(parent, id)
		err := os.Mkdir(path, 0o755)
		if err == nil {
			return &RunDir{Path: path}, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return nil, fmt.Errorf("create run directory: %w", err)
		}
		id = fmt.Sprintf("%s-%d", runID, i)
	}
}

// checkPathPart rejects names that would escape or collapse a path level.
func checkPathPart(what, s string) error {
	switch {
	case s == "" || s == "." || s == "..":
		return fmt.Errorf("invalid %s %q", what, s)
	case strings.ContainsAny(s, `/\`) || strings.ContainsRune(s, 0):
		return fmt.Errorf("invalid %s %q: must not contain path separators", what, s)
	}
	return nil
}

// OpenRunDir opens an existing run directory (for --resume and eval).
func OpenRunDir(path string) (*RunDir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open run directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open run directory: %s is not a directory", path)
	}
	return &RunDir{Path: path}, nil
}

// File returns the path of a file inside the run directory.
func (d *RunDir) File(name string) string {
	return filepath.Join(d.Path, name)
}

// WriteMetrics writes metrics.json atomically.
func (d *RunDir) WriteMetrics(r *Run) error {
	if r == nil {
		return fmt.Errorf("write %s: no run", d.File(MetricsFile))
	}
	return WriteJSON(d.File(MetricsFile), r)
}

// Log opens log.txt for appending, creating it if needed.
func (d *RunDir) Log() (io.WriteCloser, error) {
	f, err := os.OpenFile(d.File(LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// ReadRun reads metrics.json; path is either a run directory or the file.
func ReadRun(path string) (*Run, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, MetricsFile)
	}
	r, err := readJSON[Run](path, "run")
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// readJSON reads and decodes one JSON file; what names it in errors.
func readJSON[T any](path, what string) (T, error) {
	var v T
	data, err := os.ReadFile(path)
	if err != nil {
		return v, fmt.Errorf("read %s: %w", what, err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	return v, nil
}

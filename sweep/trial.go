package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/results"
)

// TrialState says what a sweep did with a trial.
type TrialState string

// Trial states. The values appear in progress lines.
const (
	TrialRun     TrialState = "run"     // started from scratch
	TrialResumed TrialState = "resumed" // continued from a search checkpoint
	TrialSkipped TrialState = "skipped" // already finished
	// TrialInterrupted: stopped by the sweep's context, or never started.
	TrialInterrupted TrialState = "interrupted"
	// TrialBusy: another process (another copy of the sweep) is running
	// it. Not a failure: two copies of one sweep share its trials.
	TrialBusy TrialState = "busy"
)

// TrialFile marks a run directory as a sweep trial's. It records the
// trial's identity so that a directory is never mistaken for another
// trial's, and the overrides so that a reader sees where the run came from.
const TrialFile = ".trial"

// trialMarker is the content of TrialFile.
type trialMarker struct {
	Index     int      `json:"index"`
	ID        string   `json:"id"`
	Overrides []string `json:"overrides"`
}

// TrialRunID is the run id of a trial's directory, "t<index>-<id>": fixed,
// so that running a sweep again finds the directories of earlier runs.
func TrialRunID(t config.Trial) string {
	return fmt.Sprintf("t%d-%s", t.Index, t.ID)
}

// TrialOutcome is a trial that ran to the end or was already finished.
type TrialOutcome struct {
	State TrialState
	Dir   string
	Run   *results.Run
}

// PlanTrial says what RunTrial would do with t: skip it (finished), resume
// it (a search checkpoint exists) or run it. It also returns the run
// directory, "" when none exists yet.
func PlanTrial(out string, t config.Trial) (TrialState, string, error) {
	dir, err := findTrial(out, t)
	if err != nil || dir == "" {
		return TrialRun, "", err
	}
	if trialFileExists(filepath.Join(dir, results.MetricsFile)) {
		return TrialSkipped, dir, nil
	}
	if trialFileExists(filepath.Join(dir, results.CheckpointDir, "search.json")) {
		return TrialResumed, dir, nil
	}
	return TrialRun, dir, nil
}

// RunTrial runs one sweep trial in its own run directory under o.Out
// (o.Resume is ignored): a finished trial is skipped and its metrics read
// back, a half-finished one continues from its checkpoint, a new one
// starts. The trial's experiment is used as it is: set Threads before.
func RunTrial(t config.Trial, o experiments.RunOptions) (*TrialOutcome, error) {
	if t.Experiment == nil {
		return nil, fmt.Errorf("%s: no experiment", t)
	}
	if o.Out == "" {
		o.Out = "runs"
	}
	state, dir, err := PlanTrial(o.Out, t)
	if err != nil {
		return nil, err
	}
	if state == TrialSkipped {
		r, err := results.ReadRun(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		return &TrialOutcome{State: state, Dir: dir, Run: r}, nil
	}
	if dir == "" {
		if dir, err = newTrialDir(o.Out, t); err != nil {
			return nil, err
		}
	}
	// Resume on a directory without a checkpoint is a fresh run in that
	// directory: the way to give Run a fixed run id. Run writes the
	// trial's config.yaml there under the directory's lock.
	o.Resume = dir
	oc, err := experiments.Run(t.Experiment, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	return &TrialOutcome{State: state, Dir: oc.Dir, Run: oc.Run}, nil
}

// newTrialDir creates <out>/<name>/t<index>-<id>/ with its marker.
func newTrialDir(out string, t config.Trial) (string, error) {
	d, err := results.CreateRunDir(out, t.Experiment.Name, TrialRunID(t))
	if err != nil {
		return "", fmt.Errorf("%s: %w", t, err)
	}
	m, err := json.MarshalIndent(trialMarker{Index: t.Index, ID: t.ID, Overrides: t.Overrides}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("%s: %w", t, err)
	}
	if err := results.WriteFileAtomic(d.File(TrialFile), append(m, '\n')); err != nil {
		return "", fmt.Errorf("%s: %w", t, err)
	}
	return d.Path, nil
}

// findTrial returns the run directory holding trial t, or "". It matches
// on the trial id rather than the whole run id so that a trial keeps its
// directory when an edit of the grid renumbers the trials. Among several
// matches a finished one wins.
func findTrial(out string, t config.Trial) (string, error) {
	if t.Experiment == nil || t.ID == "" || strings.ContainsAny(t.ID, `*?[/\`) {
		return "", fmt.Errorf("%s: invalid trial", t)
	}
	matches, err := filepath.Glob(filepath.Join(out, t.Experiment.Name, "t*-"+t.ID))
	if err != nil {
		return "", fmt.Errorf("%s: look for its run directory: %w", t, err)
	}
	sort.Strings(matches)
	var found string
	for _, dir := range matches {
		ok, err := isTrialDir(dir, t.ID)
		if err != nil {
			return "", fmt.Errorf("%s: %w", t, err)
		}
		if !ok {
			continue
		}
		if trialFileExists(filepath.Join(dir, results.MetricsFile)) {
			return dir, nil
		}
		if found == "" {
			found = dir
		}
	}
	return found, nil
}

// isTrialDir reports whether dir holds the marker of trial id.
func isTrialDir(dir, id string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, TrialFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read trial marker: %w", err)
	}
	var m trialMarker
	if err := json.Unmarshal(b, &m); err != nil {
		return false, fmt.Errorf("read trial marker %s: %w", filepath.Join(dir, TrialFile), err)
	}
	return m.ID == id, nil
}

func trialFileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

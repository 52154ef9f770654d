package experiments

import (
	"fmt"
	"os"

	"github.com/evoprune/evoprune/data"
)

// InputError is an error in what the user gave (config, data, checkpoint)
// found before any work started: the CLI exits 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// CheckInputs checks what can be checked before a run starts: the data
// files are present and readable, and the checkpoint file exists.
func CheckInputs(e *Experiment) error {
	if err := data.Check(e.loaderConfig()); err != nil {
		key := "data"
		if e.Data.Dir != "" {
			key = "data.dir"
		}
		return &InputError{fmt.Errorf("%s: %w", key, err)}
	}
	if ck := e.Model.Checkpoint; ck != "" {
		if _, err := os.Stat(ck); err != nil {
			return &InputError{fmt.Errorf("model.checkpoint: %w", err)}
		}
	}
	return nil
}

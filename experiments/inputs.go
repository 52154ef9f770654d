package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/data"
	"github.com/evoprune/evoprune/interop"
)

// InputError is an error in what the user gave (config, data, checkpoint,
// output folder) found before any work started: the CLI exits 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// CheckInputs checks what can be checked before a run starts: the data
// files are present and readable, and model.checkpoint holds the weights of
// the configured architecture.
func CheckInputs(e *config.Experiment) error {
	if err := data.Check(DataConfig(e)); err != nil {
		key := "data"
		if e.Data.Dir != "" {
			key = "data.dir"
		}
		return &InputError{fmt.Errorf("%s: %w", key, err)}
	}
	if ck := e.Model.Checkpoint; ck != "" {
		if err := checkCheckpoint(e, ck); err != nil {
			return &InputError{fmt.Errorf("model.checkpoint: %w", err)}
		}
	}
	return nil
}

// checkCheckpoint loads the checkpoint into the configured architecture on
// the CPU: a missing, foreign or mis-shaped file fails here, not after data
// loading.
func checkCheckpoint(e *config.Experiment, path string) (err error) {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	shape, classes, err := data.Shape(DataConfig(e))
	if err != nil {
		return err
	}
	arch, err := archFor(e, shape, classes)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil { // libtorch on a file it cannot parse
			err = fmt.Errorf("%s: not a model file of %s: %v", path, arch.Name, r)
		}
	}()
	n, err := interop.Load(arch, path, gotch.CPU)
	if err != nil {
		return err
	}
	n.Drop()
	return nil
}

// CheckOutput checks that run directories can be created under out: the
// nearest existing folder on its path is a writable directory.
func CheckOutput(out string) error {
	if out == "" {
		out = "runs"
	}
	dir := filepath.Clean(out)
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return &InputError{fmt.Errorf("--out %s: %s is not a directory", out, dir)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return &InputError{fmt.Errorf("--out %s: %w", out, err)}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	f, err := os.CreateTemp(dir, ".evoprune-write-test-*")
	if err != nil {
		return &InputError{fmt.Errorf("--out %s: not writable: %w", out, err)}
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

package results

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// FindRuns walks dirs recursively and reads every metrics.json below them.
// It returns the runs and, at the same index, the run directory each came
// from. With no dirs it searches the current directory. A run reached
// through two of the dirs is listed once. A metrics.json that cannot be
// read is an error naming the file. Runs that share a group key but not
// their configuration get a Variant (SetVariants).
func FindRuns(dirs ...string) ([]*Run, []string, error) {
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	var runs []*Run
	var runDirs []string
	seen := map[string]bool{}
	for _, root := range dirs {
		err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() || e.Name() != MetricsFile {
				return nil
			}
			key, err := filepath.Abs(path)
			if err != nil {
				key = path
			}
			if seen[key] {
				return nil
			}
			seen[key] = true
			r, err := ReadRun(path)
			if err != nil {
				return err
			}
			runs = append(runs, r)
			runDirs = append(runDirs, filepath.Dir(path))
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("find runs in %s: %w", root, err)
		}
	}
	SetVariants(runs, runDirs)
	return runs, runDirs, nil
}

package config

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem in a configuration. File is the file name, or
// "--set key=value" for a problem caused by a command-line override; Line
// and Col are 1-based and 0 when unknown. Path is the key path such as
// "search.population" (empty for problems with the file as a whole).
type FieldError struct {
	File string
	Line int
	Col  int
	Path string
	Msg  string
	Err  error // underlying cause, if any (for errors.Is)
}

// Error formats the problem as "file:line:col: path: msg".
func (f FieldError) Error() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
			if f.Col > 0 {
				fmt.Fprintf(&b, ":%d", f.Col)
			}
		}
		b.WriteString(": ")
	}
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Msg)
	return b.String()
}

// ConfigError holds every problem found in a configuration.
type ConfigError struct {
	Errors []FieldError
}

// Error lists the problems, one per line.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		lines[i] = f.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the underlying causes, so errors.Is(err, fs.ErrNotExist)
// works for a missing file.
func (e *ConfigError) Unwrap() []error {
	var errs []error
	for _, f := range e.Errors {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errs
}

// origin is where a value came from: a file position or a --set override.
type origin struct {
	file      string
	line, col int
}

func (o origin) fail(path, format string, args ...any) FieldError {
	return FieldError{File: o.file, Line: o.line, Col: o.col, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// errorList collects FieldErrors without duplicates.
type errorList struct {
	errs []FieldError
	seen map[string]bool
}

func (l *errorList) add(f FieldError) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if s := f.Error(); !l.seen[s] {
		l.seen[s] = true
		l.errs = append(l.errs, f)
	}
}

func (l *errorList) addAll(fs []FieldError) {
	for _, f := range fs {
		l.add(f)
	}
}

// err returns nil or a *ConfigError with the problems ordered by file (in
// order of first appearance), then line and column.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	rank := map[string]int{}
	for _, f := range l.errs {
		if _, ok := rank[f.File]; !ok {
			rank[f.File] = len(rank)
		}
	}
	errs := append([]FieldError(nil), l.errs...)
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if rank[a.File] != rank[b.File] {
			return rank[a.File] < rank[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return &ConfigError{Errors: errs}
}

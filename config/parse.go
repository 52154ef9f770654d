package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseDoc parses src as a single YAML document whose top level is a
// mapping, and returns that mapping.
func parseDoc(file string, src []byte) (root *yaml.Node, err error) {
	defer func() { // yaml.v3 must not crash the program on odd input
		if r := recover(); r != nil {
			root, err = nil, &ConfigError{Errors: []FieldError{{File: file, Msg: fmt.Sprintf("invalid YAML: %v", r)}}}
		}
	}()
	fail := func(line, col int, msg string) error {
		return &ConfigError{Errors: []FieldError{{File: file, Line: line, Col: col, Msg: msg}}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if derr := dec.Decode(&doc); derr != nil {
		if errors.Is(derr, io.EOF) {
			return nil, fail(0, 0, "empty file")
		}
		return nil, syntaxError(file, src, derr)
	}
	for { // further documents may only be empty
		var extra yaml.Node
		derr := dec.Decode(&extra)
		if errors.Is(derr, io.EOF) {
			break
		}
		if derr != nil {
			return nil, syntaxError(file, src, derr)
		}
		if len(extra.Content) > 0 && !isNull(extra.Content[0]) {
			return nil, fail(extra.Line, extra.Column, "more than one YAML document; expected one")
		}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, fail(0, 0, "empty file")
	}
	root = deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, root.Column, "expected a mapping of keys at the top level, got "+describe(root))
	}
	return root, nil
}

var yamlLineErr = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parserProblems are the yaml.v3 parser (not scanner) errors, whose line
// numbers yaml.v3 reports 0-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxError turns a yaml.v3 parse error into a *ConfigError. yaml.v3
// reports the line where the broken construct started, without a column.
func syntaxError(file string, src []byte, err error) error {
	f := FieldError{File: file, Msg: "invalid YAML: " + err.Error(), Err: err}
	m := yamlLineErr.FindStringSubmatch(err.Error())
	if m == nil {
		return &ConfigError{Errors: []FieldError{f}}
	}
	f.Msg = "invalid YAML: " + m[2]
	switch a := unknownAnchor.FindStringSubmatch(m[2]); {
	case m[1] != "":
		f.Line, _ = strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			f.Line++
		}
	case a != nil:
		f.Line, f.Col = findAlias(src, a[1])
	case strings.HasPrefix(m[2], "found ") || strings.Contains(m[2], "find expected") ||
		strings.Contains(m[2], "not allowed in this context"):
		f.Line = 1 // yaml.v3 omits the line when it is the first
	}
	return &ConfigError{Errors: []FieldError{f}}
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// findAlias returns the position of the first use of alias *name in src.
func findAlias(src []byte, name string) (line, col int) {
	re := regexp.MustCompile(`\*` + regexp.QuoteMeta(name) + `($|[\s,\]}])`)
	loc := re.FindIndex(src)
	if loc == nil {
		return 0, 0
	}
	before := src[:loc[0]]
	line = bytes.Count(before, []byte("\n")) + 1
	return line, loc[0] - (bytes.LastIndexByte(before, '\n') + 1) + 1
}

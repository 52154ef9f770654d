package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// field is one YAML key of a config struct.
type field struct {
	name  string
	index int
}

// fieldsOf lists the YAML keys of struct type t, in declaration order.
func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			fs = append(fs, field{name: tag, index: i})
		}
	}
	return fs
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range fieldsOf(t) {
		names = append(names, f.name)
	}
	return names
}

func lookupField(t reflect.Type, name string) (field, bool) {
	for _, f := range fieldsOf(t) {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

var experimentType = reflect.TypeOf(Experiment{})

// leafPaths lists every settable key path of the experiment, such as
// "search.fitness.lambda", in declaration order.
func leafPaths() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range fieldsOf(t) {
			ft := t.Field(f.index).Type
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+f.name+".")
			} else {
				out = append(out, prefix+f.name)
			}
		}
	}
	walk(experimentType, "")
	return out
}

// resolvePath checks that path names a settable value (not a section) of
// the experiment. On failure it returns the offending prefix and a message.
func resolvePath(path string) (leaf reflect.Type, bad, msg string) {
	if path == "" {
		return nil, "", "empty key path"
	}
	t := experimentType
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		prefix := strings.Join(segs[:i], ".")
		cur := strings.Join(segs[:i+1], ".")
		if t.Kind() != reflect.Struct {
			return nil, cur, fmt.Sprintf("unknown key: %s is a value, not a section", prefix)
		}
		if seg == "" {
			return nil, path, "invalid key path (empty segment)"
		}
		f, ok := lookupField(t, seg)
		if !ok {
			return nil, cur, unknownKeyMsg(t, prefix, seg) + "; " + validKeys(t, prefix)
		}
		t = t.Field(f.index).Type
	}
	if t.Kind() == reflect.Struct {
		return nil, path, "is a section, not a value; set one of its keys: " + strings.Join(fieldNames(t), ", ")
	}
	return t, "", ""
}

func validKeys(t reflect.Type, prefix string) string {
	where := "at the top level"
	if prefix != "" {
		where = "in " + prefix
	}
	return fmt.Sprintf("valid keys %s: %s", where, strings.Join(fieldNames(t), ", "))
}

// unknownKeyMsg explains an unknown key seg inside the section prefix of
// type t, suggesting the closest key of the section or the same key in
// another section.
func unknownKeyMsg(t reflect.Type, prefix, seg string) string {
	if s := closest(seg, fieldNames(t)); s != "" {
		return fmt.Sprintf("unknown key (did you mean %q?)", s)
	}
	var elsewhere []string
	for _, p := range leafPaths() {
		if p == seg || strings.HasSuffix(p, "."+seg) {
			elsewhere = append(elsewhere, p)
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf("unknown key (did you mean %s?)", strings.Join(elsewhere, " or "))
	}
	return "unknown key"
}

// closest returns the candidate nearest to s (or the only one starting
// with s), or "" if none is near.
func closest(s string, candidates []string) string {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	var prefixed []string
	for _, c := range candidates {
		if len(s) >= 3 && strings.HasPrefix(norm(c), norm(s)) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(norm(s), norm(c)); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if n := len(s) / 3; n > limit {
		limit = n
	}
	if bestD > limit || bestD >= len(s) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

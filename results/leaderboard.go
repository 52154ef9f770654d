package results

import (
	"fmt"
	"io"
	"strings"
)

// Format is a leaderboard output format.
type Format string

// Leaderboard formats.
const (
	FormatTable    Format = "table"
	FormatMarkdown Format = "markdown"
	FormatCSV      Format = "csv"
	FormatJSON     Format = "json"
)

// Formats lists the valid formats.
var Formats = []Format{FormatTable, FormatMarkdown, FormatCSV, FormatJSON}

// ParseFormat checks a --format value; "" means table.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatTable, nil
	}
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q; valid formats: table, markdown, csv, json", s)
}

// Leaderboard writes one row per run, sorted by sortBy (see SortKeys; ""
// means final accuracy, best first). Table and markdown show percentages
// and rounded numbers; csv and json carry the raw values.
func Leaderboard(w io.Writer, runs []*Run, format Format, sortBy string) error {
	f, err := ParseFormat(string(format))
	if err != nil {
		return fmt.Errorf("leaderboard: %w", err)
	}
	key, err := parseSort(sortBy)
	if err != nil {
		return fmt.Errorf("leaderboard: %w", err)
	}
	for i, r := range runs {
		if r == nil {
			return fmt.Errorf("leaderboard: run %d is missing", i)
		}
	}
	s := newSheet(runColumns, sortRuns(runs, key), f == FormatCSV || f == FormatJSON)
	if err := s.write(w, f); err != nil {
		return fmt.Errorf("leaderboard: %w", err)
	}
	return nil
}

// newSheet lays runs out in columns; all selects the csv/json columns
// instead of the table ones.
func newSheet(cols []column, runs []*Run, all bool) *sheet {
	if !all {
		cols = tableColumns(cols)
	}
	s := &sheet{}
	for _, c := range cols {
		s.keys = append(s.keys, c.key)
		s.labels = append(s.labels, c.label)
		s.numeric = append(s.numeric, c.numeric)
	}
	for _, r := range runs {
		vals := make([]any, len(cols))
		texts := make([]string, len(cols))
		for i, c := range cols {
			vals[i], texts[i] = c.value(r), c.text(r)
		}
		s.values = append(s.values, vals)
		s.texts = append(s.texts, texts)
	}
	return s
}

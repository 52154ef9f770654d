package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// boardRuns: "mid" has the best compression, "top" the best accuracy.
func boardRuns() []*Run {
	return []*Run{
		sampleRun("low", 1, 0.95, 1.5),
		sampleRun("top", 2, 0.9876, 2.134),
		sampleRun("mid", 3, 0.97, 4),
	}
}

func board(t *testing.T, f Format, sortBy string) string {
	t.Helper()
	var b bytes.Buffer
	mustRun(t, Leaderboard(&b, boardRuns(), f, sortBy))
	return b.String()
}

func TestLeaderboardTable(t *testing.T) {
	out := board(t, FormatTable, "")
	for _, want := range []string{"name", "final acc", "compression", "latency b256 (ms)", "98.76%", "2.13x", "50.00%"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "top") > strings.Index(out, "mid") || strings.Index(out, "mid") > strings.Index(out, "low") {
		t.Errorf("table not sorted by final accuracy:\n%s", out)
	}
}

func TestLeaderboardMarkdown(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(board(t, FormatMarkdown, "")), "\n")
	if len(lines) != 5 {
		t.Fatalf("markdown has %d lines, want 5:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if !strings.HasPrefix(lines[0], "| name | model |") || !strings.Contains(lines[0], "| final acc |") {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "| --- |") || !strings.Contains(lines[1], "---: |") {
		t.Errorf("separator = %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "| top |") || !strings.Contains(lines[2], "| 98.76% |") {
		t.Errorf("first row = %q", lines[2])
	}
}

func TestLeaderboardCSV(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(board(t, FormatCSV, ""))).ReadAll()
	mustRun(t, err)
	if len(recs) != 4 {
		t.Fatalf("csv has %d records, want 4", len(recs))
	}
	col := map[string]int{}
	for i, k := range recs[0] {
		col[k] = i
	}
	for k, want := range map[string]string{
		"name": "top", "final.accuracy": "0.9876", "final.compression": "2.134",
		"final.flops": "532000", "seed": "2", "run_id": "20261129-131500-s2",
	} {
		i, ok := col[k]
		if !ok {
			t.Errorf("csv header %v lacks %q", recs[0], k)
		} else if recs[1][i] != want {
			t.Errorf("csv %s = %q, want %q", k, recs[1][i], want)
		}
	}
}

func TestLeaderboardJSON(t *testing.T) {
	var rows []map[string]any
	mustRun(t, json.Unmarshal([]byte(board(t, FormatJSON, "")), &rows))
	if len(rows) != 3 {
		t.Fatalf("json has %d rows, want 3", len(rows))
	}
	if rows[0]["name"] != "top" || rows[0]["final.accuracy"] != 0.9876 || rows[0]["final.params"] != 266610.0 {
		t.Errorf("first row = %v", rows[0])
	}

	// Non-finite values become null instead of breaking the encoding.
	r := sampleRun("inf", 1, 0.9, math.Inf(1))
	var b bytes.Buffer
	mustRun(t, Leaderboard(&b, []*Run{r}, FormatJSON, ""))
	mustRun(t, json.Unmarshal(b.Bytes(), &rows))
	if v, ok := rows[0]["final.compression"]; !ok || v != nil {
		t.Errorf("compression = %v, want null", v)
	}
	var empty []any
	b.Reset()
	mustRun(t, Leaderboard(&b, nil, FormatJSON, ""))
	mustRun(t, json.Unmarshal(b.Bytes(), &empty))
}

func TestLeaderboardSort(t *testing.T) {
	first := func(sortBy string) string {
		var rows []map[string]any
		mustRun(t, json.Unmarshal([]byte(board(t, FormatJSON, sortBy)), &rows))
		return rows[0]["name"].(string)
	}
	for sortBy, want := range map[string]string{
		"":                  "top",
		"final.accuracy":    "top",
		"compression":       "mid",
		"final.compression": "mid",
		"+compression":      "low",
		"name":              "low",
		"-name":             "top",
		"seed":              "low",
	} {
		if got := first(sortBy); got != want {
			t.Errorf("sort %q: first = %q, want %q", sortBy, got, want)
		}
	}
}

func TestLeaderboardErrors(t *testing.T) {
	var b bytes.Buffer
	err := Leaderboard(&b, boardRuns(), FormatTable, "bogus")
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) || !strings.Contains(err.Error(), "final.accuracy") {
		t.Fatalf("err = %v, want one naming the key and listing valid keys", err)
	}
	if err := Leaderboard(&b, boardRuns(), "xml", ""); err == nil {
		t.Fatal("want an error for an unknown format")
	}
	if err := Leaderboard(&b, []*Run{nil}, FormatTable, ""); err == nil {
		t.Fatal("want an error for a nil run")
	}
}

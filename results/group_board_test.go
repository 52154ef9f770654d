package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// groupRuns: genetic at 50% over seeds 1-3 (accuracy 0.97, 0.98, 0.99;
// compression 2, 3, 4) and random at 50% over seeds 1-2 (accuracy 0.90,
// 0.94; compression 5, 7).
func groupRuns() []*Run {
	runs := []*Run{
		sampleRun("e", 1, 0.98, 2), sampleRun("e", 2, 0.97, 3), sampleRun("e", 3, 0.99, 4),
		sampleRun("e", 1, 0.90, 5), sampleRun("e", 2, 0.94, 7),
	}
	runs[3].Algorithm, runs[4].Algorithm = "random", "random"
	return runs
}

func groupBoard(t *testing.T, f Format, sortBy string) string {
	t.Helper()
	var b bytes.Buffer
	mustRun(t, GroupLeaderboard(&b, Group(groupRuns()), f, sortBy))
	return b.String()
}

func TestGroupLeaderboardTable(t *testing.T) {
	out := groupBoard(t, FormatTable, "")
	// Hand-computed: genetic mean 0.98, sample std 0.01; compression 3 ± 1.
	// random: mean 0.92, std sqrt(2 * 0.02²) = 0.028284; compression 6 ± sqrt(2).
	for _, want := range []string{"final acc", "runs", "98.00 ± 1.00 %", "3.00 ± 1.00x", "92.00 ± 2.83 %", "6.00 ± 1.41x", "532.0K ± 0",
		"│ best ", "-5.50 [-37.26, +26.26] pts (2 seeds)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "genetic") > strings.Index(out, "random") {
		t.Errorf("not sorted by mean final accuracy:\n%s", out)
	}
	byComp := groupBoard(t, FormatMarkdown, "compression")
	lines := strings.Split(strings.TrimSpace(byComp), "\n")
	if len(lines) != 4 || !strings.Contains(lines[2], "random") || !strings.Contains(lines[2], "| 92.00 ± 2.83 % |") {
		t.Errorf("markdown sorted by compression:\n%s", byComp)
	}
}

func TestGroupLeaderboardCSVAndJSON(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(groupBoard(t, FormatCSV, ""))).ReadAll()
	mustRun(t, err)
	if len(recs) != 3 {
		t.Fatalf("csv has %d records, want 3", len(recs))
	}
	col := map[string]int{}
	for i, k := range recs[0] {
		col[k] = i
	}
	for k, want := range map[string]string{"algorithm": "genetic", "n": "3", "target_sparsity": "0.5",
		"final.accuracy.mean": "0.98", "final.compression.mean": "3", "final.compression.std": "1"} {
		if i, ok := col[k]; !ok || recs[1][i] != want {
			t.Errorf("csv %s = %v, want %q (header %v)", k, recs[1], want, recs[0])
		}
	}
	var rows []map[string]any
	mustRun(t, json.Unmarshal([]byte(groupBoard(t, FormatJSON, "")), &rows))
	if len(rows) != 2 {
		t.Fatalf("json has %d rows", len(rows))
	}
	r := rows[1]
	if r["algorithm"] != "random" || r["n"] != 2.0 || !near(r["final.accuracy.mean"].(float64), 0.92) ||
		!near(r["final.accuracy.std"].(float64), math.Sqrt(8e-4)) || !near(r["final.compression.std"].(float64), math.Sqrt2) {
		t.Errorf("random row = %v", r)
	}
}

func TestGroupLeaderboardErrors(t *testing.T) {
	var b bytes.Buffer
	err := GroupLeaderboard(&b, Group(groupRuns()), FormatTable, "seed")
	if err == nil || !strings.Contains(err.Error(), `"seed"`) || !strings.Contains(err.Error(), "final.accuracy") {
		t.Errorf("err = %v, want one naming the key and listing valid keys", err)
	}
	if err := GroupLeaderboard(&b, nil, "xml", ""); err == nil {
		t.Error("want an error for an unknown format")
	}
}

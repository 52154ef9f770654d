package results

import (
	"math"
	"slices"
	"testing"
)

func TestPareto(t *testing.T) {
	// (accuracy, compression). The frontier: a (most accurate), f (0.97 at
	// 3x), c and h (equal points: neither dominates the other). f dominates
	// b and d, c dominates e, a dominates g; the NaN run cannot be placed.
	pts := []struct {
		name      string
		acc, comp float64
	}{
		{"a", 0.99, 1.5}, {"b", 0.97, 2}, {"c", 0.90, 8}, {"d", 0.96, 2},
		{"e", 0.85, 8}, {"f", 0.97, 3}, {"g", 0.99, 1.2}, {"h", 0.90, 8}, {"nan", math.NaN(), 100},
	}
	var runs []*Run
	for i, p := range pts {
		runs = append(runs, sampleRun(p.name, int64(i), p.acc, p.comp))
	}
	runs = append(runs, nil)
	var got []string
	for _, r := range Pareto(runs) {
		got = append(got, r.Name)
	}
	if want := []string{"a", "c", "f", "h"}; !slices.Equal(got, want) {
		t.Errorf("Pareto = %v, want %v", got, want)
	}
	if len(Pareto(nil)) != 0 {
		t.Error("Pareto(nil) not empty")
	}
}

func TestParetoGroups(t *testing.T) {
	rows := []GroupRow{
		{Algorithm: "genetic", Accuracy: Stat{Mean: 0.98}, Compression: Stat{Mean: 3}},
		{Algorithm: "random", Accuracy: Stat{Mean: 0.95}, Compression: Stat{Mean: 3}},
		{Algorithm: "magnitude", Accuracy: Stat{Mean: 0.90}, Compression: Stat{Mean: 5}},
	}
	got := ParetoGroups(rows)
	if len(got) != 2 || got[0].Algorithm != "genetic" || got[1].Algorithm != "magnitude" {
		t.Errorf("ParetoGroups = %+v", got)
	}
}

package results

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestHistoryRoundTrip(t *testing.T) {
	d, err := OpenRunDir(t.TempDir())
	mustRun(t, err)
	rows := []HistoryRow{
		{Generation: 0, Evaluations: 32, BestFitness: 0.9123456789, MeanFitness: 0.8,
			BestValAccuracy: 0.97, BestSparsity: 0.5, Seconds: 1.25},
		{Generation: 1, Evaluations: 64, BestFitness: 0.93, MeanFitness: 1.0 / 3,
			BestValAccuracy: 0.975, BestSparsity: 0.51, Seconds: 2.5},
	}
	mustRun(t, d.WriteHistory(rows[:1]))
	mustRun(t, d.WriteHistory(rows))
	data, err := os.ReadFile(d.File(HistoryFile))
	mustRun(t, err)
	header := "generation,evaluations,best_fitness,mean_fitness,best_val_accuracy,best_sparsity,seconds\n"
	if !strings.HasPrefix(string(data), header) {
		t.Fatalf("history.csv starts %q", data)
	}
	got, err := ReadHistory(d.File(HistoryFile))
	mustRun(t, err)
	if !reflect.DeepEqual(got, rows) {
		t.Fatalf("got %+v, want %+v", got, rows)
	}
}

func TestReadHistoryErrors(t *testing.T) {
	d, err := OpenRunDir(t.TempDir())
	mustRun(t, err)
	path := d.File(HistoryFile)
	for name, text := range map[string]string{
		"empty":          "",
		"missing column": "generation,evaluations\n1,2\n",
		"bad number": "generation,evaluations,best_fitness,mean_fitness,best_val_accuracy,best_sparsity,seconds\n" +
			"1,2,x,0,0,0,0\n",
	} {
		mustRun(t, os.WriteFile(path, []byte(text), 0o644))
		if _, err := ReadHistory(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
}

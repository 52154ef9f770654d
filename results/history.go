package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// historyHeader is the header line of history.csv, in column order.
var historyHeader = []string{
	"generation", "evaluations", "best_fitness", "mean_fitness",
	"best_val_accuracy", "best_sparsity", "seconds",
}

// WriteHistory rewrites history.csv atomically with all rows so far.
func (d *RunDir) WriteHistory(rows []HistoryRow) error {
	path := d.File(HistoryFile)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(historyHeader)
	for _, r := range rows {
		w.Write([]string{
			strconv.Itoa(r.Generation), strconv.Itoa(r.Evaluations),
			formatFloat(r.BestFitness), formatFloat(r.MeanFitness),
			formatFloat(r.BestValAccuracy), formatFloat(r.BestSparsity),
			formatFloat(r.Seconds),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// formatFloat writes the shortest text that reads back as the same float.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// ReadHistory reads a history.csv. Columns are found by header name, so
// files with extra columns still read.
func ReadHistory(path string) ([]HistoryRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read history %s: empty file", path)
	} else if err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, h := range historyHeader {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("read history %s: missing column %q", path, h)
		}
	}
	var rows []HistoryRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return nil, fmt.Errorf("read history %s: %w", path, err)
		}
		row, err := parseHistoryRow(rec, col)
		if err != nil {
			return nil, fmt.Errorf("read history %s:%d: %w", path, line, err)
		}
		rows = append(rows, row)
	}
}

func parseHistoryRow(rec []string, col map[string]int) (HistoryRow, error) {
	var row HistoryRow
	ints := []*int{&row.Generation, &row.Evaluations}
	floats := []*float64{
		&row.BestFitness, &row.MeanFitness, &row.BestValAccuracy,
		&row.BestSparsity, &row.Seconds,
	}
	for i, name := range historyHeader {
		text := rec[col[name]]
		var err error
		if i < len(ints) {
			*ints[i], err = strconv.Atoi(text)
		} else {
			*floats[i-len(ints)], err = strconv.ParseFloat(text, 64)
		}
		if err != nil {
			return row, fmt.Errorf("column %s: %w", name, err)
		}
	}
	return row, nil
}

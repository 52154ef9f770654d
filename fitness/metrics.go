// Package fitness evaluates masked networks on the validation split and holds
// the classification metrics every report uses.
package fitness

import "fmt"

// Confusion is a classes x classes matrix: C[true][predicted].
type Confusion [][]int64

// NewConfusion counts predictions against labels.
func NewConfusion(classes int, labels, preds []int32) (Confusion, error) {
	if len(labels) != len(preds) {
		return nil, fmt.Errorf("confusion: %d labels but %d predictions", len(labels), len(preds))
	}
	c := make(Confusion, classes)
	for i := range c {
		c[i] = make([]int64, classes)
	}
	for i, y := range labels {
		p := preds[i]
		if y < 0 || int(y) >= classes || p < 0 || int(p) >= classes {
			return nil, fmt.Errorf("confusion: class out of range at %d (label %d, prediction %d)", i, y, p)
		}
		c[y][p]++
	}
	return c, nil
}

// Scores are accuracy and macro-averaged precision, recall and F1.
type Scores struct {
	Accuracy, Precision, Recall, F1 float64
}

// Scores computes accuracy and macro P/R/F1. A class that is never predicted
// has precision 0 (as scikit-learn's zero_division=0); a class absent from
// the labels is left out of the macro averages.
func (c Confusion) Scores() Scores {
	var total, correct int64
	k := len(c)
	var sp, sr, sf float64
	n := 0
	for i := 0; i < k; i++ {
		var row, col int64
		for j := 0; j < k; j++ {
			row += c[i][j]
			col += c[j][i]
			total += c[i][j]
		}
		correct += c[i][i]
		if row == 0 {
			continue
		}
		n++
		r := float64(c[i][i]) / float64(row)
		p := 0.0
		if col > 0 {
			p = float64(c[i][i]) / float64(col)
		}
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		sp, sr, sf = sp+p, sr+r, sf+f
	}
	if total == 0 || n == 0 {
		return Scores{}
	}
	return Scores{
		Accuracy:  float64(correct) / float64(total),
		Precision: sp / float64(n),
		Recall:    sr / float64(n),
		F1:        sf / float64(n),
	}
}

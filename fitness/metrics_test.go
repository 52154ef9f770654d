package fitness

import (
	"math"
	"testing"
)

// A hand-computed 3-class example:
//
//	true\pred  0  1  2
//	0          5  1  0
//	1          2  3  1
//	2          0  0  4
//
// precision: 5/7, 3/4, 4/5; recall: 5/6, 3/6, 4/4.
func TestScoresHandComputed(t *testing.T) {
	var labels, preds []int32
	m := [][]int{{5, 1, 0}, {2, 3, 1}, {0, 0, 4}}
	for i, row := range m {
		for j, n := range row {
			for k := 0; k < n; k++ {
				labels = append(labels, int32(i))
				preds = append(preds, int32(j))
			}
		}
	}
	c, err := NewConfusion(3, labels, preds)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Scores()
	p := []float64{5.0 / 7, 3.0 / 4, 4.0 / 5}
	r := []float64{5.0 / 6, 3.0 / 6, 1}
	var wantF float64
	for i := range p {
		wantF += 2 * p[i] * r[i] / (p[i] + r[i]) / 3
	}
	want := Scores{Accuracy: 12.0 / 16, Precision: (p[0] + p[1] + p[2]) / 3, Recall: (r[0] + r[1] + r[2]) / 3, F1: wantF}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"accuracy", s.Accuracy, want.Accuracy}, {"precision", s.Precision, want.Precision},
		{"recall", s.Recall, want.Recall}, {"f1", s.F1, want.F1}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfusionErrors(t *testing.T) {
	if _, err := NewConfusion(2, []int32{0, 1}, []int32{0}); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, err := NewConfusion(2, []int32{0, 2}, []int32{0, 1}); err == nil {
		t.Fatal("label out of range accepted")
	}
}

package data

import "testing"

// Padding surrounds every image with its channel's black value and keeps
// the pixels; Load pads every split and Shape reports the padded size.
func TestPadSurroundsWithBlack(t *testing.T) {
	s := &Set{X: []float32{1, 2, 3, 4, 5, 6, 7, 8}, Y: []int32{0, 1}, N: 2, Shape: [3]int{1, 2, 2}, Classes: 2, Black: []float32{-9}}
	p := s.Pad(1)
	if p.Shape != [3]int{1, 4, 4} || len(p.X) != 32 {
		t.Fatalf("shape %v, %d values", p.Shape, len(p.X))
	}
	want := []float32{-9, -9, -9, -9, -9, 1, 2, -9, -9, 3, 4, -9, -9, -9, -9, -9}
	for i, v := range want {
		if p.X[i] != v || p.X[16+i] != map[bool]float32{true: v + 4, false: -9}[v != -9] {
			t.Fatalf("padded %v", p.X)
		}
	}
	if s.Pad(0) != s {
		t.Error("Pad(0) copied")
	}
	cfg := Config{Dataset: "synthetic", Validation: 20, Seed: 1, SyntheticSamples: 100, Pad: 2}
	sp, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shape, _, err := Shape(cfg)
	if err != nil || shape != [3]int{1, 12, 12} {
		t.Fatalf("Shape: %v, %v", shape, err)
	}
	for _, set := range []*Set{sp.Train, sp.Val, sp.Test} {
		if set.Shape != shape || len(set.X) != set.N*144 || set.X[0] != 0 {
			t.Errorf("split shape %v, %d values", set.Shape, len(set.X))
		}
	}
}

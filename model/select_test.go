package model

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
)

// InsertSelect keeps the function; the select layer's group is the first
// linear layer's input columns; rebuilding twice composes the kept indices,
// and the result computes what the masked network computes.
func TestInsertSelectAndRebuild(t *testing.T) {
	a := build(t, Spec{Arch: "lenet300-100", Input: [3]int64{1, 8, 8}, Classes: 10})
	n, err := New(a, gotch.CPU, InitDefault, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Drop()
	s, err := InsertSelect(n)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Drop()
	if got := s.Names(); !slices.Equal(got, []string{"2.weight", "2.bias", "4.weight", "4.bias", "6.weight", "6.bias"}) {
		t.Fatalf("names after the insert: %v", got)
	}
	x := randomInput(a, 16, 5)
	defer x.MustDrop()
	diff := func(p, q *Net) (d float64) {
		NoGrad(func() {
			y1, y2 := p.Forward(x, false), q.Forward(x, false)
			d = maxAbsDiff(y1, y2)
			y1.MustDrop()
			y2.MustDrop()
		})
		return d
	}
	if d := diff(n, s); d != 0 {
		t.Fatalf("the select layer changed the function: %g", d)
	}
	g := Groups(s.Arch)[0]
	if g.Name != "1" || g.Size != 64 || g.Conv || len(g.Consumers) != 1 || g.Consumers[0].Path != "2" {
		t.Fatalf("input group %+v", g)
	}
	if _, err := InsertSelect(s); err == nil {
		t.Fatal("a second select layer was inserted")
	}
	rng := rand.New(rand.NewSource(2))
	m1 := randomMask(Groups(s.Arch), 0.5, rng)
	r1, err := s.Rebuild(m1)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Drop()
	m2 := randomMask(Groups(r1.Arch), 0.5, rng)
	r2, err := r1.Rebuild(m2)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Drop()
	var want []int64
	for _, k := range kept(m2["1"]) {
		want = append(want, kept(m1["1"])[k])
	}
	if sel := r2.Arch.Layers[1]; !slices.Equal(sel.Index, want) || sel.In != 64 || sel.Out != int64(len(want)) {
		t.Fatalf("select after two rebuilds %+v, want index %v", sel, want)
	}
	if w := r2.Arch.Widths(); w[0] != int64(len(want)) {
		t.Errorf("widths %v: the input width is the kept features", w)
	}
	if err := r1.SetUnitMask(m2); err != nil {
		t.Fatal(err)
	}
	if d := diff(r1, r2); d > 1e-5 {
		t.Errorf("max |masked - rebuilt| = %g", d)
	}
	if FLOPs(r2.Arch) >= FLOPs(r1.Arch) {
		t.Errorf("FLOPs %d -> %d", FLOPs(r1.Arch), FLOPs(r2.Arch))
	}
}

// An arch.json whose select index the forward pass could not apply is
// rejected on load, with the layer named.
func TestLoadArchRejectsBadSelect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arch.json")
	for body, want := range map[string]string{
		`{"kind":"select","in":64,"out":2,"index":[3,64]}`: "layer 1: select index 64 outside [0, 64)",
		`{"kind":"select","in":64,"out":3,"index":[3,4]}`:  "layer 1: select keeps 3 of 64 features with an index of 2",
	} {
		arch := `{"name":"x","input":[1,8,8],"classes":2,"layers":[{"kind":"flatten"},` + body + `,{"kind":"linear","in":2,"out":2}]}`
		if err := os.WriteFile(path, []byte(arch), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadArch(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
	}
}

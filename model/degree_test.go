package model

import (
	"reflect"
	"strings"
	"testing"
)

// bits turns "1100 1000" into flags (spaces ignored).
func bits(s string) []bool {
	var out []bool
	for _, c := range s {
		switch c {
		case '1':
			out = append(out, true)
		case '0':
			out = append(out, false)
		}
	}
	return out
}

// tinyMLP is 4 inputs -> 3 -> 2 -> 2 outputs; groups "1" (3 units) and "3" (2).
func tinyMLP(t *testing.T) Arch {
	return build(t, Spec{Arch: "mlp", Widths: []int64{3, 2}, Input: [3]int64{4, 1, 1}, Classes: 2})
}

func handMask() WeightFlags {
	return WeightFlags{
		// rows are units of group "1": fan-in 2, 1, 3
		"1.weight": bits("1100 1000 0111"),
		// rows are units of group "3"; columns are group "1": fan-out 1, 2, 1
		"3.weight": bits("110 011"),
		// columns are group "3": fan-out 2, 0
		"5.weight": bits("10 10"),
	}
}

func TestUnitDegreesOnAHandMadeMask(t *testing.T) {
	d, err := UnitDegrees(tinyMLP(t), handMask())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Degrees{
		"1": {In: []int{2, 1, 3}, Out: []int{1, 2, 1}},
		"3": {In: []int{2, 2}, Out: []int{2, 0}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("degrees %+v, want %+v", d, want)
	}
}

func TestPruneByDegreeReachesAFixpoint(t *testing.T) {
	m := handMask()
	// k <= 0 means 1: unit 3/1 has no fan-out; removing it leaves unit 1/2
	// without fan-out, which only a second sweep sees.
	alive, sweeps, err := PruneByDegree(tinyMLP(t), m, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (UnitMask{"1": {true, true, false}, "3": {true, false}}); !reflect.DeepEqual(alive, want) {
		t.Errorf("alive %v, want %v", alive, want)
	}
	if sweeps != 3 {
		t.Errorf("%d sweeps, want 3 (two that remove, one that confirms)", sweeps)
	}
	want := WeightFlags{
		"1.weight": bits("1100 1000 0000"),
		"3.weight": bits("110 000"),
		"5.weight": bits("10 10"),
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("flags %v, want %v", m, want)
	}
	d, _ := UnitDegrees(tinyMLP(t), m)
	for g, dg := range d {
		for u := range dg.In {
			if alive[g][u] != (dg.In[u] >= 1 && dg.Out[u] >= 1) || !alive[g][u] && (dg.In[u] != 0 || dg.Out[u] != 0) {
				t.Errorf("group %s unit %d: alive %v with degrees %d/%d", g, u, alive[g][u], dg.In[u], dg.Out[u])
			}
		}
	}
}

func TestPruneByDegreeRefusesToEmptyALayer(t *testing.T) {
	_, _, err := PruneByDegree(tinyMLP(t), handMask(), 2)
	if err == nil || !strings.Contains(err.Error(), "every unit of layer 1") {
		t.Fatalf("err %v, want one naming layer 1", err)
	}
}

func TestPruneByDegreeChecksMasks(t *testing.T) {
	m := handMask()
	delete(m, "3.weight")
	if _, _, err := PruneByDegree(tinyMLP(t), m, 1); err == nil || !strings.Contains(err.Error(), "no mask for 3.weight") {
		t.Errorf("missing mask: %v", err)
	}
	m = handMask()
	m["5.weight"] = bits("101")
	if _, err := UnitDegrees(tinyMLP(t), m); err == nil || !strings.Contains(err.Error(), "3 entries, want 4") {
		t.Errorf("wrong size: %v", err)
	}
}

// Conv producers count whole filters; a linear consumer after a flatten
// reads Repeat columns per channel.
func TestUnitDegreesConvAndFlatten(t *testing.T) {
	a := Arch{Name: "t", Input: [3]int64{1, 3, 3}, Classes: 2, Layers: []Layer{
		{Kind: KConv, In: 1, Out: 2, Kernel: 2, Stride: 1, Bias: true}, // [2,1,2,2] -> 2x2x2
		{Kind: KFlatten},
		{Kind: KLinear, In: 8, Out: 2, Bias: true},
	}}
	m := WeightFlags{
		"0.weight": bits("1011 0001"),
		"2.weight": bits("0000 1100  1000 0001"),
	}
	d, err := UnitDegrees(a, m)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Degrees{In: []int{3, 1}, Out: []int{1, 3}}); !reflect.DeepEqual(d["0"], want) {
		t.Fatalf("degrees %+v, want %+v", d["0"], want)
	}
	// Channel 1 loses its only input weight: k=1 removes it and its columns.
	m["0.weight"] = bits("1011 0000")
	alive, _, err := PruneByDegree(a, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alive["0"], []bool{true, false}) {
		t.Errorf("alive %v, want [true false]", alive["0"])
	}
	if want := bits("0000 0000  1000 0000"); !reflect.DeepEqual(m["2.weight"], want) {
		t.Errorf("consumer flags %v, want %v", m["2.weight"], want)
	}
}

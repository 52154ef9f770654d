package experiments

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/strategy"

	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// A new strategy is one registration: validation accepts its name and its
// granularities (and rejects the others), and a run uses it.
func TestANewStrategyIsOneRegistration(t *testing.T) {
	strategy.Register(strategy.Info{
		StrategyRules: config.StrategyRules{
			Name:          "keep-first",
			Summary:       "the first slots of every layer (a test strategy)",
			Granularities: []string{"neuron"},
		},
		Run: func(s *strategy.Search) (*strategy.Found, error) {
			return strategy.Single(s, prefixOf(s.Space, s.Allocation()))
		},
	})
	t.Cleanup(func() { strategy.Unregister("keep-first") })
	if _, err := config.Parse("x.yaml", []byte("name: x\nsearch: {algorithm: keep-first}\nprune: {granularity: weight}\n"), nil); err == nil ||
		!strings.Contains(err.Error(), "keep-first: it needs prune.granularity neuron, not weight") {
		t.Fatalf("weight granularity: %v", err)
	}
	o := run(t, tiny(t, "search.algorithm=keep-first"), t.TempDir())
	b, err := os.ReadFile(filepath.Join(o.Dir, results.MaskFile))
	if err != nil {
		t.Fatal(err)
	}
	// tiny: hidden widths 32 and 16, half kept: units 0..15 and 0..7.
	var mf struct {
		Kept map[string][]int `json:"kept_units"`
	}
	if err := json.Unmarshal(b, &mf); err != nil || len(mf.Kept) != 2 {
		t.Fatalf("mask.json: %v\n%s", err, b)
	}
	for g, kept := range mf.Kept {
		for i, u := range kept {
			if u != i {
				t.Errorf("group %s keeps %v, want the first units", g, kept)
				break
			}
		}
	}
	if a := o.Run.Final.Architecture; a[1] != 16 || a[2] != 8 {
		t.Errorf("final architecture %v, want 16 and 8 hidden units", a)
	}
}

// prefixOf keeps the first counts[i] slots of segment i.
func prefixOf(sp search.Space, counts []int) search.Mask {
	m := search.NewMask(sp.N())
	off := sp.Offsets()
	for i, c := range counts {
		for j := 0; j < c; j++ {
			m.Set(off[i]+j, true)
		}
	}
	return m
}

// The README's strategy table is the registry's (EVOPRUNE_UPDATE_README=1
// rewrites it).
func TestREADMEStrategyTableIsTheRegistry(t *testing.T) {
	const path = "../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "| algorithm | what it does |")
	end := strings.Index(readme[max(start, 0):], "\n\n")
	if start < 0 || end < 0 {
		t.Fatal("README has no strategy table")
	}
	have, want := readme[start:start+end+1], strategy.Markdown()
	if have == want {
		return
	}
	if os.Getenv("EVOPRUNE_UPDATE_README") != "" {
		if err := os.WriteFile(path, []byte(readme[:start]+want+readme[start+end+1:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README's strategy table differs from the registry; run EVOPRUNE_UPDATE_README=1 go test ./experiments -run TestREADMEStrategyTable\nwant:\n%s", want)
}

package search

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The checkpoint fuzz target resumes a tiny search from whatever decodes.
// Its seeds include real checkpoints of that search (fuzzSpace, fuzzConfig),
// so mutations that keep the fingerprint reach restore's deeper checks. If
// the fingerprint changes (a new setting, another hash), regenerate the
// committed corpus files with
//
//	EVOPRUNE_UPDATE_FUZZ_CORPUS=1 go test ./search -run TestFuzzCheckpointCorpus

func fuzzSpace() Space {
	return Space{
		Segments: []Segment{
			{Name: "a", Size: 4, Scores: []float64{0.9, 0.1, 0.5, 0.3}},
			{Name: "b", Size: 3, Scores: []float64{0.2, 0.8, 0.4}},
		},
		Keep: 4,
	}
}

func fuzzConfig() Config {
	return Config{
		Population:    4,
		Generations:   2,
		Elitism:       1,
		CrossoverRate: 0.8,
		MutationRate:  0.2,
		Seed:          7,
		Objective:     Objective{Name: AccuracyAtSparsity, Budgeted: true},
	}
}

// fuzzEvaluator is cheap and deterministic: accuracy is the kept share of
// fixed slot values.
func fuzzEvaluator() Evaluator {
	values := []float64{5, 1, 3, 2, 1, 4, 2}
	return EvaluatorFunc(func(masks []Mask) ([]Score, error) {
		out := make([]Score, len(masks))
		for i, m := range masks {
			s := 0.0
			for j, v := range values {
				if m.Get(j) {
					s += v
				}
			}
			out[i] = Score{ValAccuracy: s / 18, Loss: 1 - s/18}
		}
		return out, nil
	})
}

// realCheckpoints runs the fuzz search for one generation and returns the
// checkpoints of generations 0 and 1 as JSON, timings zeroed so that they
// are reproducible.
func realCheckpoints(t testing.TB) [][]byte {
	t.Helper()
	cfg := fuzzConfig()
	cfg.Generations = 1
	var out [][]byte
	_, err := Genetic(fuzzSpace(), fuzzEvaluator(), cfg, Options{OnGeneration: func(_ Progress, cp *Checkpoint) error {
		cp.Seconds = 0
		cp.History = stripTiming(cp.History)
		b, err := json.Marshal(cp)
		out = append(out, b)
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d checkpoints for 1 generation, want 2", len(out))
	}
	return out
}

func FuzzCheckpoint(f *testing.F) {
	for _, cp := range realCheckpoints(f) {
		f.Add(cp)
		for _, n := range []int{len(cp) / 3, len(cp) / 2, len(cp) - 1} {
			f.Add(cp[:n])
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version":1,"population":[{"mask":{"n":7,"words":"AAAAAAAAAAA="}}]}`))
	space, cfg := fuzzSpace(), fuzzConfig()
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := DecodeCheckpoint(data)
		if err != nil {
			if cp != nil {
				t.Fatalf("DecodeCheckpoint returned a checkpoint with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "decode search checkpoint: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		// Whatever decodes must survive a round trip unchanged.
		b1, err := json.Marshal(cp)
		if err != nil {
			t.Fatalf("re-encode decoded checkpoint: %v", err)
		}
		cp2, err := DecodeCheckpoint(b1)
		if err != nil {
			t.Fatalf("decode re-encoded checkpoint: %v\n%s", err, b1)
		}
		if b2, err := json.Marshal(cp2); err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed the checkpoint (%v):\n%s\n%s", err, b1, b2)
		}

		res, err := Genetic(space, fuzzEvaluator(), cfg, Options{Resume: cp})
		if err != nil {
			if res != nil {
				t.Fatalf("Genetic returned a result with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "genetic search: resume: ") {
				t.Fatalf("resume error without context: %v", err)
			}
			return
		}
		checkResult(t, space, cfg, res)
	})
}

// checkResult asserts that res is a complete result of a budgeted search.
func checkResult(t *testing.T, space Space, cfg Config, res *Result) {
	t.Helper()
	n := space.N()
	switch {
	case res == nil:
		t.Fatal("nil result without error")
	case res.Best.N != n || len(res.Best.Bits) != (n+63)/64:
		t.Fatalf("best mask has %d slots in %d words, want %d", res.Best.N, len(res.Best.Bits), n)
	case res.Best.Count() != space.Keep:
		t.Fatalf("best mask keeps %d slots, budget %d", res.Best.Count(), space.Keep)
	case math.IsNaN(res.BestFitness) || math.IsInf(res.BestFitness, 0):
		t.Fatalf("best fitness %v", res.BestFitness)
	case res.Generations != cfg.Generations || len(res.History) != cfg.Generations+1:
		t.Fatalf("result after generation %d with %d history entries, want %d", res.Generations, len(res.History), cfg.Generations)
	case len(res.HallOfFame) == 0 || len(res.HallOfFame) > hallOfFameSize:
		t.Fatalf("hall of fame of %d", len(res.HallOfFame))
	case !res.HallOfFame[0].Mask.Equal(res.Best):
		t.Fatal("best is not the head of the hall of fame")
	}
	for i, c := range space.Counts(res.Best) {
		if c < space.minKeep() {
			t.Fatalf("best mask keeps %d slots of segment %d, minimum %d", c, i, space.minKeep())
		}
	}
}

func TestDecodeCheckpointRejectsCorrupt(t *testing.T) {
	real := realCheckpoints(t)[1]
	cp, err := DecodeCheckpoint(real)
	if err != nil {
		t.Fatal(err)
	}
	back, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, real) {
		t.Fatalf("round trip changed the checkpoint:\n%s\n%s", real, back)
	}
	if cp.Generation != 1 || len(cp.Population) != fuzzConfig().Population || len(cp.HallOfFame) == 0 {
		t.Fatalf("decoded checkpoint after generation %d, %d masks, %d in the hall of fame",
			cp.Generation, len(cp.Population), len(cp.HallOfFame))
	}
	// Surrounding whitespace is not trailing data.
	if _, err := DecodeCheckpoint(append(append([]byte(" \n"), real...), '\n')); err != nil {
		t.Errorf("checkpoint with surrounding whitespace: %v", err)
	}

	for _, c := range []struct {
		name  string
		data  []byte
		parts []string
	}{
		{"empty", nil, []string{"truncated"}},
		{"truncated", real[:len(real)/2], []string{"truncated"}},
		{"last byte missing", real[:len(real)-1], []string{"truncated"}},
		{"unknown field", bytes.Replace(real, []byte(`"generation"`), []byte(`"generations"`), 1), []string{"corrupt", "unknown field"}},
		{"trailing garbage", append(append([]byte(nil), real...), "xyz"...), []string{"corrupt", "trailing data"}},
		{"second object", append(append([]byte(nil), real...), "{}"...), []string{"corrupt", "trailing data"}},
		{"array", []byte(`[]`), []string{"corrupt"}},
		{"null", []byte(`null`), []string{"corrupt", "null"}},
		{"wrong type", []byte(`{"generation":"one"}`), []string{"corrupt"}},
		{"bad mask", []byte(`{"population":[{"mask":{"n":7,"words":"AA=="}}]}`), []string{"corrupt", "mask"}},
	} {
		cp, err := DecodeCheckpoint(c.data)
		if err == nil || cp != nil {
			t.Errorf("%s: got %v, %v; want an error", c.name, cp, err)
			continue
		}
		for _, p := range append(c.parts, "decode search checkpoint") {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, p)
			}
		}
	}
}

// TestRestoreRejectsForgedCheckpoints checks that states a search cannot
// produce are refused on resume with an error rather than run.
func TestRestoreRejectsForgedCheckpoints(t *testing.T) {
	space, cfg := fuzzSpace(), fuzzConfig()
	real := realCheckpoints(t)[1]
	for _, c := range []struct {
		name   string
		forge  func(cp *Checkpoint)
		substr string
	}{
		{"nil mask words", func(cp *Checkpoint) { cp.Population[1].Mask.Bits = nil }, "words"},
		{"extra mask word", func(cp *Checkpoint) { cp.HallOfFame[0].Mask.Bits = append(cp.HallOfFame[0].Mask.Bits, 0) }, "words"},
		{"bits past the end", func(cp *Checkpoint) { cp.Population[0].Mask.Bits[0] |= 1 << 7 }, "beyond slot"},
		{"over budget", func(cp *Checkpoint) { cp.Population[2].Mask = fullMask(7) }, "budget"},
		{"segment below minimum", func(cp *Checkpoint) { cp.HallOfFame[0].Mask = prefixMask(space, []int{4, 0}) }, "segment"},
		{"negative evaluations", func(cp *Checkpoint) { cp.Evaluations = -1 }, "negative"},
		{"negative generation", func(cp *Checkpoint) { cp.Generation = -1 }, "generation -1"},
		{"NaN accuracy", func(cp *Checkpoint) { cp.Scores[0].Score.ValAccuracy = math.NaN() }, "accuracy"},
		{"NaN population accuracy", func(cp *Checkpoint) {
			cp.Population[0].Score.ValAccuracy = math.NaN()
			cp.Scores = nil
		}, "accuracy"},
		{"NaN fitness", func(cp *Checkpoint) { cp.HallOfFame[0].Fitness = math.NaN() }, "fitness"},
		{"infinite fitness", func(cp *Checkpoint) { cp.HallOfFame[0].Fitness = math.Inf(1) }, "fitness"},
		{"empty hall of fame", func(cp *Checkpoint) { cp.HallOfFame = nil }, "hall of fame"},
		{"oversized hall of fame", func(cp *Checkpoint) {
			for len(cp.HallOfFame) <= hallOfFameSize {
				cp.HallOfFame = append(cp.HallOfFame, cp.HallOfFame[0])
			}
		}, "hall of fame"},
		{"partial hall of fame", func(cp *Checkpoint) { cp.HallOfFame[0].Score.Partial = true }, "partial"},
		{"bad score key", func(cp *Checkpoint) { cp.Scores[0].Hash = "xyz" }, "score key"},
	} {
		cp, err := DecodeCheckpoint(real)
		if err != nil {
			t.Fatal(err)
		}
		c.forge(cp)
		res, err := Genetic(space, fuzzEvaluator(), cfg, Options{Resume: cp})
		if err == nil || res != nil {
			t.Errorf("%s: resumed without error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.substr) || !strings.Contains(err.Error(), "resume") {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.substr)
		}
	}
}

func fullMask(n int) Mask {
	m := NewMask(n)
	for i := 0; i < n; i++ {
		m.Set(i, true)
	}
	return m
}

// corpusFile encodes data in the format of go test -fuzz corpus files.
func corpusFile(data []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// readCorpusFile decodes a corpus file of one []byte value.
func readCorpusFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(string(b), "go test fuzz v1\n[]byte(")
	if body, ok = strings.CutSuffix(body, ")\n"); !ok {
		t.Fatalf("%s: not a corpus file of one []byte", path)
	}
	s, err := strconv.Unquote(body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// TestFuzzCheckpointCorpus checks that the committed real checkpoints still
// resume, so that the fuzzer starts past the fingerprint check, and with
// EVOPRUNE_UPDATE_FUZZ_CORPUS=1 rewrites the corpus from a fresh run.
func TestFuzzCheckpointCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzCheckpoint")
	if os.Getenv("EVOPRUNE_UPDATE_FUZZ_CORPUS") != "" {
		cps := realCheckpoints(t)
		files := map[string][]byte{
			"real_generation0":      cps[0],
			"real_generation1":      cps[1],
			"truncated_generation1": cps[1][:len(cps[1])*2/3],
			"empty_object":          []byte(`{}`),
			"array":                 []byte(`[]`),
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), corpusFile(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for gen, name := range []string{"real_generation0", "real_generation1"} {
		cp, err := DecodeCheckpoint(readCorpusFile(t, filepath.Join(dir, name)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cp.Generation != gen {
			t.Fatalf("%s: checkpoint after generation %d", name, cp.Generation)
		}
		res, err := Genetic(fuzzSpace(), fuzzEvaluator(), fuzzConfig(), Options{Resume: cp})
		if err != nil {
			t.Fatalf("%s no longer resumes (regenerate the corpus, see FuzzCheckpoint): %v", name, err)
		}
		checkResult(t, fuzzSpace(), fuzzConfig(), res)
	}
	if _, err := DecodeCheckpoint(readCorpusFile(t, filepath.Join(dir, "truncated_generation1"))); err == nil {
		t.Error("truncated_generation1 decodes")
	}
}

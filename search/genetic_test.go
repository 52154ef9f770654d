package search

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func toyConfig(seed int64) Config {
	return Config{
		Population:    16,
		Generations:   30,
		Elitism:       2,
		CrossoverRate: 0.8,
		MutationRate:  0.01,
		Seed:          seed,
		Objective:     Objective{Name: AccuracyAtSparsity, Budgeted: true},
	}
}

func TestGeneticBeatsTopKAndRandom(t *testing.T) {
	for _, seed := range []int64{1, 2, 5} {
		// Noise such that TopK misses several of the best slots.
		tp, sp := newToy([]int{120, 80}, 50, seed, 0.6)
		topAcc := tp.accuracy(TopK(sp))
		res, err := Genetic(sp, tp, toyConfig(seed), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkBudget(t, "best", res.Best, sp)
		if topAcc >= 0.95 {
			t.Fatalf("seed %d: TopK already reaches %.3f; the toy is too easy", seed, topAcc)
		}
		rtp, _ := newToy([]int{120, 80}, 50, seed, 0.6)
		rnd, err := Random(sp, rtp, res.Evaluations, seed, toyConfig(seed).Objective, 16)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: TopK %.3f, GA %.3f (%d evaluations), random %.3f (%d)",
			seed, topAcc, res.BestScore.ValAccuracy, res.Evaluations, rnd.BestScore.ValAccuracy, rnd.Evaluations)
		if res.BestScore.ValAccuracy < 0.95 {
			t.Errorf("seed %d: GA reached %.3f of the optimum, want >= 0.95", seed, res.BestScore.ValAccuracy)
		}
		if res.BestScore.ValAccuracy <= topAcc {
			t.Errorf("seed %d: GA %.3f did not improve on TopK %.3f", seed, res.BestScore.ValAccuracy, topAcc)
		}
		if rnd.Evaluations != res.Evaluations {
			t.Errorf("seed %d: random made %d evaluations, GA %d", seed, rnd.Evaluations, res.Evaluations)
		}
		if rnd.BestScore.ValAccuracy >= res.BestScore.ValAccuracy {
			t.Errorf("seed %d: random %.3f >= GA %.3f", seed, rnd.BestScore.ValAccuracy, res.BestScore.ValAccuracy)
		}
		checkBudget(t, "random best", rnd.Best, sp)
		if math.Abs(res.BestFitness-tp.accuracy(res.Best)) > 1e-12 || res.HallOfFame[0].Fitness != res.BestFitness {
			t.Errorf("seed %d: best fitness %v does not match its mask", seed, res.BestFitness)
		}
	}
}

func TestGeneticResultShape(t *testing.T) {
	tp, sp := newToy([]int{120, 80}, 50, 9, 0.8)
	var gens []int
	res, err := Genetic(sp, tp, toyConfig(9), Options{OnGeneration: func(p Progress, cp *Checkpoint) error {
		gens = append(gens, p.Generation)
		if cp.Generation != p.Generation || len(cp.Population) != 16 || cp.Evaluations != p.Evaluations {
			t.Errorf("checkpoint %d/%d masks/%d evals for progress %+v", cp.Generation, len(cp.Population), cp.Evaluations, p)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 31 || gens[0] != 0 || gens[30] != 30 || res.Generations != 30 || len(res.History) != 31 {
		t.Fatalf("callbacks for generations %v, result generations %d, history %d", gens, res.Generations, len(res.History))
	}
	// Generation 0 scores the initial population as one batch, later ones
	// one batch each at most.
	if tp.batches > 31 || res.History[0].Evaluations != 16 {
		t.Fatalf("%d evaluator batches, %d evaluations in generation 0", tp.batches, res.History[0].Evaluations)
	}
	// Elitism makes the population's best never worse.
	for i := 1; i < len(res.History); i++ {
		if res.History[i].BestFitness < res.History[i-1].BestFitness {
			t.Fatalf("best fitness fell from %v to %v at generation %d", res.History[i-1].BestFitness, res.History[i].BestFitness, i)
		}
		if res.History[i].MeanFitness > res.History[i].BestFitness {
			t.Fatal("mean above best")
		}
	}
	last := res.History[30]
	if last.BestFitness != res.BestFitness || last.BestDensity != 50.0/200 || last.Evaluations != res.Evaluations {
		t.Fatalf("last progress %+v vs result best %v", last, res.BestFitness)
	}
	if len(res.HallOfFame) != 5 {
		t.Fatalf("hall of fame has %d entries", len(res.HallOfFame))
	}
	seen := map[uint64]bool{}
	for i, h := range res.HallOfFame {
		if seen[h.Mask.Hash()] {
			t.Fatal("duplicate in hall of fame")
		}
		seen[h.Mask.Hash()] = true
		if i > 0 && h.Fitness > res.HallOfFame[i-1].Fitness {
			t.Fatal("hall of fame not best first")
		}
	}
}

func TestCacheEvaluatesEachMaskOnce(t *testing.T) {
	tp, sp := newToy([]int{30, 20}, 10, 11, 0.5)
	cfg := toyConfig(11)
	cfg.MutationRate = 0.02 // small space and rate: many repeated children
	res, err := Genetic(sp, tp, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for h, n := range tp.seen {
		if n != 1 {
			t.Fatalf("mask %x evaluated %d times", h, n)
		}
	}
	if tp.calls != len(tp.seen) || res.Evaluations != tp.calls {
		t.Fatalf("evaluator saw %d masks, %d distinct; result counts %d", tp.calls, len(tp.seen), res.Evaluations)
	}
	if res.Evaluations >= 16*31 {
		t.Fatalf("%d evaluations: the cache saved nothing", res.Evaluations)
	}
}

func TestGeneticDeterministic(t *testing.T) {
	run := func() *Result {
		tp, sp := newToy([]int{120, 80}, 50, 12, 0.8)
		tp.quantum = 0.01 // ties between different masks
		res, err := Genetic(sp, tp, toyConfig(12), Options{})
		if err != nil {
			t.Fatal(err)
		}
		res.History = stripTiming(res.History)
		return res
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs differ:\n%+v\n%+v", a.History[len(a.History)-1], b.History[len(b.History)-1])
	}
	tp, sp := newToy([]int{120, 80}, 50, 12, 0.8)
	tp.quantum = 0.01
	c, err := Genetic(sp, tp, toyConfig(13), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Best.Equal(a.Best) && reflect.DeepEqual(stripTiming(c.History), a.History) {
		t.Fatal("a different seed gave the same run")
	}
}

var errStop = errors.New("stop requested")

func TestResume(t *testing.T) {
	const stopAfter = 5
	space := func() (*toy, Space) {
		tp, sp := newToy([]int{120, 80}, 50, 14, 0.8)
		tp.quantum = 0.02 // many ties, to exercise the tie-breaking
		return tp, sp
	}
	cfg := toyConfig(14)
	cfg.Population = 20 // past the 12 elements sort.Slice sorts stably
	cfg.Generations = 15

	tp, sp := space()
	full, err := Genetic(sp, tp, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}

	tp1, sp1 := space()
	var saved []byte
	_, err = Genetic(sp1, tp1, cfg, Options{OnGeneration: func(p Progress, cp *Checkpoint) error {
		if p.Generation < stopAfter {
			return nil
		}
		var err error
		saved, err = json.Marshal(cp)
		if err != nil {
			return err
		}
		return errStop
	}})
	if !errors.Is(err, errStop) {
		t.Fatalf("stopped run returned %v, want the sentinel", err)
	}
	if !strings.Contains(err.Error(), "generation 5") {
		t.Fatalf("error %q lacks context", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(saved, &cp); err != nil {
		t.Fatal(err)
	}
	// The population's order must not matter, only its contents.
	slices.Reverse(cp.Population)

	tp2, sp2 := space()
	var resumedGens []int
	resumed, err := Genetic(sp2, tp2, cfg, Options{Resume: &cp, OnGeneration: func(p Progress, _ *Checkpoint) error {
		resumedGens = append(resumedGens, p.Generation)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !resumed.Best.Equal(full.Best) || resumed.BestFitness != full.BestFitness {
		t.Fatalf("resumed best %x (%v) differs from uninterrupted %x (%v)",
			resumed.Best.Hash(), resumed.BestFitness, full.Best.Hash(), full.BestFitness)
	}
	if !reflect.DeepEqual(stripTiming(resumed.History), stripTiming(full.History)) {
		t.Fatalf("resumed history differs:\n%+v\n%+v", stripTiming(resumed.History), stripTiming(full.History))
	}
	if !reflect.DeepEqual(resumed.HallOfFame, full.HallOfFame) || resumed.Evaluations != full.Evaluations {
		t.Fatalf("resumed hall of fame or evaluations (%d vs %d) differ", resumed.Evaluations, full.Evaluations)
	}
	// The resumed run reports only the generations it ran and evaluates
	// exactly the masks the uninterrupted run evaluated after the stop.
	if len(resumedGens) != 10 || resumedGens[0] != 6 {
		t.Fatalf("resumed run reported generations %v", resumedGens)
	}
	if tp1.calls+tp2.calls != tp.calls {
		t.Fatalf("evaluations: %d before stop + %d after != %d uninterrupted", tp1.calls, tp2.calls, tp.calls)
	}

	// A finished run resumes to itself without evaluating anything.
	tp3, sp3 := space()
	cfg.Generations = stopAfter
	again, err := Genetic(sp3, tp3, cfg, Options{Resume: &cp})
	if err != nil || tp3.calls != 0 || again.Generations != stopAfter {
		t.Fatalf("resume of a finished run: %v, %d calls", err, tp3.calls)
	}

	// A checkpoint only resumes the search it came from.
	cfg.Generations = 15
	cfg.Seed++
	if _, err := Genetic(sp3, tp3, cfg, Options{Resume: &cp}); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("resume with another seed: %v", err)
	}
}

func TestWeightedObjective(t *testing.T) {
	tp, sp := newToy([]int{120, 80}, 50, 15, 0.3)
	// Half of the slots hurt: the best density is well below 1.
	for i := range tp.truth {
		if i%2 == 1 {
			tp.truth[i] = -tp.truth[i]
		}
	}
	cfg := toyConfig(15)
	cfg.Objective = Objective{Name: Weighted, Lambda: 0.5}
	cfg.MutationRate = 0.02
	res, err := Genetic(sp, tp, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := res.BestScore.ValAccuracy - 0.5*res.Best.Density()
	if math.Abs(res.BestFitness-want) > 1e-12 {
		t.Fatalf("weighted fitness %v, want %v", res.BestFitness, want)
	}
	if res.Best.Count() == sp.Keep {
		t.Fatal("unbudgeted search never changed the number of kept slots")
	}
	if res.BestFitness <= res.History[0].BestFitness {
		t.Fatalf("weighted search did not improve: %v -> %v", res.History[0].BestFitness, res.BestFitness)
	}
	for _, c := range sp.Counts(res.Best) {
		if c < 1 {
			t.Fatal("segment emptied")
		}
	}
}

func TestGeneticRejectsBadInput(t *testing.T) {
	tp, sp := newToy([]int{20, 10}, 5, 16, 0.5)
	for name, mod := range map[string]func(*Config){
		"population":  func(c *Config) { c.Population = 1 },
		"elitism":     func(c *Config) { c.Elitism = 16 },
		"generations": func(c *Config) { c.Generations = -1 },
		"crossover":   func(c *Config) { c.CrossoverRate = 1.5 },
		"mutation":    func(c *Config) { c.MutationRate = math.NaN() },
		"objective":   func(c *Config) { c.Objective.Name = "speed" },
		"unbudgeted":  func(c *Config) { c.Objective.Budgeted = false },
	} {
		cfg := toyConfig(16)
		mod(&cfg)
		if _, err := Genetic(sp, tp, cfg, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad := sp
	bad.Keep = 1000
	if _, err := Genetic(bad, tp, toyConfig(16), Options{}); err == nil {
		t.Error("bad space accepted")
	}
	if _, err := Genetic(sp, nil, toyConfig(16), Options{}); err == nil {
		t.Error("nil evaluator accepted")
	}
	if _, err := Random(sp, tp, 0, 1, toyConfig(1).Objective, 4); err == nil {
		t.Error("random with no evaluations accepted")
	}
}

func TestEvaluatorFailures(t *testing.T) {
	_, sp := newToy([]int{20, 10}, 5, 17, 0.5)
	boom := errors.New("out of memory")
	cases := map[string]EvaluatorFunc{
		"error": func([]Mask) ([]Score, error) { return nil, boom },
		"short": func(m []Mask) ([]Score, error) { return make([]Score, len(m)-1), nil },
		"nan": func(m []Mask) ([]Score, error) {
			s := make([]Score, len(m))
			s[0].ValAccuracy = math.NaN()
			return s, nil
		},
	}
	for name, ev := range cases {
		if _, err := Genetic(sp, ev, toyConfig(17), Options{}); err == nil {
			t.Errorf("%s: no error", name)
		} else if name == "error" && !errors.Is(err, boom) {
			t.Errorf("evaluator error not wrapped: %v", err)
		}
	}
	// An evaluator failing mid-run stops it with the cause.
	calls := 0
	flaky := EvaluatorFunc(func(m []Mask) ([]Score, error) {
		if calls++; calls == 3 {
			return nil, boom
		}
		return make([]Score, len(m)), nil
	})
	if _, err := Genetic(sp, flaky, toyConfig(17), Options{}); !errors.Is(err, boom) {
		t.Errorf("mid-run failure: %v", err)
	}
}

func TestCheckpointJSONKeepsNonFiniteLoss(t *testing.T) {
	_, sp := newToy([]int{20, 10}, 5, 18, 0.5)
	ev := EvaluatorFunc(func(m []Mask) ([]Score, error) {
		s := make([]Score, len(m))
		for i := range s {
			s[i] = Score{ValAccuracy: float64(m[i].Hash()%100) / 100, Loss: math.Inf(1)}
		}
		s[0].Loss = math.NaN()
		return s, nil
	})
	cfg := toyConfig(18)
	cfg.Generations = 2
	var last []byte
	_, err := Genetic(sp, ev, cfg, Options{OnGeneration: func(_ Progress, cp *Checkpoint) error {
		var err error
		last, err = json.Marshal(cp)
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(last, &cp); err != nil {
		t.Fatal(err)
	}
	nan, inf := 0, 0
	for _, s := range cp.Scores {
		switch {
		case math.IsNaN(s.Score.Loss):
			nan++
		case math.IsInf(s.Score.Loss, 1):
			inf++
		}
	}
	if nan == 0 || inf == 0 || nan+inf != len(cp.Scores) {
		t.Fatalf("%d NaN and %d +Inf losses of %d after the round trip", nan, inf, len(cp.Scores))
	}
}

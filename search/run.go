package search

import (
	"cmp"
	"slices"
	"time"
)

// hallOfFameSize is how many distinct best masks a Result keeps.
const hallOfFameSize = 5

// Ranked is a scored mask.
type Ranked struct {
	Mask    Mask    `json:"mask"`
	Score   Score   `json:"score"`
	Fitness float64 `json:"fitness"`
}

// Progress summarises one generation (or, for Random, one batch).
type Progress struct {
	Generation  int `json:"generation"`
	Evaluations int `json:"evaluations"` // evaluator calls so far, one per distinct mask
	// BestFitness, BestValAccuracy and BestDensity describe the fittest mask
	// of the population (for Random: of the run so far); MeanFitness is the
	// population (batch) mean.
	BestFitness     float64 `json:"best_fitness"`
	MeanFitness     float64 `json:"mean_fitness"`
	BestValAccuracy float64 `json:"best_val_accuracy"`
	BestDensity     float64 `json:"best_density"`
	Seconds         float64 `json:"seconds"` // since the search started, resumed runs included
	EvalsPerSec     float64 `json:"evals_per_sec"`
}

// Result is the outcome of a search.
type Result struct {
	Best        Mask
	BestScore   Score
	BestFitness float64
	// HallOfFame holds the best distinct masks seen, best first.
	HallOfFame  []Ranked
	Generations int
	Evaluations int
	History     []Progress
}

// run is the state a search carries from generation to generation; a
// Checkpoint is a snapshot of it.
type run struct {
	space       Space
	objective   Objective
	cache       *evalCache
	hof         []Ranked
	history     []Progress
	generation  int
	start       time.Time
	prevSeconds float64 // time spent before a resume
}

func newRun(space Space, ev Evaluator, objective Objective) *run {
	return &run{space: space, objective: objective, cache: newEvalCache(ev), start: time.Now()}
}

// rank scores masks (one evaluator batch for the uncached ones).
func (r *run) rank(masks []Mask) ([]Ranked, error) {
	scores, err := r.cache.scoreAll(masks)
	if err != nil {
		return nil, err
	}
	out := make([]Ranked, len(masks))
	for i, m := range masks {
		out[i] = Ranked{Mask: m, Score: scores[i], Fitness: r.objective.Fitness(scores[i], m.Density())}
	}
	return out, nil
}

// compareRanked orders best first; equal fitness falls back to the mask hash
// so that every ordering in the search is total and hence reproducible.
func compareRanked(a, b Ranked) int {
	if c := cmp.Compare(b.Fitness, a.Fitness); c != 0 {
		return c
	}
	return cmp.Compare(a.Mask.Hash(), b.Mask.Hash())
}

// hofCap is the most masks the hall of fame holds.
func (r *run) hofCap() int {
	if r.objective.Name == Pareto {
		return archiveSize
	}
	return hallOfFameSize
}

// updateHallOfFame merges pop into the hall of fame, one entry per distinct
// mask scored on the full validation data (pareto: the archive of the
// non-dominated ones).
func (r *run) updateHallOfFame(pop []Ranked) {
	if r.objective.Name == Pareto {
		r.updateArchive(pop)
		return
	}
	seen := make(map[uint64]bool, len(r.hof))
	for _, h := range r.hof {
		seen[h.Mask.Hash()] = true
	}
	for _, p := range pop {
		if h := p.Mask.Hash(); !seen[h] && !p.Score.Partial {
			seen[h] = true
			r.hof = append(r.hof, Ranked{Mask: p.Mask.Clone(), Score: p.Score, Fitness: p.Fitness})
		}
	}
	slices.SortFunc(r.hof, compareRanked)
	r.hof = r.hof[:min(len(r.hof), hallOfFameSize)]
}

func (r *run) seconds() float64 { return r.prevSeconds + time.Since(r.start).Seconds() }

// progress summarises pop; best is the mask reported as the best.
func (r *run) progress(gen int, pop []Ranked, best Ranked) Progress {
	mean := 0.0
	for _, p := range pop {
		mean += p.Fitness
	}
	if len(pop) > 0 {
		mean /= float64(len(pop))
	}
	secs := r.seconds()
	eps := 0.0
	if secs > 0 {
		eps = float64(r.cache.calls) / secs
	}
	return Progress{
		Generation:      gen,
		Evaluations:     r.cache.calls,
		BestFitness:     best.Fitness,
		MeanFitness:     mean,
		BestValAccuracy: best.Score.ValAccuracy,
		BestDensity:     best.Mask.Density(),
		Seconds:         secs,
		EvalsPerSec:     eps,
	}
}

func (r *run) result() *Result {
	res := &Result{
		Generations: r.generation,
		Evaluations: r.cache.calls,
		History:     slices.Clone(r.history),
	}
	for _, h := range r.hof {
		res.HallOfFame = append(res.HallOfFame, Ranked{Mask: h.Mask.Clone(), Score: h.Score, Fitness: h.Fitness})
	}
	if len(r.hof) > 0 {
		best := 0
		if r.objective.Name == Pareto {
			best = Knee(r.space, r.hof)
			if r.objective.MaxError > 0 {
				best = Cheapest(r.hof, r.objective.MaxError)
			}
		}
		b := r.hof[best]
		res.Best, res.BestScore, res.BestFitness = b.Mask.Clone(), b.Score, b.Fitness
	}
	return res
}

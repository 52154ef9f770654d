package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// checkpointVersion changes whenever the meaning of a checkpoint does.
const checkpointVersion = 1

// Checkpoint is the whole state of a genetic search after a generation.
// Randomness is derived from (seed, generation), so the state is just the
// population and what the search has learned; resuming from it replays the
// remaining generations exactly as the uninterrupted run.
type Checkpoint struct {
	Version int `json:"version"`
	// Fingerprint identifies the space and every setting that shapes the
	// search except the number of generations, which a resume may extend.
	Fingerprint string     `json:"fingerprint"`
	Generation  int        `json:"generation"` // last completed; 0 = initial population
	Evaluations int        `json:"evaluations"`
	Seconds     float64    `json:"seconds"` // search time so far, so progress timing continues
	Population  []Ranked   `json:"population"`
	HallOfFame  []Ranked   `json:"hall_of_fame"`
	History     []Progress `json:"history"`
	// Scores is the fitness cache, by mask hash, sorted. Without it a
	// resumed run would re-evaluate masks the original run had cached and
	// its evaluation count would drift.
	Scores []CachedScore `json:"scores"`
}

// CachedScore is one fitness cache entry; Hash is Mask.Hash in hex.
type CachedScore struct {
	Hash  string `json:"hash"`
	Score Score  `json:"score"`
}

func hashKey(h uint64) string { return fmt.Sprintf("%016x", h) }

// checkpoint snapshots the search after a generation whose population is pop.
func (g *genetic) checkpoint(pop []Ranked) *Checkpoint {
	r := g.run
	cp := &Checkpoint{
		Version:     checkpointVersion,
		Fingerprint: g.fp,
		Generation:  r.generation,
		Evaluations: r.cache.calls,
		Seconds:     r.seconds(),
		History:     slices.Clone(r.history),
	}
	// Copies, because the caller may keep the checkpoint while the search
	// goes on.
	for _, p := range pop {
		cp.Population = append(cp.Population, Ranked{Mask: p.Mask.Clone(), Score: p.Score, Fitness: p.Fitness})
	}
	for _, h := range r.hof {
		cp.HallOfFame = append(cp.HallOfFame, Ranked{Mask: h.Mask.Clone(), Score: h.Score, Fitness: h.Fitness})
	}
	keys := make([]uint64, 0, len(r.cache.scores))
	for h := range r.cache.scores {
		keys = append(keys, h)
	}
	slices.Sort(keys)
	cp.Scores = make([]CachedScore, len(keys))
	for i, h := range keys {
		cp.Scores[i] = CachedScore{Hash: hashKey(h), Score: r.cache.scores[h]}
	}
	return cp
}

// restore loads a checkpoint into a fresh search and returns its population.
func (g *genetic) restore(cp *Checkpoint) ([]Mask, error) {
	n := g.space.N()
	switch {
	case cp.Version != checkpointVersion:
		return nil, fmt.Errorf("checkpoint version %d, want %d", cp.Version, checkpointVersion)
	case cp.Fingerprint != g.fp:
		return nil, fmt.Errorf("checkpoint fingerprint %s does not match this space and configuration (%s)", cp.Fingerprint, g.fp)
	case cp.Generation < 0 || cp.Generation > g.cfg.Generations:
		return nil, fmt.Errorf("checkpoint after generation %d, but the search has %d", cp.Generation, g.cfg.Generations)
	case len(cp.Population) != g.cfg.Population:
		return nil, fmt.Errorf("checkpoint population %d, want %d", len(cp.Population), g.cfg.Population)
	case len(cp.History) != cp.Generation+1:
		return nil, fmt.Errorf("checkpoint has %d history entries after generation %d", len(cp.History), cp.Generation)
	case cp.Evaluations < 0:
		return nil, fmt.Errorf("checkpoint has negative evaluation count %d", cp.Evaluations)
	}
	r := g.run
	for _, e := range cp.Scores {
		h, err := strconv.ParseUint(e.Hash, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("checkpoint score key %q: %w", e.Hash, err)
		}
		r.cache.scores[h] = e.Score
	}
	masks := make([]Mask, len(cp.Population))
	for i, p := range cp.Population {
		if p.Mask.N != n {
			return nil, fmt.Errorf("checkpoint population mask %d has %d slots, want %d", i, p.Mask.N, n)
		}
		masks[i] = p.Mask.Clone()
		// A population member missing from the cache would otherwise be
		// re-evaluated and counted twice.
		if h := p.Mask.Hash(); !cachedScore(r.cache, h) {
			r.cache.scores[h] = p.Score
		}
	}
	for i, h := range cp.HallOfFame {
		if h.Mask.N != n {
			return nil, fmt.Errorf("checkpoint hall-of-fame mask %d has %d slots, want %d", i, h.Mask.N, n)
		}
		r.hof = append(r.hof, Ranked{Mask: h.Mask.Clone(), Score: h.Score, Fitness: h.Fitness})
	}
	r.cache.calls = cp.Evaluations
	r.history = slices.Clone(cp.History)
	r.generation = cp.Generation
	if !math.IsNaN(cp.Seconds) && cp.Seconds > 0 {
		r.prevSeconds = cp.Seconds
	}
	return masks, nil
}

func cachedScore(c *evalCache, h uint64) bool {
	_, ok := c.scores[h]
	return ok
}

// fingerprint hashes the space and the settings that shape the search.
func fingerprint(space Space, cfg Config) string {
	h := sha256.New()
	buf := make([]byte, 0, 64)
	num := func(v uint64) { buf = binary.LittleEndian.AppendUint64(buf[:0], v); h.Write(buf) }
	str := func(s string) { num(uint64(len(s))); h.Write([]byte(s)) }
	flt := func(f float64) { num(math.Float64bits(f)) }
	str("evoprune/search v1")
	num(uint64(space.Keep))
	num(uint64(space.minKeep()))
	num(uint64(len(space.Segments)))
	if space.PerLayer {
		str("per-layer")
	}
	for _, seg := range space.Segments {
		str(seg.Name)
		num(uint64(seg.Size))
		num(uint64(len(seg.Scores)))
		for _, s := range seg.Scores {
			flt(s)
		}
	}
	num(uint64(cfg.Population))
	num(uint64(cfg.Elitism))
	flt(cfg.CrossoverRate)
	flt(cfg.MutationRate)
	num(uint64(cfg.Seed))
	flt(cfg.Perturb)
	str(cfg.Objective.Name)
	flt(cfg.Objective.Lambda)
	if cfg.Objective.Budgeted {
		num(1)
	} else {
		num(0)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

package search

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// DecodeCheckpoint parses a checkpoint as json.Marshal writes it. It is
// strict: unknown fields, trailing data and anything but a single JSON
// object are errors, so a truncated or corrupt file is reported as such
// rather than resumed from half a state. Whether the checkpoint fits a
// search is checked when Genetic resumes from it.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cp *Checkpoint
	if err := dec.Decode(&cp); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("decode search checkpoint: truncated file (%d bytes): %w", len(data), err)
		}
		return nil, fmt.Errorf("decode search checkpoint: corrupt file: %w", err)
	}
	if cp == nil {
		return nil, errors.New("decode search checkpoint: corrupt file: null instead of a checkpoint object")
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode search checkpoint: corrupt file: trailing data after the checkpoint, which ends at byte %d of %d", end, len(data))
	}
	return cp, nil
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
	case len(cp.HallOfFame) == 0 || len(cp.HallOfFame) > g.run.hofCap():
		// Every generation has full-fidelity scores, so even the initial
		// population fills the hall of fame.
		return nil, fmt.Errorf("checkpoint hall of fame has %d masks, want 1 to %d", len(cp.HallOfFame), g.run.hofCap())
	}
	r := g.run
	for _, e := range cp.Scores {
		h, err := strconv.ParseUint(e.Hash, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("checkpoint score key %q: %w", e.Hash, err)
		}
		if err := finiteAccuracy(e.Score); err != nil {
			return nil, fmt.Errorf("checkpoint score %s: %w", e.Hash, err)
		}
		r.cache.scores[h] = e.Score
	}
	masks := make([]Mask, len(cp.Population))
	for i, p := range cp.Population {
		if err := g.checkMask(p.Mask); err != nil {
			return nil, fmt.Errorf("checkpoint population mask %d: %w", i, err)
		}
		masks[i] = p.Mask.Clone()
		// A population member missing from the cache would otherwise be
		// re-evaluated and counted twice.
		if h := p.Mask.Hash(); !cachedScore(r.cache, h) {
			if err := finiteAccuracy(p.Score); err != nil {
				return nil, fmt.Errorf("checkpoint population mask %d: %w", i, err)
			}
			r.cache.scores[h] = p.Score
		}
	}
	for i, h := range cp.HallOfFame {
		if err := g.checkMask(h.Mask); err != nil {
			return nil, fmt.Errorf("checkpoint hall-of-fame mask %d: %w", i, err)
		}
		if err := finiteAccuracy(h.Score); err != nil {
			return nil, fmt.Errorf("checkpoint hall-of-fame mask %d: %w", i, err)
		}
		if h.Score.Partial {
			return nil, fmt.Errorf("checkpoint hall-of-fame mask %d has a partial (low-fidelity) score", i)
		}
		if math.IsNaN(h.Fitness) || math.IsInf(h.Fitness, 0) {
			return nil, fmt.Errorf("checkpoint hall-of-fame mask %d has fitness %v", i, h.Fitness)
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

// checkMask rejects a restored mask the search could not have produced: one
// of another size, with stray bits, or breaking the budget the operators
// keep. Masks built in Go rather than decoded skip Mask.UnmarshalJSON's
// checks, and the operators index the words without bounds checks of their
// own.
func (g *genetic) checkMask(m Mask) error {
	n := g.space.N()
	if m.N != n {
		return fmt.Errorf("%d slots, want %d", m.N, n)
	}
	if len(m.Bits) != (n+63)/64 {
		return fmt.Errorf("%d words for %d slots, want %d", len(m.Bits), n, (n+63)/64)
	}
	if r := n & 63; r != 0 && m.Bits[len(m.Bits)-1]>>uint(r) != 0 {
		return fmt.Errorf("bits set beyond slot %d", n)
	}
	mk := g.space.minKeep()
	for si, c := range g.space.Counts(m) {
		if c < mk {
			return fmt.Errorf("keeps %d slots of segment %d (%q), below the minimum %d", c, si, g.space.Segments[si].Name, mk)
		}
	}
	if g.space.CostBudgeted() {
		if c := g.space.CostOf(m); g.cfg.Objective.Budgeted && c > g.space.MaxCost {
			return fmt.Errorf("costs %g, but the budget is %g", c, g.space.MaxCost)
		}
	} else if c := m.Count(); g.cfg.Objective.Budgeted && c != g.space.Keep {
		return fmt.Errorf("keeps %d slots, but the budget is %d", c, g.space.Keep)
	}
	if g.space.PerLayer && !m.Equal(prefixMask(g.space, g.space.Counts(m))) {
		return fmt.Errorf("not a per-layer allocation (kept slots must lead each segment)")
	}
	return nil
}

// finiteAccuracy rejects what the evaluator cache refuses to store.
func finiteAccuracy(s Score) error {
	if math.IsNaN(s.ValAccuracy) || math.IsInf(s.ValAccuracy, 0) {
		return fmt.Errorf("accuracy %v is not finite", s.ValAccuracy)
	}
	return nil
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
	if space.Cost != nil {
		str("cost")
		flt(space.MaxCost)
		flt(space.Cost.Fixed)
		for _, t := range space.Cost.Terms {
			num(uint64(int64(t.In)))
			num(uint64(int64(t.Out)))
			for _, f := range []float64{t.InFixed, t.OutFixed, t.InRepeat, t.Factor} {
				flt(f)
			}
		}
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

package strategy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/search"
)

// perLayer runs allocation genomes (layer granularity, or search.genome
// layers): the genome is one keep count per layer (per tied group of
// channels) and the criterion's scores decide inside each layer. It
// presents the mask space to the search with every segment sorted best
// first (search.Space.PerLayer, whose masks keep a prefix of each segment)
// and translates those prefix masks back into masks of the flat space for
// the evaluator and the pipeline.
type perLayer struct {
	flat   search.Space // the mask space, slots in network order
	sorted search.Space // the same segments and budget, best slot first
	perm   [][]int      // perm[si][j]: network index of the j-th best slot
	ev     search.Evaluator
}

func newPerLayer(flat search.Space, ev search.Evaluator) *perLayer {
	pl := &perLayer{flat: flat, ev: ev, sorted: search.Space{Keep: flat.Keep, MinKeep: flat.MinKeep,
		Cost: flat.Cost, MaxCost: flat.MaxCost, PerLayer: true}}
	for _, seg := range flat.Segments {
		order := rankDesc(segmentScores(seg), nil)
		scores := make([]float64, len(order))
		for j, i := range order {
			scores[j] = segmentScores(seg)[i]
		}
		pl.perm = append(pl.perm, order)
		pl.sorted.Segments = append(pl.sorted.Segments, search.Segment{Name: seg.Name, Size: seg.Size, Scores: scores})
	}
	return pl
}

// toFlat maps a prefix mask of the sorted space onto the flat space.
func (pl *perLayer) toFlat(m search.Mask) search.Mask {
	out := search.NewMask(pl.flat.N())
	off := pl.flat.Offsets()
	for si, k := range pl.sorted.Counts(m) {
		for _, i := range pl.perm[si][:k] {
			out.Set(off[si]+i, true)
		}
	}
	return out
}

// Evaluate scores allocations as the masks they stand for.
func (pl *perLayer) Evaluate(masks []search.Mask) ([]search.Score, error) {
	w := make([]search.Mask, len(masks))
	for i, m := range masks {
		w[i] = pl.toFlat(m)
	}
	return pl.ev.Evaluate(w)
}

// toFlatResult rewrites a result's masks as masks of the flat space.
func (pl *perLayer) toFlatResult(res *search.Result) *search.Result {
	out := *res
	out.Best = pl.toFlat(res.Best)
	out.HallOfFame = slices.Clone(res.HallOfFame)
	for i := range out.HallOfFame {
		out.HallOfFame[i].Mask = pl.toFlat(res.HallOfFame[i].Mask)
	}
	return &out
}

// describe lists the kept share of every layer, e.g. "fc1 8.0%, fc2 9.0%".
func (pl *perLayer) describe(m search.Mask) string {
	var parts []string
	for si, k := range pl.sorted.Counts(m) {
		seg := pl.sorted.Segments[si]
		parts = append(parts, fmt.Sprintf("%s %.1f%%", seg.Name, 100*float64(k)/float64(seg.Size)))
	}
	return strings.Join(parts, ", ")
}

// overLayers runs a population search over s's masks, or, with layer
// granularity or search.genome layers, over per-layer allocations (one keep
// count per layer, the criterion deciding inside each) whose best is turned
// back into a mask.
func (s *Search) overLayers(run func(search.Space, search.Evaluator) (*search.Result, error)) (*Found, error) {
	if s.Exp.Prune.Granularity != "layer" && s.Exp.Search.Genome != config.GenomeLayers {
		res, err := run(s.Space, s.Screen)
		return &Found{Result: res}, err
	}
	pl := newPerLayer(s.Space, s.Screen)
	res, err := run(pl.sorted, pl)
	if err != nil {
		return nil, err
	}
	s.Printf("search: per-layer keep: %s\n", pl.describe(res.Best))
	return &Found{Result: pl.toFlatResult(res)}, nil
}

package fitness

import (
	"errors"
	"sync"

	"github.com/evoprune/evoprune/search"
)

// scores turns summed losses and correct counts over n samples into scores.
func scores(loss []float64, correct []int32, n int) []search.Score {
	out := make([]search.Score, len(loss))
	for p := range out {
		out[p] = search.Score{ValAccuracy: float64(correct[p]) / float64(n), Loss: loss[p] / float64(n)}
	}
	return out
}

// parallel calls f on contiguous runs [p0, p1) of individuals of about equal
// total cost, one run per thread, and waits for them.
func parallel(cost []int, threads int, f func(p0, p1 int) error) error {
	total := 0
	for _, c := range cost {
		total += c
	}
	errs := make([]error, threads)
	var wg sync.WaitGroup
	p0, acc := 0, 0
	for th := 0; th < threads && p0 < len(cost); th++ {
		p1 := p0
		for p1 < len(cost) && (p1 == p0 || acc*threads < total*(th+1)) {
			acc += cost[p1]
			p1++
		}
		if th == threads-1 {
			p1 = len(cost)
		}
		wg.Add(1)
		go func(th, p0, p1 int) {
			defer wg.Done()
			errs[th] = f(p0, p1)
		}(th, p0, p1)
		p0 = p1
	}
	wg.Wait()
	return errors.Join(errs...)
}

// splitBlocks runs f on equal shares of blocks sample blocks, one share per
// thread (at most one thread per block), for every one of pop individuals,
// and sums the threads' losses and correct counts.
func splitBlocks(threads, blocks, pop int, f func(b0, b1 int, loss []float64, correct []int32) error) ([]float64, []int32, error) {
	threads = max(1, min(threads, blocks))
	losses := make([][]float64, threads)
	corrects := make([][]int32, threads)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for th := range threads {
		losses[th] = make([]float64, pop)
		corrects[th] = make([]int32, pop)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[th] = f(blocks*th/threads, blocks*(th+1)/threads, losses[th], corrects[th])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	loss := make([]float64, pop)
	correct := make([]int32, pop)
	for th := range losses {
		for p := range loss {
			loss[p] += losses[th][p]
			correct[p] += corrects[th][p]
		}
	}
	return loss, correct, nil
}

// keptUnits lists a mask's kept units per group (sizes: units per group).
func keptUnits(m search.Mask, sizes []int) ([][]int32, error) {
	kept := make([][]int32, len(sizes))
	off := 0
	for g, size := range sizes {
		kept[g] = m.AppendKept(nil, off, off+size)
		if len(kept[g]) == 0 {
			return nil, errors.New("a mask removes every unit of a layer")
		}
		off += size
	}
	return kept, nil
}

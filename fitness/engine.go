package fitness

// #include "engine.h"
import "C"

import (
	"errors"
	"fmt"

	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/search"
)

// engine scores whole populations of masks at once. An Evaluator takes the
// first engine of the list that accepts its network (see prepare); masks
// of networks no engine runs are evaluated one by one.
type engine interface {
	evaluate(masks []search.Mask) ([]search.Score, error)
	name() string
	close()
}

// engineMaker returns an engine for e's network and data, or nil (a plain
// nil, not a nil pointer in an interface) when it cannot run them.
type engineMaker func(e *Evaluator) engine

// unitEngines are the engines for unit (neuron / channel) masks, in order
// of preference: the CPU tiles after a shared prefix, the CPU conv program
// from the input, the batched torch chain (what GPUs run).
func unitEngines() []engineMaker {
	return []engineMaker{tailEngine, cnnEngine, chainEngine}
}

// weightEngines are the engines for weight masks.
func weightEngines() []engineMaker {
	return []engineMaker{sparseEngine}
}

func tailEngine(e *Evaluator) engine {
	if e.prefix == nil {
		return nil
	}
	var t *tail
	model.NoGrad(func() { t = newTail(e.Net, e.Groups, e.prefixAt, e.prefix, e.Val.Y, torchrt.Threads()) })
	if t == nil {
		return nil
	}
	return t
}

func cnnEngine(e *Evaluator) engine {
	c := newCNN(e.Net, e.Groups, e.Val, torchrt.Threads())
	if c == nil {
		return nil
	}
	e.dropPrefix() // the program runs from the input
	return c
}

func chainEngine(e *Evaluator) engine {
	if e.prefix == nil {
		return nil
	}
	var c *chain
	model.NoGrad(func() { c = newChain(e.Net, e.Groups, e.prefix, e.Val.Y) })
	if c == nil {
		return nil
	}
	return c
}

func sparseEngine(e *Evaluator) engine {
	s := newSparse(e.Net, e.Val, torchrt.Threads())
	if s == nil {
		return nil
	}
	return s
}

func (t *tail) name() string { return "tail tiles" }
func (t *tail) close()       {} // Go memory only

func (e *cnn) name() string {
	if e.adapt != nil {
		return "conv tiles, adaptive BN " + e.adaptBy
	}
	return "conv tiles"
}
func (e *cnn) close() {}

func (s *sparse) name() string { return "sparse rows" }
func (s *sparse) close()       {}

func (c *chain) name() string { return "batched chain" }

// engineError describes a C engine's return code (engine.h); nil for
// ENGINE_OK.
func engineError(rc C.int) error {
	switch rc {
	case C.ENGINE_OK:
		return nil
	case C.ENGINE_ENOMEM:
		return errors.New("fitness engine: out of memory")
	case C.ENGINE_EOP:
		return errors.New("fitness engine: bad op in a program (a bug)")
	case C.ENGINE_ESHAPE:
		return errors.New("fitness engine: bad block size (a bug)")
	}
	return fmt.Errorf("fitness engine: error %d", int(rc))
}

package search

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Objective names.
const (
	// AccuracyAtSparsity maximises validation accuracy with exactly Keep slots
	// kept; the operators enforce the budget.
	AccuracyAtSparsity = "accuracy_at_sparsity"
	// Weighted maximises ValAccuracy − Lambda·density with a free budget.
	Weighted = "weighted"
	// Pareto maximises ValAccuracy and minimises cost together (NSGA-II,
	// see pareto.go): the result is a front.
	Pareto = "pareto"
)

// Score is what an Evaluator measures for one mask.
type Score struct {
	ValAccuracy float64
	Loss        float64
	// Partial marks a low-fidelity score (a subset of the validation data,
	// see fitness.Fidelity): good enough to select parents, never reported
	// as the best or kept in the hall of fame.
	Partial bool
}

// Evaluator scores a batch of masks, in order. It must be deterministic (the
// same mask always gets the same score) for runs to be reproducible and
// resumable, and must not modify the masks.
type Evaluator interface {
	Evaluate(masks []Mask) ([]Score, error)
}

// EvaluatorFunc adapts a function to Evaluator.
type EvaluatorFunc func(masks []Mask) ([]Score, error)

// Evaluate calls f.
func (f EvaluatorFunc) Evaluate(masks []Mask) ([]Score, error) { return f(masks) }

// Objective turns a Score into the fitness the search maximises.
type Objective struct {
	Name   string
	Lambda float64
	// MaxError > 0 makes a pareto search's best the cheapest front member
	// with validation error at most MaxError (else the knee).
	MaxError float64
	// Budgeted holds every mask to exactly Space.Keep kept slots (swap
	// mutation plus repair); otherwise bit-flip mutation lets density move.
	Budgeted bool
}

// Validate rejects unknown names and combinations that cannot work.
func (o Objective) Validate() error {
	switch o.Name {
	case AccuracyAtSparsity:
		if !o.Budgeted {
			// Without the budget nothing stops the search from keeping
			// everything, which trivially maximises accuracy.
			return fmt.Errorf("objective %s needs Budgeted", o.Name)
		}
	case Weighted:
		if math.IsNaN(o.Lambda) || math.IsInf(o.Lambda, 0) {
			return fmt.Errorf("objective %s: lambda %v is not finite", o.Name, o.Lambda)
		}
	case Pareto:
		if o.Budgeted {
			return fmt.Errorf("objective %s searches every budget: not Budgeted", o.Name)
		}
	default:
		return fmt.Errorf("unknown objective %q (want %s, %s or %s)", o.Name, AccuracyAtSparsity, Weighted, Pareto)
	}
	return nil
}

// Fitness is higher-is-better: ValAccuracy at a fixed budget, or
// ValAccuracy − Lambda·density for the weighted objective (pareto ranks by
// fronts; its Fitness is the accuracy).
func (o Objective) Fitness(s Score, density float64) float64 {
	if o.Name == Weighted {
		return s.ValAccuracy - o.Lambda*density
	}
	return s.ValAccuracy
}

// jsonFloat writes non-finite values as the strings "NaN", "+Inf" and "-Inf",
// which encoding/json refuses to encode; a diverged loss must not make a
// checkpoint unwritable.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return json.Marshal(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(data []byte) error {
	var v float64
	if err := json.Unmarshal(data, &v); err == nil {
		*f = jsonFloat(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("float: %w", err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("float: %w", err)
	}
	*f = jsonFloat(v)
	return nil
}

type scoreJSON struct {
	ValAccuracy jsonFloat `json:"val_accuracy"`
	Loss        jsonFloat `json:"loss"`
	Partial     bool      `json:"partial,omitempty"`
}

// MarshalJSON encodes the score, non-finite values included.
func (s Score) MarshalJSON() ([]byte, error) {
	return json.Marshal(scoreJSON{jsonFloat(s.ValAccuracy), jsonFloat(s.Loss), s.Partial})
}

// UnmarshalJSON decodes what MarshalJSON writes.
func (s *Score) UnmarshalJSON(data []byte) error {
	var w scoreJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	*s = Score{ValAccuracy: float64(w.ValAccuracy), Loss: float64(w.Loss), Partial: w.Partial}
	return nil
}

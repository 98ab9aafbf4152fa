package index

import (
	"math"

	"github.com/indus-platform/indus/internal/indus"
)

// Classification methods for Classify.Method.
const (
	// ClassifyBands assigns classes by rank: a unit whose rank r among the n
	// rated units with a score satisfies r ≤ UpTo × n gets the first such
	// class (percentile bands; ties share the better class).
	ClassifyBands = "bands"
	// ClassifyThresholds assigns the first class whose Min the score reaches.
	ClassifyThresholds = "thresholds"
	// ClassifyQuotas fills classes by rank with fixed numbers of units; the
	// last class takes the rest (ties share the better class).
	ClassifyQuotas = "quotas"
)

// ClassRule is one class, listed best first.
type ClassRule struct {
	// Name is the class label, e.g. "A".
	Name string
	// UpTo is the cumulative share of rated units up to and including this
	// class (bands), e.g. A 0.20, B 0.70, C 0.95, D 1.
	UpTo float64
	// Min is the minimum score of the class (thresholds, inclusive).
	Min float64
	// Count is the number of units in the class (quotas).
	Count int
}

// UnitFlag marks a unit for classification: unrated units are evaluated but
// get no class; a cap (a veto, e.g. after a safety accident) forbids classes
// better than Cap.
type UnitFlag struct {
	// Unrated excludes the unit from classes (it is reported, not graded).
	Unrated bool
	// Cap is the best class the unit may get, e.g. "C"; "" for no cap.
	Cap string
	// Reason explains the flag (shown in results).
	Reason string
}

// Classify grades units on one score column, after Aggregate. The per-mu
// A/B/C/D scheme is Method bands with A 0.20, B 0.70, C 0.95, D 1, vetoed
// units flagged with Cap "C" and young or utility firms flagged Unrated.
//
// Ranks for bands and quotas are taken among the rated units with a score;
// capped units keep their rank (and so their place in the bands) and are then
// moved down to their cap.
type Classify struct {
	// Code is the score column to classify; "" means the framework's top
	// aggregate (the index).
	Code string
	// Method is ClassifyBands (default), ClassifyThresholds or ClassifyQuotas.
	Method string
	// Classes lists the classes, best first.
	Classes []ClassRule
	// Flags marks units by uCode.
	Flags map[string]UnitFlag
}

// ClassAssignment is one unit's outcome.
type ClassAssignment struct {
	// UCode is the unit.
	UCode string
	// Score is the classified score (NaN if none).
	Score float64
	// Rank is the unit's rank among the rated units with a score (0 if none).
	Rank int
	// Class is the class name, "" when the unit is unrated or has no score.
	Class string
	// Capped tells whether a cap moved the unit down.
	Capped bool
	// Reason explains an empty or capped class.
	Reason string
}

// ClassifyDetails is the outcome of Classify.
type ClassifyDetails struct {
	// Code is the classified column.
	Code string
	// Method is the method used.
	Method string
	// Units has one assignment per unit, in data order.
	Units []ClassAssignment
	// Counts is the number of units per class ("" counts units without one).
	Counts map[string]int
}

// StepName implements Step.
func (Classify) StepName() string { return "classify" }

// StageName implements Step.
func (Classify) StageName() string { return "Classified" }

func (s Classify) run(st *runState) (*StepRecord, error) {
	code := s.Code
	if code == "" {
		roots := st.fw.Roots()
		code = roots[0]
	}
	col := st.cur.Col(code)
	if col == nil {
		return nil, indus.Errorf(indus.EInvalid, "classify: the data has no column %q (aggregate first)", code)
	}
	s.Code = code
	det, err := ClassifyScores(st.cur.UCodes, col, s)
	if err != nil {
		return nil, err
	}
	return &StepRecord{Data: st.cur, Classify: det}, nil
}

// ClassifyScores classifies units by their scores with the rules of c (c.Code
// is only copied to the result). Flags for unknown units are an error, as is
// a cap naming an unknown class.
func ClassifyScores(ucodes []string, scores []float64, c Classify) (*ClassifyDetails, error) {
	if len(ucodes) != len(scores) {
		return nil, indus.Errorf(indus.EInvalid, "classify: %d units but %d scores", len(ucodes), len(scores))
	}
	method := c.Method
	if method == "" {
		method = ClassifyBands
	}
	if len(c.Classes) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "classify: no classes")
	}
	pos := map[string]int{}
	for k, r := range c.Classes {
		if r.Name == "" {
			return nil, indus.Errorf(indus.EInvalid, "classify: class %d has no name", k+1)
		}
		if _, dup := pos[r.Name]; dup {
			return nil, indus.Errorf(indus.EInvalid, "classify: class %q appears twice", r.Name)
		}
		pos[r.Name] = k
	}
	switch method {
	case ClassifyBands:
		prev := 0.0
		for _, r := range c.Classes {
			if r.UpTo < prev || r.UpTo > 1 || math.IsNaN(r.UpTo) {
				return nil, indus.Errorf(indus.EInvalid, "classify: band %q upper share %g must be between the previous band's (%g) and 1", r.Name, r.UpTo, prev)
			}
			prev = r.UpTo
		}
	case ClassifyThresholds:
		for k := 1; k < len(c.Classes); k++ {
			if c.Classes[k].Min > c.Classes[k-1].Min {
				return nil, indus.Errorf(indus.EInvalid, "classify: threshold of %q (%g) is above that of the better class %q", c.Classes[k].Name, c.Classes[k].Min, c.Classes[k-1].Name)
			}
		}
	case ClassifyQuotas:
		for _, r := range c.Classes {
			if r.Count < 0 {
				return nil, indus.Errorf(indus.EInvalid, "classify: quota of %q is negative", r.Name)
			}
		}
	default:
		return nil, indus.Errorf(indus.EInvalid, "classify: unknown method %q (want bands, thresholds or quotas)", method)
	}
	known := make(map[string]int, len(ucodes))
	for i, u := range ucodes {
		known[u] = i
	}
	for u, f := range c.Flags {
		if _, ok := known[u]; !ok {
			return nil, indus.Errorf(indus.EInvalid, "classify: flag for unknown unit %q", u)
		}
		if f.Cap != "" {
			if _, ok := pos[f.Cap]; !ok {
				return nil, indus.Errorf(indus.EInvalid, "classify: unit %q is capped at unknown class %q", u, f.Cap)
			}
		}
	}
	det := &ClassifyDetails{Code: c.Code, Method: method, Units: make([]ClassAssignment, len(ucodes)), Counts: map[string]int{}}
	// Rank the rated units that have a score.
	rated := make([]int, 0, len(ucodes))
	for i, u := range ucodes {
		det.Units[i] = ClassAssignment{UCode: u, Score: scores[i]}
		f := c.Flags[u]
		switch {
		case f.Unrated:
			det.Units[i].Reason = f.Reason
			if det.Units[i].Reason == "" {
				det.Units[i].Reason = "unrated"
			}
		case math.IsNaN(scores[i]):
			det.Units[i].Reason = "no score"
		default:
			rated = append(rated, i)
		}
	}
	sub := make([]float64, len(rated))
	for k, i := range rated {
		sub[k] = scores[i]
	}
	ranks := RankDesc(sub)
	n := len(rated)
	cum := make([]int, len(c.Classes))
	total := 0
	for k, r := range c.Classes {
		total += r.Count
		cum[k] = total
	}
	last := len(c.Classes) - 1
	for k, i := range rated {
		r := ranks[k]
		cls := last
		switch method {
		case ClassifyBands:
			for q, rule := range c.Classes {
				if float64(r) <= rule.UpTo*float64(n)+1e-9 {
					cls = q
					break
				}
			}
		case ClassifyThresholds:
			for q, rule := range c.Classes {
				if scores[i] >= rule.Min {
					cls = q
					break
				}
			}
		case ClassifyQuotas:
			for q := range c.Classes {
				if q == last || r <= cum[q] {
					cls = q
					break
				}
			}
		}
		a := &det.Units[i]
		a.Rank = r
		if f := c.Flags[a.UCode]; f.Cap != "" && cls < pos[f.Cap] {
			cls = pos[f.Cap]
			a.Capped = true
			a.Reason = f.Reason
			if a.Reason == "" {
				a.Reason = "capped at " + f.Cap
			}
		}
		a.Class = c.Classes[cls].Name
	}
	for _, a := range det.Units {
		det.Counts[a.Class]++
	}
	return det, nil
}

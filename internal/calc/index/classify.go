package index

import (
	"math"
	"math/bits"
	"slices"
	"sync"

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
	det, err := classifyScores(st.cur.UCodes, col, s, func() []int { return st.ranksOf(st.cur, code) })
	if err != nil {
		return nil, err
	}
	return &StepRecord{Data: st.cur, Classify: det}, nil
}

// ClassifyScores classifies units by their scores with the rules of c (c.Code
// is only copied to the result). Flags for unknown units are an error, as is
// a cap naming an unknown class.
func ClassifyScores(ucodes []string, scores []float64, c Classify) (*ClassifyDetails, error) {
	return classifyScores(ucodes, scores, c, func() []int { return RankDesc(scores) })
}

// ClassIndexes classifies as ClassifyScores does, with the same rules and
// errors, for large data sets that need each unit's class but not its
// record: class[i] is the index in c.Classes of unit i's class (−1 for none:
// unrated or no score) and rank[i] its rank among the rated units (0 for
// none).
func ClassIndexes(ucodes []string, scores []float64, c Classify) (class []int8, rank []int, err error) {
	k, err := newClassifier(ucodes, scores, c, func() []int { return RankDesc(scores) })
	if err != nil {
		return nil, nil, err
	}
	if len(c.Classes) > math.MaxInt8 {
		return nil, nil, indus.Errorf(indus.EInvalid, "classify: %d classes (at most %d)", len(c.Classes), math.MaxInt8)
	}
	n := len(scores)
	class = make([]int8, n)
	// Without rated units moved by unrated ones, the ranks among the rated
	// units are the overall ranks (units without a class have none).
	if k.shift == nil {
		rank = k.all
	} else {
		rank = make([]int, n)
	}
	forRows(n, func(lo, hi int) {
		if k.flagOf == nil && k.method == ClassifyBands {
			// The per-mu case, written out: no flags, so the rank of a unit
			// with a score is its overall rank, and the class the first
			// band that reaches it (as unit does).
			for i := lo; i < hi; i++ {
				r := k.all[i]
				if r == 0 {
					class[i] = -1 // no score
					continue
				}
				cls := len(k.upTo) - 1
				for q, up := range k.upTo {
					if float64(r) <= up {
						cls = q
						break
					}
				}
				class[i] = int8(cls)
			}
			return
		}
		for i := lo; i < hi; i++ {
			r, cls, _, _ := k.unit(i)
			class[i], rank[i] = int8(cls), r
		}
	})
	return class, rank, nil
}

// classifyScores is ClassifyScores with the scores' ranks among all units
// (RankDesc) from ranks, called once the rules are checked.
func classifyScores(ucodes []string, scores []float64, c Classify, ranks func() []int) (*ClassifyDetails, error) {
	k, err := newClassifier(ucodes, scores, c, ranks)
	if err != nil {
		return nil, err
	}
	n := len(ucodes)
	det := &ClassifyDetails{Code: c.Code, Method: k.method, Units: make([]ClassAssignment, n), Counts: map[string]int{}}
	// Per block of rows: the number of units per class, then without one.
	var mu sync.Mutex
	counts := make([]int, len(c.Classes)+1)
	forRows(n, func(lo, hi int) {
		cnt := make([]int, len(c.Classes)+1)
		for i := lo; i < hi; i++ {
			a := &det.Units[i]
			a.UCode, a.Score = ucodes[i], scores[i]
			r, cls, capped, f := k.unit(i)
			switch {
			case cls < 0 && f != nil && f.Unrated:
				a.Reason = f.Reason
				if a.Reason == "" {
					a.Reason = "unrated"
				}
			case cls < 0:
				a.Reason = "no score"
			default:
				a.Rank, a.Class, a.Capped = r, c.Classes[cls].Name, capped
				if capped {
					a.Reason = f.Reason
					if a.Reason == "" {
						a.Reason = "capped at " + f.Cap
					}
				}
			}
			if cls < 0 {
				cnt[len(c.Classes)]++
			} else {
				cnt[cls]++
			}
		}
		mu.Lock()
		for k, v := range cnt {
			counts[k] += v
		}
		mu.Unlock()
	})
	for k, v := range counts {
		if v == 0 {
			continue
		}
		if k < len(c.Classes) {
			det.Counts[c.Classes[k].Name] += v
		} else {
			det.Counts[""] += v
		}
	}
	return det, nil
}

// classifier holds what classifying one unit needs once the rules are
// checked: the flags per unit, the overall ranks and the shift from them to
// the ranks among the rated units.
type classifier struct {
	c      Classify
	method string
	pos    map[string]int
	scores []float64
	flags  []UnitFlag
	flagOf []int32 // per unit: index in flags plus one, 0 for none
	all    []int   // RankDesc of the scores
	shift  *rankShift
	rated  int
	cum    []int
	upTo   []float64 // bands: the last rank of each class, UpTo × rated (+1e-9)
}

// newClassifier checks the rules and flags of c and ranks the scores (ranks
// gives RankDesc of them). The ranks among the rated units follow from the
// overall ranks: a rated unit's rank is one plus the number of rated units
// with a higher score, which are the rated units ranked before it overall.
func newClassifier(ucodes []string, scores []float64, c Classify, ranks func() []int) (*classifier, error) {
	if len(ucodes) != len(scores) {
		return nil, indus.Errorf(indus.EInvalid, "classify: %d units but %d scores", len(ucodes), len(scores))
	}
	k := &classifier{c: c, method: c.Method, scores: scores}
	if k.method == "" {
		k.method = ClassifyBands
	}
	if len(c.Classes) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "classify: no classes")
	}
	k.pos = map[string]int{}
	for q, r := range c.Classes {
		if r.Name == "" {
			return nil, indus.Errorf(indus.EInvalid, "classify: class %d has no name", q+1)
		}
		if _, dup := k.pos[r.Name]; dup {
			return nil, indus.Errorf(indus.EInvalid, "classify: class %q appears twice", r.Name)
		}
		k.pos[r.Name] = q
	}
	switch k.method {
	case ClassifyBands:
		prev := 0.0
		for _, r := range c.Classes {
			if r.UpTo < prev || r.UpTo > 1 || math.IsNaN(r.UpTo) {
				return nil, indus.Errorf(indus.EInvalid, "classify: band %q upper share %g must be between the previous band's (%g) and 1", r.Name, r.UpTo, prev)
			}
			prev = r.UpTo
		}
	case ClassifyThresholds:
		for q := 1; q < len(c.Classes); q++ {
			if c.Classes[q].Min > c.Classes[q-1].Min {
				return nil, indus.Errorf(indus.EInvalid, "classify: threshold of %q (%g) is above that of the better class %q", c.Classes[q].Name, c.Classes[q].Min, c.Classes[q-1].Name)
			}
		}
	case ClassifyQuotas:
		for _, r := range c.Classes {
			if r.Count < 0 {
				return nil, indus.Errorf(indus.EInvalid, "classify: quota of %q is negative", r.Name)
			}
		}
	default:
		return nil, indus.Errorf(indus.EInvalid, "classify: unknown method %q (want bands, thresholds or quotas)", k.method)
	}
	n := len(ucodes)
	// Flags: each unit's flag looked up once, and only when there are flags.
	if len(c.Flags) > 0 {
		names := make(map[string]int32, len(c.Flags))
		for u, f := range c.Flags {
			names[u] = int32(len(k.flags))
			k.flags = append(k.flags, f)
		}
		k.flagOf = make([]int32, n)
		forRows(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if q, ok := names[ucodes[i]]; ok {
					k.flagOf[i] = q + 1
				}
			}
		})
		matched := make([]bool, len(k.flags))
		for _, q := range k.flagOf {
			if q > 0 {
				matched[q-1] = true
			}
		}
		for u, f := range c.Flags {
			if !matched[names[u]] {
				return nil, indus.Errorf(indus.EInvalid, "classify: flag for unknown unit %q", u)
			}
			if f.Cap != "" {
				if _, ok := k.pos[f.Cap]; !ok {
					return nil, indus.Errorf(indus.EInvalid, "classify: unit %q is capped at unknown class %q", u, f.Cap)
				}
			}
		}
	}
	// The rated units are those with a score and no Unrated flag.
	k.all = ranks()
	var unratedRanks []int32 // overall ranks of the scored unrated units
	if k.flagOf == nil {
		// No flags: the rated units are those with a score, counted by
		// blocks of rows.
		var mu sync.Mutex
		forRows(n, func(lo, hi int) {
			c := 0
			for _, s := range scores[lo:hi] {
				if !math.IsNaN(s) {
					c++
				}
			}
			mu.Lock()
			k.rated += c
			mu.Unlock()
		})
	} else {
		for i, s := range scores {
			if math.IsNaN(s) {
				continue
			}
			if f := k.flag(i); f != nil && f.Unrated {
				unratedRanks = append(unratedRanks, int32(k.all[i]))
				continue
			}
			k.rated++
		}
	}
	if len(unratedRanks) > 0 {
		k.shift = newRankShift(unratedRanks, k.rated+len(unratedRanks))
	}
	k.cum = make([]int, len(c.Classes))
	k.upTo = make([]float64, len(c.Classes))
	total := 0
	for q, r := range c.Classes {
		total += r.Count
		k.cum[q] = total
		k.upTo[q] = r.UpTo*float64(k.rated) + 1e-9
	}
	return k, nil
}

// flag returns unit i's flag, or nil.
func (k *classifier) flag(i int) *UnitFlag {
	if k.flagOf == nil || k.flagOf[i] == 0 {
		return nil
	}
	return &k.flags[k.flagOf[i]-1]
}

// unit classifies unit i: its rank among the rated units and the index of
// its class, or 0 and −1 when it is unrated or has no score; whether a cap
// moved it down; and its flag (nil if none).
func (k *classifier) unit(i int) (rank, class int, capped bool, f *UnitFlag) {
	f = k.flag(i)
	s := k.scores[i]
	if (f != nil && f.Unrated) || math.IsNaN(s) {
		return 0, -1, false, f
	}
	r := k.all[i]
	if k.shift != nil {
		r -= k.shift.before(r)
	}
	classes := k.c.Classes
	last := len(classes) - 1
	cls := last
	switch k.method {
	case ClassifyBands:
		for q, up := range k.upTo {
			if float64(r) <= up {
				cls = q
				break
			}
		}
	case ClassifyThresholds:
		for q, rule := range classes {
			if s >= rule.Min {
				cls = q
				break
			}
		}
	case ClassifyQuotas:
		for q := range classes {
			if q == last || r <= k.cum[q] {
				cls = q
				break
			}
		}
	}
	if f != nil && f.Cap != "" && cls < k.pos[f.Cap] {
		return r, k.pos[f.Cap], true, f
	}
	return r, cls, false, f
}

// rankShift counts, for an overall rank r, the excluded units ranked before
// it (with a higher score), so that r − before(r) is the rank among the
// others. The m ranked units are laid out in rank order, the excluded ones
// of a tie group at its first positions (which is all a query at a group's
// start can tell apart); before(r) is then the number of excluded units at
// positions below r − 1: a bit per position and a running count per 64
// positions, small enough to stay in the caches whatever the order of the
// queries.
type rankShift struct {
	bits  []uint64
	count []int32 // excluded units at positions below 64 w
}

func newRankShift(excluded []int32, m int) *rankShift {
	slices.Sort(excluded)
	words := m/64 + 1
	rs := &rankShift{bits: make([]uint64, words), count: make([]int32, words)}
	last := -1
	for k, r := range excluded {
		p := int(r) - 1
		if k > 0 && excluded[k-1] == r {
			p = last + 1 // the next position of the same tie group
		}
		last = p
		rs.bits[p>>6] |= 1 << (p & 63)
	}
	var c int32
	for w, b := range rs.bits {
		rs.count[w] = c
		c += int32(bits.OnesCount64(b))
	}
	return rs
}

func (rs *rankShift) before(r int) int {
	p := r - 1
	return int(rs.count[p>>6]) + bits.OnesCount64(rs.bits[p>>6]&(1<<(p&63)-1))
}

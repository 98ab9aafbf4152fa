package cluster

import "math"

// Series is one enterprise's monthly values: Values[i] belongs to month
// index Start+i (months counted as year×12 + month − 1); NaN means the
// month was not reported.
type Series struct {
	Start  int
	Values []float64
}

// At returns the value of month m and whether it was reported.
func (s Series) At(m int) (float64, bool) {
	i := m - s.Start
	if i < 0 || i >= len(s.Values) || math.IsNaN(s.Values[i]) {
		return 0, false
	}
	return s.Values[i], true
}

// YoYPoint is the evidence of one month: its value, the value a year
// earlier, and the change (a fraction).
type YoYPoint struct {
	Month  int // month index
	Value  float64
	Prev   float64
	Change float64
}

// DeclineRule is the output-decline warning: output down more than Drop
// (a fraction: 0.2 is 20 %) year on year in each of Months consecutive
// months.
type DeclineRule struct {
	Drop   float64
	Months int
}

// DefaultDeclineRule is 20 % for three months running.
var DefaultDeclineRule = DeclineRule{Drop: 0.20, Months: 3}

// Decline checks the rule on the Months months up to and including month
// asOf. Every one of them must be reported, with a positive value a year
// earlier and a change below −Drop (strictly: a fall of exactly Drop does
// not count). It returns the months as evidence, oldest first.
func Decline(s Series, asOf int, rule DeclineRule) ([]YoYPoint, bool) {
	if rule.Months <= 0 {
		return nil, false
	}
	ev := make([]YoYPoint, 0, rule.Months)
	for m := asOf - rule.Months + 1; m <= asOf; m++ {
		cur, ok1 := s.At(m)
		prev, ok2 := s.At(m - 12)
		if !ok1 || !ok2 || !(prev > 0) {
			return nil, false
		}
		ch := cur/prev - 1
		if !(ch < -rule.Drop) {
			return nil, false
		}
		ev = append(ev, YoYPoint{Month: m, Value: cur, Prev: prev, Change: ch})
	}
	return ev, true
}

// CollapseRule is the electricity-collapse warning: use in the month more
// than Drop below the mean of the Window months before it (all reported),
// and, when the same month a year earlier was reported, more than Drop
// below it too, so that a plant's usual seasonal stop is not a collapse.
type CollapseRule struct {
	Drop   float64
	Window int
}

// DefaultCollapseRule is a fall of more than half against the mean of the
// three months before.
var DefaultCollapseRule = CollapseRule{Drop: 0.5, Window: 3}

// Collapse is the evidence of an electricity collapse.
type Collapse struct {
	Month    int
	Value    float64
	Baseline float64 // mean of the Window months before
	Change   float64 // Value ÷ Baseline − 1
	// PrevYear and ChangeYoY are NaN when the month a year earlier was not
	// reported.
	PrevYear, ChangeYoY float64
}

// ElectricityCollapse checks the collapse rule on month asOf.
func ElectricityCollapse(s Series, asOf int, rule CollapseRule) (Collapse, bool) {
	cur, ok := s.At(asOf)
	if !ok || rule.Window <= 0 {
		return Collapse{}, false
	}
	var sum float64
	for m := asOf - rule.Window; m < asOf; m++ {
		v, ok := s.At(m)
		if !ok {
			return Collapse{}, false
		}
		sum += v
	}
	base := sum / float64(rule.Window)
	if !(base > 0) {
		return Collapse{}, false
	}
	c := Collapse{Month: asOf, Value: cur, Baseline: base, Change: cur/base - 1, PrevYear: math.NaN(), ChangeYoY: math.NaN()}
	if !(c.Change < -rule.Drop) {
		return Collapse{}, false
	}
	if prev, ok := s.At(asOf - 12); ok && prev > 0 {
		c.PrevYear, c.ChangeYoY = prev, cur/prev-1
		if !(c.ChangeYoY < -rule.Drop) {
			return Collapse{}, false
		}
	}
	return c, true
}

// StoppedReporting reports whether an enterprise that reported in at least
// one of the lookback months before asOf has no figure for asOf, and
// returns the last month it reported.
func StoppedReporting(s Series, asOf, lookback int) (last int, stopped bool) {
	if _, ok := s.At(asOf); ok {
		return 0, false
	}
	for m := asOf - 1; m >= asOf-lookback; m-- {
		if _, ok := s.At(m); ok {
			return m, true
		}
	}
	return 0, false
}

package cluster

import "math"

// CAGR is the compound annual growth rate from a to b over years years:
// (b ÷ a)^(1/years) − 1. NaN when a or b is not positive or years is not
// positive: there is no rate that turns nothing into something.
func CAGR(a, b, years float64) float64 {
	if !(a > 0) || !(b > 0) || !(years > 0) {
		return math.NaN()
	}
	return math.Pow(b/a, 1/years) - 1
}

// Project is value grown at rate for years years.
func Project(value, rate, years float64) float64 {
	return value * math.Pow(1+rate, years)
}

// Threshold is one status of a target: the status applies when the ratio
// of projected to target value reaches MinRatio. Thresholds are listed from
// the highest MinRatio down; the last one takes every lower ratio.
type Threshold struct {
	Status   string
	MinRatio float64
}

// NoData is the status of a target whose trajectory cannot be computed
// (no base value, no data since the base year, a non-positive value).
const NoData = "no_data"

// Status returns the first threshold the ratio reaches, the last threshold
// for any lower ratio, and NoData for a NaN ratio or no thresholds.
func Status(ratio float64, th []Threshold) string {
	if math.IsNaN(ratio) || len(th) == 0 {
		return NoData
	}
	for _, t := range th {
		if ratio >= t.MinRatio {
			return t.Status
		}
	}
	return th[len(th)-1].Status
}

// Goal is a target and the data to judge it by.
type Goal struct {
	BaseYear   int
	BaseValue  float64
	Year       int     // the latest year with data
	Value      float64 // its value
	TargetYear int
	Target     float64
	// AtMost says the target is a ceiling (lower is better), e.g. an
	// energy intensity; otherwise it is a floor to reach.
	AtMost bool
}

// Trajectory is where a target stands. Rates are fractions; NaN where
// undefined.
type Trajectory struct {
	Goal
	// ActualCAGR is the growth rate from the base year to the latest year.
	ActualCAGR float64
	// RequiredCAGR is the rate that takes the latest value to the target
	// by the target year; NaN when the target year has come.
	RequiredCAGR float64
	// Projected is the latest value carried forward at ActualCAGR to the
	// target year (the latest value itself when that year has come).
	Projected float64
	// Ratio is Projected ÷ Target for a floor, Target ÷ Projected for a
	// ceiling, so that 1 or more always means on track.
	Ratio  float64
	Status string
}

// Track works out a goal's trajectory and its status under the thresholds.
func Track(g Goal, th []Threshold) Trajectory {
	t := Trajectory{Goal: g, ActualCAGR: math.NaN(), RequiredCAGR: math.NaN(), Projected: math.NaN(), Ratio: math.NaN()}
	left := float64(g.TargetYear - g.Year)
	switch {
	case g.Year < g.BaseYear:
		// No data since the base year: nothing to extrapolate.
	case left <= 0:
		// The target year has come (or gone): the latest value is the result.
		t.Projected = g.Value
		t.ActualCAGR = CAGR(g.BaseValue, g.Value, float64(g.Year-g.BaseYear))
	case g.Year == g.BaseYear:
		// One point is no trend; the required rate is still useful.
		t.RequiredCAGR = CAGR(g.Value, g.Target, left)
	default:
		t.ActualCAGR = CAGR(g.BaseValue, g.Value, float64(g.Year-g.BaseYear))
		t.RequiredCAGR = CAGR(g.Value, g.Target, left)
		if !math.IsNaN(t.ActualCAGR) {
			t.Projected = Project(g.Value, t.ActualCAGR, left)
		}
	}
	switch {
	case math.IsNaN(t.Projected):
	case g.AtMost:
		if t.Projected > 0 {
			t.Ratio = g.Target / t.Projected
		}
	case g.Target > 0:
		t.Ratio = t.Projected / g.Target
	}
	t.Status = Status(t.Ratio, th)
	return t
}

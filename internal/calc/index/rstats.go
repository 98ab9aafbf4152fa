package index

import (
	"math"
	"sort"
)

// This file holds the numerical primitives with the semantics of base R,
// which COINr builds on: sums accumulated in extended precision (here a
// compensated sum, which rounds like R's long-double accumulator in all but
// pathological cases), R's two-pass mean, var/sd with n−1, median, and rank
// with ties = "min". Functions that take a vector skip NaN (R's na.rm = TRUE)
// unless they say otherwise.

// accumulator is a Neumaier compensated sum that falls back to the plain sum
// once a non-finite value is seen (so Inf and NaN propagate as in R). The
// running sum s is the plain sum: its rounding errors are kept apart in c.
type accumulator struct {
	s, c float64
}

// add adds x. Neumaier's correction is the rounding error of s + x, which
// Fast2Sum computes exactly after ordering the operands by magnitude; Knuth's
// branch-free 2Sum computes the same exact error without the comparison (a
// branch the processor cannot predict when the terms change sign), so the
// sum is bit for bit Neumaier's. While s and x are finite the error is
// exactly representable and both give it; once s is not finite, value()
// returns s and c no longer matters.
func (a *accumulator) add(x float64) {
	a.s, a.c = twoSum(a.s, a.c, x)
}

func (a *accumulator) value() float64 {
	return sumValue(a.s, a.c)
}

// twoSum is accumulator.add on a sum held in two variables, which the
// compiler keeps in registers in a loop (an accumulator's fields, reached
// through the pointer of its methods, go through memory at every step).
func twoSum(s, c, x float64) (float64, float64) {
	t := s + x
	z := t - s
	return t, c + ((s - (t - z)) + (x - z))
}

// sumValue is accumulator.value for a sum held as (s, c).
func sumValue(s, c float64) float64 {
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return s
	}
	return s + c
}

// rSum is sum(x, na.rm = TRUE).
func rSum(x []float64) float64 {
	var s, c float64
	for _, v := range x {
		if !math.IsNaN(v) {
			s, c = twoSum(s, c, v)
		}
	}
	return sumValue(s, c)
}

// present returns the non-NaN values of x (a new slice).
func present(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// countPresent is sum(!is.na(x)).
func countPresent(x []float64) int {
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// rMean is mean(x, na.rm = TRUE): R divides the extended-precision sum by n
// and then adds the mean of the residuals, which makes the result the
// correctly rounded mean for practical data. An empty input gives NaN.
func rMean(x []float64) float64 {
	var sum, c float64
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			sum, c = twoSum(sum, c, v)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	s := sumValue(sum, c) / float64(n)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return s
	}
	var r, rc float64 // the residuals' sum
	for _, v := range x {
		if !math.IsNaN(v) {
			r, rc = twoSum(r, rc, v-s)
		}
	}
	return s + sumValue(r, rc)/float64(n)
}

// rVar is var(x, na.rm = TRUE) with denominator n−1; NaN below 2 values.
func rVar(x []float64) float64 {
	m := rMean(x)
	n := 0
	var a accumulator
	for _, v := range x {
		if !math.IsNaN(v) {
			d := v - m
			a.add(d * d)
			n++
		}
	}
	if n < 2 {
		return math.NaN()
	}
	return a.value() / float64(n-1)
}

// rSD is sd(x, na.rm = TRUE).
func rSD(x []float64) float64 { return math.Sqrt(rVar(x)) }

// rMedian is median(x, na.rm = TRUE); NaN for no values.
func rMedian(x []float64) float64 {
	v := present(x)
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	half := (n + 1) / 2
	if n%2 == 1 {
		return v[half-1]
	}
	// R: mean(sort(x)[half + 0:1]), i.e. the correctly rounded midpoint.
	return (v[half-1] + v[half]) / 2
}

// rMin and rMax are min/max(x, na.rm = TRUE): +Inf and −Inf for no values.
func rMin(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		if v < m {
			m = v
		}
	}
	return m
}

func rMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// Skewness is COINr's skew(x, na.rm = TRUE) (e1071::skewness type 2, the
// estimator Excel's SKEW uses). It returns NaN for fewer than 3 values or
// zero variance.
func Skewness(x []float64) float64 {
	v := present(x)
	n := float64(len(v))
	if len(v) < 3 {
		return math.NaN()
	}
	m := rMean(v)
	var s2, s3 accumulator
	for _, xi := range v {
		d := xi - m
		s2.add(d * d)
		s3.add(math.Pow(d, 3))
	}
	y := math.Sqrt(n) * s3.value() / math.Pow(s2.value(), 1.5)
	return y * math.Sqrt(n*(n-1)) / (n - 2)
}

// Kurtosis is COINr's kurt(x, na.rm = TRUE) (e1071::kurtosis type 2, the
// excess-kurtosis estimator Excel's KURT uses). It returns NaN for fewer than
// 4 values or zero variance.
func Kurtosis(x []float64) float64 {
	v := present(x)
	n := float64(len(v))
	if len(v) < 4 {
		return math.NaN()
	}
	m := rMean(v)
	var s2, s4 accumulator
	for _, xi := range v {
		d := xi - m
		s2.add(d * d)
		s4.add(math.Pow(d, 4))
	}
	s2v := s2.value()
	r := n * s4.value() / (s2v * s2v)
	return ((n+1)*(r-3) + 6) * (n - 1) / ((n - 2) * (n - 3))
}

// rankMin is rank(x, ties.method = "min", na.last = "keep"): ascending ranks
// starting at 1, tied values sharing the lowest rank, NaN for NaN.
func rankMin(x []float64) []float64 {
	r := minRanks(x, false)
	out := make([]float64, len(x))
	for i, v := range r {
		if v == 0 {
			out[i] = math.NaN()
		} else {
			out[i] = float64(v)
		}
	}
	return out
}

// tri is R's three-valued logical: true, false or NA.
type tri int8

const (
	triNA tri = iota - 1
	triFalse
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// less is R's a < b: NA when either side is NaN.
func less(a, b float64) tri {
	if math.IsNaN(a) || math.IsNaN(b) {
		return triNA
	}
	return triOf(a < b)
}

// or is R's a | b.
func (a tri) or(b tri) tri {
	if a == triTrue || b == triTrue {
		return triTrue
	}
	if a == triNA || b == triNA {
		return triNA
	}
	return triFalse
}

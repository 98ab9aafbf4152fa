package synth

import (
	"math"
	"strconv"
)

// fexp returns e^x. The generator uses it instead of math.Exp because on
// amd64 math.Exp takes a fused multiply-add path on CPUs that have FMA and
// another path on those that do not, and the two can differ in the last
// bit; a last bit can move a rounded cent, and the same seed must give the
// same bytes on every machine. This is the classic range reduction with the
// fdlibm minimax polynomial for exp(r) on [-ln2/2, ln2/2]; every product is
// rounded by an explicit conversion so the compiler may not fuse it.
func fexp(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		p1        = 1.66666666666666657415e-01
		p2        = -2.77777777770155933842e-03
		p3        = 6.61375632143793436117e-05
		p4        = -1.65339022054652515390e-06
		p5        = 4.13813679705723846039e-08
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	}
	var k int
	switch {
	case x < 0:
		k = int(float64(log2e*x) - 0.5)
	case x > 0:
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(float64(k) * ln2Lo)
	r := hi - lo
	t := float64(r * r)
	p := float64(t*p5) + p4
	p = float64(t*p) + p3
	p = float64(t*p) + p2
	p = float64(t*p) + p1
	c := r - float64(t*p)
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

// fpow returns x^y for x > 0 through fexp.
func fpow(x, y float64) float64 { return fexp(float64(y * math.Log(x))) }

// quantize rounds x to 10 significant digits. Calibration factors and
// scales are solved by sums over thousands of firms and by bisection; the
// rounding absorbs any last-bit noise so that they, and every figure built
// on them, are the same everywhere.
func quantize(x float64) float64 {
	q, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'e', 9, 64), 64)
	return q
}

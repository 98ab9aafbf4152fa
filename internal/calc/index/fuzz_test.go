package index

import (
	"fmt"
	"math"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// decode turns fuzz bytes into a vector with many ties, NaNs and the odd
// infinity: 255 is NaN, 254 is +Inf, 253 is −Inf, anything else (b − 100)/4.
func decode(b []byte) []float64 {
	x := make([]float64, len(b))
	for i, c := range b {
		switch c {
		case 255:
			x[i] = math.NaN()
		case 254:
			x[i] = math.Inf(1)
		case 253:
			x[i] = math.Inf(-1)
		default:
			x[i] = (float64(c) - 100) / 4
		}
	}
	return x
}

// finiteStats returns the number of finite values, their min and max, and
// whether every value is finite or NaN.
func finiteStats(x []float64) (n int, lo, hi float64, noInf bool) {
	lo, hi, noInf = math.Inf(1), math.Inf(-1), true
	for _, v := range x {
		if math.IsInf(v, 0) {
			noInf = false
			continue
		}
		if math.IsNaN(v) {
			continue
		}
		n++
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return n, lo, hi, noInf
}

var fuzzMethods = []string{NormMinMax, NormZScore, NormRank, NormPRank, NormBorda, NormDist2Max,
	NormDist2Ref, NormDist2Targ, NormFracMax, NormGoalposts, NormScaled, NormRatio, NormNone}

// FuzzNormalise: no panic, NaN stays NaN, and the bounded methods stay in
// their range. On an all-equal column minmax and dist2max give NaN (COINr
// divides 0 by 0 and warns "the range of x is 0"), zscore gives NaN (sd 0),
// rank gives 1, borda 0 and prank 0 (NaN for a single unit: 0/0).
func FuzzNormalise(f *testing.F) {
	f.Add([]byte{100, 104, 108, 120}, uint8(0), false)
	f.Add([]byte{100, 100, 100}, uint8(0), true)     // all equal
	f.Add([]byte{130}, uint8(3), false)              // single unit
	f.Add([]byte{255, 255}, uint8(1), false)         // all missing
	f.Add([]byte{}, uint8(2), false)                 // no units
	f.Add([]byte{90, 255, 254, 110}, uint8(4), true) // Inf
	f.Add([]byte{100, 101, 102, 255}, uint8(11), true)
	f.Fuzz(func(t *testing.T, b []byte, m uint8, neg bool) {
		x := decode(b)
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		dir := 1
		if neg {
			dir = -1
		}
		spec := NormSpec{Method: method, Lo: -5, Hi: 20, Target: ptr(7), Benchmark: BenchmarkValue, Value: 3, Cap: 4}
		out, _, err := NormaliseVector(x, dir, spec, math.NaN(), 0)
		if err != nil {
			if method == NormDist2Ref && len(x) == 0 {
				return
			}
			t.Fatalf("%s: %v", method, err)
		}
		if len(out) != len(x) {
			t.Fatalf("%s: %d outputs for %d inputs", method, len(out), len(x))
		}
		n, lo, hi, noInf := finiteStats(x)
		for i, v := range x {
			if math.IsNaN(v) && !math.IsNaN(out[i]) {
				t.Fatalf("%s: NaN input %d gave %g", method, i, out[i])
			}
		}
		if !noInf || n == 0 {
			return
		}
		for i, y := range out {
			if math.IsNaN(x[i]) {
				continue
			}
			var ok bool
			switch method {
			case NormMinMax:
				ok = (lo == hi && math.IsNaN(y)) || (y >= -1e-9 && y <= 100+1e-9)
			case NormDist2Max:
				ok = (lo == hi && math.IsNaN(y)) || (y >= -1e-12 && y <= 1+1e-12)
			case NormZScore:
				ok = (n < 2 || lo == hi) == math.IsNaN(y)
			case NormRank:
				ok = y >= 1 && y <= float64(n) && y == math.Trunc(y)
			case NormBorda:
				ok = y >= 0 && y <= float64(n-1)
			case NormPRank:
				ok = (n == 1 && math.IsNaN(y)) || (y >= 0 && y <= 1)
			case NormGoalposts:
				ok = y >= 0 && y <= 1
			case NormRatio:
				ok = math.IsNaN(y) || y <= 4
			default:
				ok = true
			}
			if !ok {
				t.Fatalf("%s dir %d: x=%v → %v (value %d out of range)", method, dir, x, out, i)
			}
		}
	})
}

// FuzzTreat: no panic, NaN positions kept, and winsorisation only pulls
// values inwards.
func FuzzTreat(f *testing.F) {
	f.Add([]byte{101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 200}, uint8(1), uint8(0))
	f.Add([]byte{100, 100, 100, 100, 100}, uint8(5), uint8(0)) // all equal
	f.Add([]byte{100}, uint8(5), uint8(1))                     // single unit
	f.Add([]byte{255, 255, 255, 255}, uint8(2), uint8(2))      // all missing
	f.Add([]byte{0, 100, 100, 101, 102, 103, 104, 105, 106, 255}, uint8(3), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, winmax, fb uint8) {
		x := decode(b)
		for i, v := range x {
			if math.IsInf(v, 0) {
				x[i] = 1e6 * float64(i+1) // an outlier instead of an infinity
			}
		}
		fallbacks := []string{FallbackLogCT, FallbackLogCTPlus, FallbackLogCTOrig, FallbackNone}
		s := Treat{WinMax: int(winmax%7) - 1, Fallback: fallbacks[int(fb)%len(fallbacks)]}
		if s.WinMax == 0 {
			s.WinMax = 1
		}
		out := TreatVector(x, s)
		if len(out.X) != len(x) {
			t.Fatalf("length %d, want %d", len(out.X), len(x))
		}
		_, lo, hi, _ := finiteStats(x)
		for i, v := range x {
			if math.IsNaN(v) != math.IsNaN(out.X[i]) {
				t.Fatalf("missing value moved at %d: %v → %v", i, x, out.X)
			}
			if out.Row != nil && out.Row.Transformed == "" && !math.IsNaN(v) && (out.X[i] < lo || out.X[i] > hi) {
				t.Fatalf("winsorised value %g outside [%g, %g]", out.X[i], lo, hi)
			}
		}
		if out.Row == nil {
			t.Fatal("no details row")
		}
		if out.Row.NWin > len(x) {
			t.Fatalf("nwin %d for %d points", out.Row.NWin, len(x))
		}
	})
}

// FuzzAggregate: no panic; amean lies between the smallest and largest
// available child; wsum of one-weights is the sum; Copeland scores sum to 0.
func FuzzAggregate(f *testing.F) {
	f.Add([]byte{104, 108, 255}, []byte{1, 1, 2}, uint8(0))
	f.Add([]byte{255, 255}, []byte{1, 1}, uint8(50))
	f.Add([]byte{100}, []byte{0}, uint8(100))
	f.Fuzz(func(t *testing.T, xb, wb []byte, thr uint8) {
		if len(xb) == 0 {
			return
		}
		x := decode(xb)
		for i, v := range x {
			if math.IsInf(v, 0) {
				x[i] = math.NaN()
			}
		}
		w := make([]float64, len(x))
		for i := range w {
			w[i] = 1
			if i < len(wb) {
				w[i] = float64(wb[i]%5) + 1
			}
		}
		spec := AggSpec{MinAvailability: float64(thr%101) / 100}
		n, lo, hi, _ := finiteStats(x)
		for _, m := range []string{AggAMean, AggGMean, AggHMean, AggWSum} {
			spec.Method = m
			y, err := AggregateRow(x, w, spec)
			if err != nil {
				if indus.Code(err) != indus.EInvalid || (m != AggGMean && m != AggHMean) {
					t.Fatalf("%s: unexpected error %v", m, err)
				}
				continue
			}
			avail := float64(n) / float64(len(x))
			if (n == 0 || avail < spec.MinAvailability) != math.IsNaN(y) {
				t.Fatalf("%s on %v (thr %g) = %g", m, x, spec.MinAvailability, y)
			}
			if m == AggAMean && !math.IsNaN(y) && (y < lo-1e-9*math.Abs(lo) || y > hi+1e-9*math.Abs(hi)) {
				t.Fatalf("amean %g outside [%g, %g]", y, lo, hi)
			}
		}
		// Copeland over units: treat x as one child column and w-derived as another.
		cols := [][]float64{x, decode(wb)[:min(len(wb), len(x))]}
		if len(cols[1]) != len(x) {
			cols = cols[:1]
		}
		sc, err := AggregateRows(cols, []float64{2, 1}[:len(cols)], AggSpec{Method: AggCopeland})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, v := range sc {
			sum += v
		}
		if sum != 0 {
			t.Fatalf("copeland scores %v sum to %g", sc, sum)
		}
	})
}

// FuzzPipeline runs a full pipeline (group imputation, screening, treatment,
// normalisation, aggregation, classification) on small random data sets:
// it must never panic, fail only with a domain error, and give min-max
// aggregates in [0, 100].
func FuzzPipeline(f *testing.F) {
	f.Add([]byte{100, 101, 102, 103, 104, 105, 106, 107, 108}, []byte{0, 1, 0}, uint8(50))
	f.Add([]byte{100, 100, 100, 100, 100, 100}, []byte{0, 0}, uint8(0))   // all equal
	f.Add([]byte{100, 255, 255}, []byte{0}, uint8(90))                    // single unit
	f.Add([]byte{255, 255, 255, 255, 255, 255}, []byte{1, 2}, uint8(100)) // empty groups
	f.Fuzz(func(t *testing.T, vals, groups []byte, thr uint8) {
		const m = 3
		n := len(vals) / m
		if n == 0 || n > 200 {
			return
		}
		fw, err := NewFramework([]Node{
			{Code: "x1", Parent: "G1", Weight: 1, Direction: 1, Indicator: true, Target: math.NaN()},
			{Code: "x2", Parent: "G1", Weight: 2, Direction: -1, Indicator: true, Target: math.NaN()},
			{Code: "x3", Parent: "G2", Weight: 1, Direction: 1, Indicator: true, Target: math.NaN()},
			{Code: "G1", Parent: "I", Weight: 1, Target: math.NaN()},
			{Code: "G2", Parent: "I", Weight: 1, Target: math.NaN()},
			{Code: "I", Weight: math.NaN(), Target: math.NaN()},
		}, []string{"grp"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		x := decode(vals)
		for i, v := range x {
			if math.IsInf(v, 0) {
				x[i] = math.NaN()
			}
		}
		d := &Dataset{Groups: map[string][]string{"grp": make([]string, n)}, Indicators: map[string][]float64{}}
		for i := 0; i < n; i++ {
			d.UCodes = append(d.UCodes, fmt.Sprintf("u%d", i))
			if i < len(groups) && groups[i]%4 != 3 {
				d.Groups["grp"][i] = fmt.Sprint(groups[i] % 4)
			}
		}
		for j := 0; j < m; j++ {
			col := make([]float64, n)
			for i := range col {
				col[i] = x[i*m+j]
			}
			d.Indicators[fmt.Sprintf("x%d", j+1)] = col
		}
		p := Pipeline{Steps: []Step{
			Impute{Method: ImputeGroupMedian, Group: "grp"},
			Screen{MinAvailability: float64(thr%101) / 100},
			Treat{},
			Normalise{},
			Aggregate{AggSpec: AggSpec{MinAvailability: 0.5}},
			Classify{Classes: []ClassRule{{Name: "A", UpTo: 0.2}, {Name: "B", UpTo: 0.7}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}},
		}}
		res, err := p.Run(fw, d)
		if err != nil {
			if indus.Code(err) != indus.EInvalid {
				t.Fatalf("non-domain error: %v", err)
			}
			return
		}
		for _, code := range []string{"G1", "G2", "I"} {
			for i, v := range res.Scores.Col(code) {
				if !math.IsNaN(v) && (v < -1e-9 || v > 100+1e-9) {
					t.Fatalf("%s of %s = %g outside [0, 100]", code, res.Scores.UCodes[i], v)
				}
			}
		}
		if len(res.Classes.Units) != res.Scores.NumUnits() {
			t.Fatalf("%d classes for %d units", len(res.Classes.Units), res.Scores.NumUnits())
		}
	})
}

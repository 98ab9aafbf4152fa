package complexity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synthetic builds a seeded R × P table shaped like trade data: regions
// with a capability level and a size, activities with a complexity and a
// size, values falling off when an activity is more complex than the region
// is capable, log-normal noise, and 20 % of cells empty.
func synthetic(R, P int, seed uint64) Data {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	d := Data{Regions: make([]string, R), Activities: make([]string, P), Values: make([]float64, R*P)}
	capab := make([]float64, R)
	rsize := make([]float64, R)
	for i := range capab {
		d.Regions[i] = fmt.Sprintf("R%03d", i)
		capab[i] = rng.Float64()
		rsize[i] = math.Exp(2 * rng.NormFloat64())
	}
	cplx := make([]float64, P)
	psize := make([]float64, P)
	for j := range cplx {
		d.Activities[j] = fmt.Sprintf("%06d", j)
		cplx[j] = rng.Float64()
		psize[j] = math.Exp(rng.NormFloat64())
	}
	for i := 0; i < R; i++ {
		for j := 0; j < P; j++ {
			if rng.Float64() < 0.2 {
				continue
			}
			gap := math.Max(0, cplx[j]-capab[i])
			d.Values[i*P+j] = rsize[i] * psize[j] * math.Exp(-6*gap+rng.NormFloat64())
		}
	}
	return d
}

func benchmarkCompute(b *testing.B, R, P int) {
	d := synthetic(R, P, 42)
	res, err := Compute(d, Options{FitnessIterations: 20})
	if err != nil {
		b.Fatal(err)
	}
	var nnz float64
	for _, v := range res.M {
		nnz += v
	}
	for b.Loop() {
		if _, err := Compute(d, Options{FitnessIterations: 20}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(nnz/float64(len(res.M)), "M-density")
}

// BenchmarkCompute41x1381 is the size of a 41-region × 1,381-activity
// table (e.g. a province's districts × HS-4 products).
func BenchmarkCompute41x1381(b *testing.B) { benchmarkCompute(b, 41, 1381) }

// BenchmarkCompute300x1400 is the largest size the engine is meant for.
func BenchmarkCompute300x1400(b *testing.B) { benchmarkCompute(b, 300, 1400) }

func TestSyntheticSanity(t *testing.T) {
	res, err := Compute(synthetic(60, 200, 7), Options{FitnessIterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	// ECI is standardised over the table: mean 0, sample SD 1 with each
	// region counted once per activity.
	mean, sd := tableMoments(res.ECI, len(res.Activities))
	if math.Abs(mean) > 1e-12 || math.Abs(sd-1) > 1e-12 {
		t.Errorf("ECI moments %v %v", mean, sd)
	}
	// ECI and fitness both rank capability; they should agree broadly.
	if c := corr(res.ECI, res.Fitness); c < 0.5 {
		t.Errorf("corr(ECI, fitness) = %v", c)
	}
	if c := corr(res.ECI, ints(res.Diversity)); c <= 0 {
		t.Errorf("corr(ECI, diversity) = %v", c)
	}
	// Both eigenvector routes agree on a non-trivial size.
	d := synthetic(60, 200, 7)
	alt, err := Compute(d, Options{FitnessIterations: 20, side: 2})
	if err != nil {
		t.Fatal(err)
	}
	compareResults(t, "activity side", res, alt, identity(60), identity(200))
}

func corr(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

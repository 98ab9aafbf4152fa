package index

import (
	"math"
	"math/rand/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// This file holds the variance-based sensitivity machinery: the Saltelli
// sampling design and the Sobol index estimators, independent of composite
// indicators so that they can be checked on analytic test functions.
//
// Design (Saltelli 2002; Saltelli et al. 2010, "Variance based sensitivity
// analysis of model output. Design and estimator for the total sensitivity
// index", Computer Physics Communications 181, 259–270): two independent
// N × D matrices A and B of uniform draws on [0, 1); for every input i the
// matrix A_B^(i) is A with the columns of input i taken from B. The model is
// run on the N(d + 2) rows, in blocks: A (runs 0…N−1), B (N…2N−1), then
// A_B^(1), …, A_B^(d), N runs each. An input may own several columns (a
// group, e.g. every weight on one level); group indices then follow
// (Jacques et al. 2006).
//
// Estimators, as COINr's SA_estimate (which follows the same paper), with V
// the sample variance (n − 1) of the 2N outputs of A and B:
//
//	first order  S_i  = (1/N) Σ_j f(B)_j (f(A_B^(i))_j − f(A)_j) / V    (Saltelli 2010)
//	total        ST_i = (1/2N) Σ_j (f(A)_j − f(A_B^(i))_j)² / V          (Jansen 1999)
//
// The first-order sum uses f(B)_j minus the mean output, which leaves its
// expectation unchanged and reduces its Monte Carlo error (SALib centres the
// outputs the same way; COINr does not, so its estimates differ from these
// only by sampling noise).
//
// Random numbers: row j of A and B comes from its own PCG stream seeded from
// (seed, j), so a design is the same whatever the order in which its rows
// are generated or its runs evaluated.

// SaltelliDesign is a Saltelli sampling design over uniform inputs.
type SaltelliDesign struct {
	// N is the base sample size (rows of A and of B).
	N int
	// Groups[i] is the number of columns of input i (1 for a scalar input).
	Groups []int
	// A and B are the N × D base matrices, D = Σ Groups.
	A, B [][]float64

	offset []int // first column of each input
}

// NewSaltelliDesign draws the base matrices of a design with n base rows and
// one input per entry of groups (its number of columns), seeded.
func NewSaltelliDesign(n int, groups []int, seed uint64) (*SaltelliDesign, error) {
	if n < 2 {
		return nil, indus.Errorf(indus.EInvalid, "sensitivity: the base sample needs at least 2 rows, got %d", n)
	}
	if len(groups) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "sensitivity: no uncertain inputs")
	}
	s := &SaltelliDesign{N: n, Groups: append([]int(nil), groups...), offset: make([]int, len(groups))}
	dim := 0
	for i, g := range groups {
		if g < 1 {
			return nil, indus.Errorf(indus.EInvalid, "sensitivity: input %d has %d columns", i+1, g)
		}
		s.offset[i] = dim
		dim += g
	}
	s.A, s.B = make([][]float64, n), make([][]float64, n)
	for j := 0; j < n; j++ {
		r := streamRand(seed, uint64(j))
		s.A[j], s.B[j] = make([]float64, dim), make([]float64, dim)
		for k := range s.A[j] {
			s.A[j][k] = r.Float64()
		}
		for k := range s.B[j] {
			s.B[j][k] = r.Float64()
		}
	}
	return s, nil
}

// Dim is the number of columns D.
func (s *SaltelliDesign) Dim() int { return len(s.A[0]) }

// Inputs is the number of inputs d.
func (s *SaltelliDesign) Inputs() int { return len(s.Groups) }

// Runs is the number of model runs N(d + 2).
func (s *SaltelliDesign) Runs() int { return s.N * (len(s.Groups) + 2) }

// Point returns the input row of run r (see the block order above), written
// into dst when it has room.
func (s *SaltelliDesign) Point(r int, dst []float64) []float64 {
	dst = dst[:0]
	block, j := r/s.N, r%s.N
	switch block {
	case 0:
		return append(dst, s.A[j]...)
	case 1:
		return append(dst, s.B[j]...)
	}
	i := block - 2
	dst = append(dst, s.A[j]...)
	lo := s.offset[i]
	copy(dst[lo:lo+s.Groups[i]], s.B[j][lo:lo+s.Groups[i]])
	return dst
}

// Column returns the columns [lo, hi) of input i.
func (s *SaltelliDesign) Column(i int) (lo, hi int) { return s.offset[i], s.offset[i] + s.Groups[i] }

// Indices estimates the first-order and total indices of every input from
// the outputs y of the N(d + 2) runs in design order. It also returns V. A
// NaN output, or V = 0 (the output does not vary), gives NaN indices.
func (s *SaltelliDesign) Indices(y []float64) (first, total []float64, variance float64) {
	sums := sobolSums(y, s.N, len(s.Groups))
	first, total = make([]float64, len(s.Groups)), make([]float64, len(s.Groups))
	for i := range first {
		first[i] = sums.first[i] / sums.v
		total[i] = sums.total[i] / sums.v
		if !(sums.v > 0) {
			first[i], total[i] = math.NaN(), math.NaN()
		}
	}
	return first, total, sums.v
}

// sobolParts holds the numerators of the estimators and the variance, so
// that several outputs can be pooled (Σ numerators ÷ Σ variances: the
// variance-weighted indices of a multivariate output, Gamboa et al. 2014).
type sobolParts struct {
	first, total []float64
	v            float64
}

// sobolSums returns, for outputs y in design order, mean(yB(yABi − yA)),
// Σ(yA − yABi)²/2N and the sample variance of (yA, yB).
func sobolSums(y []float64, n, d int) sobolParts {
	p := sobolParts{first: make([]float64, d), total: make([]float64, d)}
	yA, yB := y[:n], y[n:2*n]
	var m accumulator
	for _, v := range y[:2*n] {
		m.add(v)
	}
	mean := m.value() / float64(2*n)
	var ss accumulator
	for _, v := range y[:2*n] {
		ss.add((v - mean) * (v - mean))
	}
	p.v = ss.value() / float64(2*n-1)
	for i := 0; i < d; i++ {
		yAB := y[(2+i)*n : (3+i)*n]
		var f, t accumulator
		for j := 0; j < n; j++ {
			// (yB − mean) instead of yB: the same expectation, since
			// E[yAB − yA] = 0, with a much smaller variance when the output
			// is far from zero (as SALib, which centres the outputs).
			f.add((yB[j] - mean) * (yAB[j] - yA[j]))
			dd := yA[j] - yAB[j]
			t.add(dd * dd)
		}
		p.first[i] = f.value() / float64(n)
		p.total[i] = t.value() / float64(2*n)
	}
	return p
}

// streamRand returns the generator of stream k under seed: a PCG whose two
// state words are SplitMix64 hashes of (seed, k), so neighbouring streams
// are unrelated.
func streamRand(seed, k uint64) *rand.Rand {
	a := splitMix64(seed ^ splitMix64(k))
	b := splitMix64(a ^ (k + 0x9e3779b97f4a7c15))
	return rand.New(rand.NewPCG(a, b))
}

// splitMix64 is Vigna's SplitMix64 finaliser.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

package complexity

import (
	"math"
)

// symEigen finds selected eigenpairs of a dense real symmetric matrix
// without computing the whole spectrum:
//
//  1. Householder reduction to tridiagonal form, T = Qᵀ A Q (about n³
//     multiply-adds; Golub & Van Loan, Matrix Computations, 4th ed., §8.3.1);
//  2. eigenvalues of T by Sturm-sequence bisection, one at a time, each to
//     full precision (§8.4.1);
//  3. the eigenvector of one eigenvalue by inverse iteration on T with a
//     pivoted tridiagonal LU factorisation (§8.2.2), mapped back with Q.
//
// This is robust to repeated or clustered eigenvalues elsewhere in the
// spectrum and costs little more than the reduction itself, which matters
// because the matrices here reach a few hundred rows and only the second
// eigenpair is needed.
type symEigen struct {
	n    int
	d    []float64   // diagonal of T
	e    []float64   // off-diagonal of T: e[i] = T[i][i+1]
	v    [][]float64 // Householder vectors: v[k] acts on indices k+1..n-1
	beta []float64   // reflector k is I − beta[k]·v[k]·v[k]ᵀ
	norm float64     // a bound on ‖T‖, for tolerances
}

// newSymEigen reduces the symmetric n×n matrix a (row-major, overwritten) to
// tridiagonal form.
//
// Step k applies the reflector H_k to the trailing block B: p = beta·B·v,
// w = p − (beta/2)(pᵀv)·v, B ← B − v·wᵀ − w·vᵀ. For large n the block does
// not fit in cache, so the reduction is bound by memory traffic, not by
// arithmetic. Two things cut it (same operations, in the same order, so the
// result is bit for bit what the plain two-pass loop gives):
//
//   - fusion: the first row of the updated block is row k+1, from which the
//     next reflector comes; it is updated first, the next reflector is built
//     from it, and then every other row is updated and immediately dotted
//     with the next reflector, so B·v of step k+1 costs no second pass over
//     the matrix;
//   - rows are split among GOMAXPROCS goroutines (each row is owned by one,
//     and the only reduction across rows, pᵀv, is summed sequentially
//     afterwards, so the result does not depend on scheduling).
func newSymEigen(a []float64, n int) *symEigen {
	s := &symEigen{
		n:    n,
		d:    make([]float64, n),
		e:    make([]float64, max(n-1, 0)),
		v:    make([][]float64, max(n-2, 0)),
		beta: make([]float64, max(n-2, 0)),
	}
	p := make([]float64, n)
	// dots[i] = Σ_j B_ij v_j for the current step's reflector, when the
	// previous step computed them during its update (haveDots).
	dots := make([]float64, n)
	next := make([]float64, n)
	haveDots := false
	var v []float64
	var beta float64
	ok := false
	if n > 2 {
		v, beta, ok = s.reflector(a, n, 0)
	}
	for k := 0; k < n-2; k++ {
		if !ok {
			// No reflector (the column is already zero): nothing to apply.
			if k+1 < n-2 {
				v, beta, ok = s.reflector(a, n, k+1)
			}
			haveDots = false
			continue
		}
		m := n - k - 1
		off := k + 1
		if !haveDots {
			parallelRows(m, m, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					row := a[(off+i)*n+off : (off+i)*n+n]
					var t float64
					for j, vj := range v {
						t += row[j] * vj
					}
					dots[i] = t
				}
			})
		}
		pv := 0.0
		for i := 0; i < m; i++ {
			p[i] = beta * dots[i]
			pv += p[i] * v[i]
		}
		kk := beta / 2 * pv
		w := p[:m]
		for i := range w {
			w[i] -= kk * v[i]
		}
		// Row 0 of the block (row k+1 of a) first: the next reflector comes
		// from it.
		{
			row := a[off*n+off : off*n+n]
			vi, wi := v[0], w[0]
			for j := range row {
				row[j] -= vi*w[j] + wi*v[j]
			}
		}
		var vn []float64
		var betan float64
		okn := false
		if k+1 < n-2 {
			vn, betan, okn = s.reflector(a, n, k+1)
		}
		parallelRows(m-1, m, func(lo, hi int) {
			for i := lo + 1; i < hi+1; i++ {
				row := a[(off+i)*n+off : (off+i)*n+n]
				vi, wi := v[i], w[i]
				if !okn {
					for j := range row {
						row[j] -= vi*w[j] + wi*v[j]
					}
					continue
				}
				// Column 0 of the block is not part of the next block.
				row[0] -= vi*w[0] + wi*v[0]
				tail := row[1:]
				wt, vt := w[1:len(row)], v[1:len(row)]
				vn := vn[:len(tail)]
				var t float64
				for j := range tail {
					tail[j] -= vi*wt[j] + wi*vt[j]
					t += tail[j] * vn[j]
				}
				next[i-1] = t
			}
		})
		dots, next = next, dots
		haveDots = okn
		v, beta, ok = vn, betan, okn
	}
	if n >= 2 {
		s.d[n-2] = a[(n-2)*n+n-2]
		s.e[n-2] = a[(n-2)*n+n-1]
	}
	if n >= 1 {
		s.d[n-1] = a[(n-1)*n+n-1]
	}
	for i := 0; i < n; i++ {
		r := math.Abs(s.d[i])
		if i > 0 {
			r += math.Abs(s.e[i-1])
		}
		if i < n-1 {
			r += math.Abs(s.e[i])
		}
		s.norm = math.Max(s.norm, r)
	}
	return s
}

// reflector records d[k] and e[k] and builds the Householder reflector that
// zeroes row k of a (n×n) to the right of the superdiagonal: H x = alpha·e₁
// with v = x − alpha·e₁ and beta = 2/(vᵀv), x being row k right of the
// diagonal (by symmetry the column below it, but contiguous). It reports
// false when no reflection is needed.
func (s *symEigen) reflector(a []float64, n, k int) (v []float64, beta float64, ok bool) {
	m := n - k - 1
	x := a[k*n+k+1 : k*n+n]
	var scale float64
	for _, xi := range x {
		scale = math.Max(scale, math.Abs(xi))
	}
	s.d[k] = a[k*n+k]
	if scale == 0 {
		s.e[k] = 0
		return nil, 0, false
	}
	// Scale to avoid overflow/underflow in the norm.
	v = make([]float64, m)
	var ss float64
	for i, xi := range x {
		v[i] = xi / scale
		ss += v[i] * v[i]
	}
	alpha := math.Sqrt(ss)
	if v[0] > 0 {
		alpha = -alpha
	}
	v[0] -= alpha
	var vv float64
	for _, vi := range v {
		vv += vi * vi
	}
	s.e[k] = alpha * scale
	if vv == 0 {
		return nil, 0, false
	}
	beta = 2 / vv
	s.v[k], s.beta[k] = v, beta
	return v, beta, true
}

// parallelRows runs body over [0, rows) split among goroutines when the
// work (rows × width multiply-adds) is worth it, else in the caller.
func parallelRows(rows, width int, body func(lo, hi int)) {
	if rows*width < 1<<15 {
		body(0, rows)
		return
	}
	parallelFor(rows, body)
}

// pivmin is the smallest pivot magnitude allowed in the Sturm recurrence
// (the safe minimum scaled by the largest squared off-diagonal, as LAPACK's
// bisection does), so that the division never overflows.
func (s *symEigen) pivmin() float64 {
	m := 1.0
	for _, ei := range s.e {
		m = math.Max(m, ei*ei)
	}
	return safmin * m
}

// safmin is the smallest normal float64.
const safmin = 0x1p-1022

// countBelow returns how many eigenvalues of T are smaller than x (Sylvester's
// law of inertia applied to the LDLᵀ factorisation of T − xI).
func (s *symEigen) countBelow(x float64) int {
	pm := s.pivmin()
	count := 0
	var q float64
	for i, di := range s.d {
		if i == 0 {
			q = di - x
		} else {
			q = di - x - s.e[i-1]*s.e[i-1]/q
		}
		if math.Abs(q) <= pm {
			q = -pm
		}
		if q < 0 {
			count++
		}
	}
	return count
}

// eigenvalue returns the k-th smallest eigenvalue of T (k = 0 … n−1).
func (s *symEigen) eigenvalue(k int) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < s.n; i++ {
		r := 0.0
		if i > 0 {
			r += math.Abs(s.e[i-1])
		}
		if i < s.n-1 {
			r += math.Abs(s.e[i])
		}
		lo = math.Min(lo, s.d[i]-r)
		hi = math.Max(hi, s.d[i]+r)
	}
	pad := 2*math.SmallestNonzeroFloat64 + 4*eps*s.norm + s.pivmin()
	lo, hi = lo-pad, hi+pad
	// Invariant: countBelow(lo) ≤ k < countBelow(hi).
	for it := 0; it < 200; it++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi || hi-lo <= 2*eps*math.Max(math.Abs(lo), math.Abs(hi))+s.pivmin() {
			break
		}
		if s.countBelow(mid) > k {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo + (hi-lo)/2
}

const eps = 0x1p-52

// eigenvector returns a unit eigenvector of the original matrix for the
// eigenvalue lambda, by inverse iteration on T followed by the back
// transformation with the Householder reflectors.
func (s *symEigen) eigenvector(lambda float64) []float64 {
	n := s.n
	if n == 0 {
		return nil
	}
	if n == 1 {
		return []float64{1}
	}
	// Factor T − λI = P L U with partial pivoting. U has two superdiagonals.
	dd := make([]float64, n)
	du := make([]float64, n-1)
	du2 := make([]float64, n)
	dl := make([]float64, n-1) // multipliers
	piv := make([]bool, n-1)
	for i := range dd {
		dd[i] = s.d[i] - lambda
	}
	copy(du, s.e)
	sub := append([]float64(nil), s.e...)
	tiny := eps * math.Max(s.norm, math.SmallestNonzeroFloat64)
	if tiny == 0 {
		tiny = math.SmallestNonzeroFloat64
	}
	for i := 0; i < n-1; i++ {
		if math.Abs(dd[i]) >= math.Abs(sub[i]) {
			if dd[i] == 0 {
				dd[i] = tiny
			}
			l := sub[i] / dd[i]
			dl[i] = l
			dd[i+1] -= l * du[i]
			du2[i] = 0
		} else {
			// Swap rows i and i+1.
			l := dd[i] / sub[i]
			dl[i] = l
			piv[i] = true
			dd[i] = sub[i]
			tmp := du[i]
			du[i] = dd[i+1]
			dd[i+1] = tmp - l*dd[i+1]
			if i < n-2 {
				du2[i] = du[i+1]
				du[i+1] = -l * du[i+1]
			}
		}
	}
	if dd[n-1] == 0 {
		dd[n-1] = tiny
	}
	for i := range dd {
		if math.Abs(dd[i]) < tiny {
			dd[i] = math.Copysign(tiny, dd[i])
		}
	}
	// A fixed, generic start vector (not orthogonal to any eigenvector in
	// practice) keeps the result deterministic.
	y := make([]float64, n)
	seed := uint64(0x9E3779B97F4A7C15)
	for i := range y {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		y[i] = 0.5 + float64(seed>>11)/float64(1<<53)
	}
	normalize(y)
	for it := 0; it < 4; it++ {
		// Forward: apply P and L⁻¹.
		for i := 0; i < n-1; i++ {
			if piv[i] {
				y[i], y[i+1] = y[i+1], y[i]
			}
			y[i+1] -= dl[i] * y[i]
		}
		// Back substitution with U.
		y[n-1] /= dd[n-1]
		y[n-2] = (y[n-2] - du[n-2]*y[n-1]) / dd[n-2]
		for i := n - 3; i >= 0; i-- {
			y[i] = (y[i] - du[i]*y[i+1] - du2[i]*y[i+2]) / dd[i]
		}
		if !normalize(y) {
			// Overflow: restart from a scaled-down vector.
			for i := range y {
				if math.IsInf(y[i], 0) {
					y[i] = math.Copysign(1, y[i])
				} else {
					y[i] = 0
				}
			}
			normalize(y)
		}
	}
	// x = H₀ H₁ … H_{n−3} y.
	for k := n - 3; k >= 0; k-- {
		v := s.v[k]
		if v == nil {
			continue
		}
		tail := y[k+1:]
		var t float64
		for i, vi := range v {
			t += vi * tail[i]
		}
		t *= s.beta[k]
		for i, vi := range v {
			tail[i] -= t * vi
		}
	}
	normalize(y)
	return y
}

// normalize scales x to unit Euclidean norm; it reports false if the norm is
// zero or not finite.
func normalize(x []float64) bool {
	var scale float64
	for _, xi := range x {
		scale = math.Max(scale, math.Abs(xi))
	}
	if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
		return false
	}
	var ss float64
	for _, xi := range x {
		t := xi / scale
		ss += t * t
	}
	nrm := scale * math.Sqrt(ss)
	for i := range x {
		x[i] /= nrm
	}
	return true
}

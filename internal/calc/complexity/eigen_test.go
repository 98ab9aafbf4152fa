package complexity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
)

// jacobiEigenvalues is a slow, simple reference: cyclic Jacobi rotations.
func jacobiEigenvalues(a []float64, n int) []float64 {
	a = append([]float64(nil), a...)
	for sweep := 0; sweep < 100; sweep++ {
		off := 0.0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				off += a[i*n+j] * a[i*n+j]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p] = c*akp - s*akq
					a[k*n+q] = s*akp + c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k] = c*apk - s*aqk
					a[q*n+k] = s*apk + c*aqk
				}
			}
		}
	}
	ev := make([]float64, n)
	for i := range ev {
		ev[i] = a[i*n+i]
	}
	sort.Float64s(ev)
	return ev
}

func TestSymEigenAgainstJacobi(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 7, 20, 50} {
		for trial := 0; trial < 5; trial++ {
			a := make([]float64, n*n)
			for i := 0; i < n; i++ {
				for j := 0; j <= i; j++ {
					v := rng.NormFloat64()
					if trial == 1 {
						v = math.Round(v) // repeated eigenvalues, zeros
					}
					if trial == 2 && i != j {
						v = 0 // already diagonal
					}
					a[i*n+j], a[j*n+i] = v, v
				}
			}
			want := jacobiEigenvalues(a, n)
			work := append([]float64(nil), a...)
			se := newSymEigen(work, n)
			for k := 0; k < n; k++ {
				got := se.eigenvalue(k)
				if math.Abs(got-want[k]) > 1e-10*(1+math.Abs(want[k])) {
					t.Fatalf("n=%d trial %d: eigenvalue %d = %v, want %v", n, trial, k, got, want[k])
				}
				// Residual of the eigenvector, only meaningful for simple ones.
				if (k > 0 && want[k]-want[k-1] < 1e-6) || (k < n-1 && want[k+1]-want[k] < 1e-6) {
					continue
				}
				x := se.eigenvector(got)
				var res float64
				for i := 0; i < n; i++ {
					var s float64
					for j := 0; j < n; j++ {
						s += a[i*n+j] * x[j]
					}
					res = math.Max(res, math.Abs(s-got*x[i]))
				}
				if res > 1e-9 {
					t.Fatalf("n=%d trial %d: eigenvector %d residual %g", n, trial, k, res)
				}
			}
		}
	}
}

// twoPassTridiagonal is the textbook reduction (a matrix–vector product,
// then the rank-2 update of the trailing block, one after the other), which
// newSymEigen fuses and splits among cores. It returns d, e and the
// reflectors.
func twoPassTridiagonal(a []float64, n int) (d, e []float64, vs [][]float64) {
	d = make([]float64, n)
	e = make([]float64, max(n-1, 0))
	vs = make([][]float64, max(n-2, 0))
	p := make([]float64, n)
	for k := 0; k < n-2; k++ {
		m := n - k - 1
		x := a[k*n+k+1 : k*n+n]
		var scale float64
		for _, xi := range x {
			scale = math.Max(scale, math.Abs(xi))
		}
		d[k] = a[k*n+k]
		if scale == 0 {
			continue
		}
		v := make([]float64, m)
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
		e[k] = alpha * scale
		if vv == 0 {
			continue
		}
		beta := 2 / vv
		vs[k] = v
		off := k + 1
		pv := 0.0
		for i := 0; i < m; i++ {
			row := a[(off+i)*n+off : (off+i)*n+n]
			var t float64
			for j, vj := range v {
				t += row[j] * vj
			}
			p[i] = beta * t
			pv += p[i] * v[i]
		}
		kk := beta / 2 * pv
		w := p[:m]
		for i := range w {
			w[i] -= kk * v[i]
		}
		for i := 0; i < m; i++ {
			row := a[(off+i)*n+off : (off+i)*n+n]
			vi, wi := v[i], w[i]
			for j := range row {
				row[j] -= vi*w[j] + wi*v[j]
			}
		}
	}
	if n >= 2 {
		d[n-2] = a[(n-2)*n+n-2]
		e[n-2] = a[(n-2)*n+n-1]
	}
	if n >= 1 {
		d[n-1] = a[(n-1)*n+n-1]
	}
	return d, e, vs
}

// The fused, parallel reduction must give exactly (bit for bit) what the
// two-pass reduction gives, whatever the number of cores, including when a
// step needs no reflector (zero columns, a block-diagonal matrix).
func TestTridiagonalFusedEqualsTwoPass(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 4, 9, 60, 250, 400} {
		for trial := 0; trial < 3; trial++ {
			a := make([]float64, n*n)
			for i := 0; i < n; i++ {
				for j := 0; j <= i; j++ {
					v := rng.NormFloat64()
					switch {
					case trial == 1 && (i%7 == 3 || j%7 == 3) && i != j:
						v = 0 // rows with nothing to reflect
					case trial == 2 && (i < n/2) != (j < n/2):
						v = 0 // two diagonal blocks
					}
					a[i*n+j], a[j*n+i] = v, v
				}
			}
			wd, we, wv := twoPassTridiagonal(append([]float64(nil), a...), n)
			for _, procs := range []int{1, 2, 3} {
				old := runtime.GOMAXPROCS(procs)
				se := newSymEigen(append([]float64(nil), a...), n)
				runtime.GOMAXPROCS(old)
				same := func(name string, got, want []float64) {
					t.Helper()
					if len(got) != len(want) {
						t.Fatalf("n=%d trial %d procs %d: len(%s) %d, want %d", n, trial, procs, name, len(got), len(want))
					}
					for i := range want {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
							t.Fatalf("n=%d trial %d procs %d: %s[%d] = %v, want %v", n, trial, procs, name, i, got[i], want[i])
						}
					}
				}
				same("d", se.d, wd)
				same("e", se.e, we)
				for k := range wv {
					same(fmt.Sprintf("v[%d]", k), se.v[k], wv[k])
				}
			}
		}
	}
}

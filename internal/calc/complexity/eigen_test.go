package complexity

import (
	"math"
	"math/rand/v2"
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

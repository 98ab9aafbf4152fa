package synth

import (
	"math"
	"testing"
)

func TestFexpMatchesMathExp(t *testing.T) {
	var r rng
	r.reseed(1, 99, 0, 0)
	for i := 0; i < 200000; i++ {
		x := r.between(-40, 40)
		if i%2 == 0 {
			x = r.between(-1, 1)
		}
		got, want := fexp(x), math.Exp(x)
		if math.Abs(got-want) > 4e-16*want {
			t.Fatalf("fexp(%v) = %v, math.Exp = %v", x, got, want)
		}
	}
	for _, c := range []struct{ x, want float64 }{{0, 1}, {1, math.E}, {-800, 0}, {800, math.Inf(1)}} {
		if got := fexp(c.x); got != c.want && math.Abs(got-c.want) > 1e-15 {
			t.Errorf("fexp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := fpow(2, 10); math.Abs(got-1024) > 1e-9 {
		t.Errorf("fpow(2, 10) = %v", got)
	}
}

func TestAllocateSumsExactly(t *testing.T) {
	var r rng
	r.reseed(1, 98, 0, 0)
	var w [12]float64
	var out [12]int64
	for i := 0; i < 100000; i++ {
		for m := range w {
			w[m] = r.between(0.01, 2)
		}
		total := int64(r.intn(1 << 40))
		if i%3 == 0 {
			total = int64(r.intn(30))
		}
		allocate(total, &w, &out)
		var s int64
		for _, v := range out {
			if v < 0 {
				t.Fatalf("negative month %v for total %d", out, total)
			}
			s += v
		}
		if s != total {
			t.Fatalf("months sum to %d, want %d", s, total)
		}
	}
}

func TestUSCCAndOrgCode(t *testing.T) {
	// GB 11714 check characters of the organisation codes inside the valid
	// USCCs DOMAIN.md §3 lists (positions 9–17).
	for body, want := range map[string]byte{"60003734": '1', "19220382": '1', "M000100Y": '4'} {
		if got := orgCodeCheck(body); got != want {
			t.Errorf("orgCodeCheck(%s) = %c, want %c", body, got, want)
		}
	}
}

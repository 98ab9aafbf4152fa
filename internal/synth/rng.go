package synth

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng is the generator's only source of randomness: a PCG-DXSM generator
// (math/rand/v2.PCG, whose algorithm is fixed by its specification) with the
// derived quantities (uniforms, normals, choices) computed here rather than by
// rand.Rand, so that no change in the standard library's helper methods can
// change a dataset.
//
// Every stream is keyed by (seed, firm, year, purpose): a firm's figures for a
// year do not depend on the order in which firms are visited, on which other
// years are generated, or on goroutine scheduling.
type rng struct {
	pcg      rand.PCG
	hasSpare bool
	spare    float64
}

// Purposes of the streams; each value keys an independent stream.
const (
	streamFirm     = 1 // static attributes of a firm
	streamSector   = 2 // sector-level draws (giants, calibration jitter)
	streamYear     = 3 // a firm's figures for one year
	streamWalk     = 4 // a firm's growth shock for one year
	streamMonth    = 5 // a firm's monthly split for one year
	streamText     = 6 // business scope text
	streamImperf   = 7 // imperfections of a firm's row for one year
	streamIdentity = 8 // USCC and name retries
	streamGlobal   = 9 // run-level draws
)

// splitmix64 is a bijective 64-bit mixer (Steele, Lea and Flood 2014); it
// turns structured keys into well-spread PCG seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// reseed positions the generator on the stream for the given key.
func (r *rng) reseed(seed int64, purpose, a, b uint64) {
	s := splitmix64(uint64(seed) ^ splitmix64(purpose))
	r.pcg.Seed(splitmix64(s^splitmix64(a+0x632be59bd9b4e019)), splitmix64(s+splitmix64(b^0x8cb92ba72f3d8dd7)))
	r.hasSpare = false
}

func (r *rng) uint64() uint64 { return r.pcg.Uint64() }

// float returns a uniform value in [0, 1) with 53 random bits.
func (r *rng) float() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// between returns a uniform value in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// intn returns a uniform integer in [0, n) (Lemire's multiply-shift with rejection).
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	un := uint64(n)
	thresh := -un % un
	for {
		x := r.pcg.Uint64()
		hi, lo := bits.Mul64(x, un)
		if lo >= thresh {
			return int(hi)
		}
	}
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// norm returns a standard normal deviate (Box–Muller, polar-free form).
func (r *rng) norm() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	u1 := 1 - r.float() // (0, 1]
	u2 := r.float()
	rad := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	r.spare = rad * s
	r.hasSpare = true
	return rad * c
}

// lognorm returns exp(sigma·z) for a standard normal z.
func (r *rng) lognorm(sigma float64) float64 { return fexp(sigma * r.norm()) }

// pick returns an index drawn with probability proportional to the
// cumulative weights cum (cum[len-1] is the total).
func (r *rng) pick(cum []float64) int {
	u := r.float() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// cumulative turns weights into cumulative sums for pick.
func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		s += v
		out[i] = s
	}
	return out
}

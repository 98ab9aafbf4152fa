package complexity

import (
	"fmt"
	"math"
)

// eciResult carries ECI/PCI and the unstandardised vectors that COI and COG
// need.
type eciResult struct {
	defined  bool
	lambda   float64   // second-largest eigenvalue of M̃
	kc, kp   []float64 // sign-fixed eigenvectors, kc = D⁻¹ M kp; NaN for isolated nodes
	mean, sd float64   // moments of kc over the region × activity table
	eci, pci []float64 // (kc − mean)/sd, (kp − mean)/sd
	warnings []string
}

// eci computes ECI and PCI on the non-isolated part of the network, which
// the caller has checked is connected.
//
// M̃ = D⁻¹ M U⁻¹ Mᵀ (regions) and its companion U⁻¹ Mᵀ D⁻¹ M (activities)
// are similar to the symmetric positive semi-definite matrices
// S = D^{-1/2} M U⁻¹ Mᵀ D^{-1/2} and T = U^{-1/2} Mᵀ D⁻¹ M U^{-1/2}, which
// share their non-zero eigenvalues (all in [0, 1], the largest being 1 with
// eigenvector √d, resp. √u). The smaller of the two is built and solved; if
// w is its second eigenvector then kc = D^{-1/2} w (resp. kp = U^{-1/2} w),
// and the other side follows from kc = D⁻¹ M kp, kp = U⁻¹ Mᵀ kc / λ₂.
func (n *network) eci(side int) *eciResult {
	R, P := n.R, n.P
	res := &eciResult{lambda: math.NaN(), mean: math.NaN(), sd: math.NaN()}
	res.eci = nanSlice(R)
	res.pci = nanSlice(P)
	res.kc = nanSlice(R)
	res.kp = nanSlice(P)

	var regs, acts []int
	for i, d := range n.div {
		if d > 0 {
			regs = append(regs, i)
		}
	}
	for j, u := range n.ubq {
		if u > 0 {
			acts = append(acts, j)
		}
	}
	if len(regs) < 2 || len(acts) < 2 {
		res.warnings = append(res.warnings, fmt.Sprintf("ECI and PCI are undefined: they need at least 2 regions and 2 activities with presence, got %d and %d", len(regs), len(acts)))
		return res
	}

	regionSide := len(regs) <= len(acts)
	if side != 0 {
		regionSide = side == 1
	}
	var a []float64
	var k int
	var deg []float64 // degrees of the side solved (for √d)
	if regionSide {
		a, k = n.regionMatrix(regs), len(regs)
		deg = make([]float64, k)
		for x, i := range regs {
			deg[x] = float64(n.div[i])
		}
	} else {
		a, k = n.activityMatrix(acts, regs), len(acts)
		deg = make([]float64, k)
		for x, j := range acts {
			deg[x] = float64(n.ubq[j])
		}
	}
	se := newSymEigen(a, k)
	lambda := se.eigenvalue(k - 2)
	res.lambda = lambda
	if lambda <= 1e-10 {
		res.warnings = append(res.warnings, "ECI and PCI are undefined: every region has the same activities in the same proportions (the second eigenvalue of M̃ is 0)")
		res.lambda = math.NaN()
		return res
	}
	if k >= 3 {
		l3 := se.eigenvalue(k - 3)
		if lambda-l3 <= 1e-8*lambda {
			res.warnings = append(res.warnings, fmt.Sprintf("the second and third eigenvalues of M̃ nearly coincide (%.12g, %.12g): ECI and PCI are not well determined", lambda, l3))
		}
	}
	w := se.eigenvector(lambda)
	// Remove any trace of the known leading eigenvector √deg (it matters
	// only when λ₂ is close to 1, but costs nothing).
	var dot, nn float64
	for x := range w {
		s := math.Sqrt(deg[x])
		dot += w[x] * s
		nn += deg[x]
	}
	for x := range w {
		w[x] -= dot / nn * math.Sqrt(deg[x])
	}
	normalize(w)

	kc := res.kc
	kp := res.kp
	if regionSide {
		for x, i := range regs {
			kc[i] = w[x] / math.Sqrt(deg[x])
		}
		// kp = U⁻¹ Mᵀ kc / λ₂.
		for _, j := range acts {
			kp[j] = 0
		}
		for _, i := range regs {
			for _, j := range n.pres[i] {
				kp[j] += kc[i]
			}
		}
		for _, j := range acts {
			kp[j] /= float64(n.ubq[j]) * lambda
		}
	} else {
		for x, j := range acts {
			kp[j] = w[x] / math.Sqrt(deg[x])
		}
		// kc = D⁻¹ M kp.
		for _, i := range regs {
			var t float64
			for _, j := range n.pres[i] {
				t += kp[j]
			}
			kc[i] = t / float64(n.div[i])
		}
	}

	// Sign: ECI must correlate positively with diversity.
	var md, mk float64
	for _, i := range regs {
		md += float64(n.div[i])
		mk += kc[i]
	}
	md /= float64(len(regs))
	mk /= float64(len(regs))
	var cov float64
	for _, i := range regs {
		cov += (float64(n.div[i]) - md) * (kc[i] - mk)
	}
	flip := cov < 0
	if cov == 0 {
		// No correlation to go by (e.g. equal diversities): make the
		// largest-magnitude entry positive so the result is deterministic.
		var big float64
		for _, i := range regs {
			if math.Abs(kc[i]) > math.Abs(big) {
				big = kc[i]
			}
		}
		flip = big < 0
	}
	if flip {
		for _, i := range regs {
			kc[i] = -kc[i]
		}
		for _, j := range acts {
			kp[j] = -kp[j]
		}
	}

	res.mean, res.sd = tableMoments(kc, P)
	if !(res.sd > 0) {
		res.warnings = append(res.warnings, "ECI and PCI are undefined: ECI has no variance")
		return res
	}
	for _, i := range regs {
		res.eci[i] = (kc[i] - res.mean) / res.sd
	}
	for _, j := range acts {
		res.pci[j] = (kp[j] - res.mean) / res.sd
	}
	res.defined = true
	return res
}

// regionMatrix builds S_ab = Σ_p M_ap M_bp / u_p / √(d_a d_b) over the given
// regions, row-major.
func (n *network) regionMatrix(regs []int) []float64 {
	k := len(regs)
	s := make([]float64, k*k)
	invU := make([]float64, n.P)
	for j, u := range n.ubq {
		if u > 0 {
			invU[j] = 1 / float64(u)
		}
	}
	parallelFor(k, func(lo, hi int) {
		w := make([]float64, n.P)
		for a := lo; a < hi; a++ {
			ia := regs[a]
			for _, j := range n.pres[ia] {
				w[j] = invU[j]
			}
			da := float64(n.div[ia])
			for b := a; b < k; b++ {
				ib := regs[b]
				var t float64
				for _, j := range n.pres[ib] {
					t += w[j]
				}
				v := t / math.Sqrt(da*float64(n.div[ib]))
				s[a*k+b] = v
				s[b*k+a] = v
			}
			for _, j := range n.pres[ia] {
				w[j] = 0
			}
		}
	})
	return s
}

// activityMatrix builds T_ab = Σ_r M_ra M_rb / d_r / √(u_a u_b) over the
// given activities, row-major.
func (n *network) activityMatrix(acts, regs []int) []float64 {
	k := len(acts)
	pos := make([]int, n.P)
	for x, j := range acts {
		pos[j] = x
	}
	t := make([]float64, k*k)
	// Each goroutine owns a range of rows and adds the regions in the same
	// order, so every cell is summed exactly as a serial loop would.
	parallelFor(k, func(lo, hi int) {
		for _, i := range regs {
			inv := 1 / float64(n.div[i])
			ps := n.pres[i]
			for _, ja := range ps {
				a := pos[ja]
				if a < lo || a >= hi {
					continue
				}
				row := t[a*k : (a+1)*k]
				for _, jb := range ps {
					row[pos[jb]] += inv
				}
			}
		}
		for a := lo; a < hi; a++ {
			ua := float64(n.ubq[acts[a]])
			for b := 0; b < k; b++ {
				t[a*k+b] /= math.Sqrt(ua * float64(n.ubq[acts[b]]))
			}
		}
	})
	return t
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

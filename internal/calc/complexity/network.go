package complexity

import (
	"math"
	"math/bits"
	"runtime"
	"sort"
	"sync"
)

// network is the presence matrix M with the views that the measures need:
// each region's present activities as a list and each activity's regions
// as a bit set.
type network struct {
	R, P int
	rca  []float64 // R×P
	m    []float64 // R×P, 0 or 1
	div  []int     // R
	ubq  []int     // P
	pres [][]int32 // per region, present activities in order
	// cols[j] is a bit set over regions: bit i set when M[i][j] = 1.
	cols  [][]uint64
	words int
}

func newNetwork(x []float64, R, P int, threshold float64, binary bool) *network {
	n := &network{
		R: R, P: P,
		rca:  make([]float64, R*P),
		m:    make([]float64, R*P),
		div:  make([]int, R),
		ubq:  make([]int, P),
		pres: make([][]int32, R),
	}
	if binary {
		copy(n.m, x)
		for i := range n.rca {
			n.rca[i] = math.NaN()
		}
	} else {
		// RCA_rp = (x_rp / Σ_p x_rp) / (Σ_r x_rp / Σ x).
		rowTot := make([]float64, R)
		colTot := make([]float64, P)
		var tot float64
		for i := 0; i < R; i++ {
			for j, v := range x[i*P : (i+1)*P] {
				rowTot[i] += v
				colTot[j] += v
			}
			tot += rowTot[i]
		}
		for i := 0; i < R; i++ {
			for j := 0; j < P; j++ {
				r := (x[i*P+j] / rowTot[i]) / (colTot[j] / tot)
				n.rca[i*P+j] = r
				if r > threshold {
					n.m[i*P+j] = 1
				}
			}
		}
	}
	n.words = (R + 63) / 64
	n.cols = make([][]uint64, P)
	backing := make([]uint64, P*n.words)
	for j := range n.cols {
		n.cols[j] = backing[j*n.words : (j+1)*n.words]
	}
	for i := 0; i < R; i++ {
		for j := 0; j < P; j++ {
			if n.m[i*P+j] == 1 {
				n.pres[i] = append(n.pres[i], int32(j))
				n.cols[j][i/64] |= 1 << (i % 64)
				n.div[i]++
				n.ubq[j]++
			}
		}
	}
	return n
}

type component struct {
	regions, activities []int
}

// components returns the connected components of the bipartite network,
// ignoring isolated nodes (diversity or ubiquity 0), largest first.
func (n *network) components() []component {
	// Union-find over R region nodes followed by P activity nodes.
	parent := make([]int, n.R+n.P)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(a int) int {
		for parent[a] != a {
			parent[a] = parent[parent[a]]
			a = parent[a]
		}
		return a
	}
	for i, ps := range n.pres {
		for _, j := range ps {
			a, b := find(i), find(n.R+int(j))
			if a != b {
				parent[a] = b
			}
		}
	}
	byRoot := map[int]*component{}
	var order []*component
	get := func(root int) *component {
		c, ok := byRoot[root]
		if !ok {
			c = &component{}
			byRoot[root] = c
			order = append(order, c)
		}
		return c
	}
	for i := 0; i < n.R; i++ {
		if n.div[i] > 0 {
			c := get(find(i))
			c.regions = append(c.regions, i)
		}
	}
	for j := 0; j < n.P; j++ {
		if n.ubq[j] > 0 {
			c := get(find(n.R + j))
			c.activities = append(c.activities, j)
		}
	}
	out := make([]component, len(order))
	for i, c := range order {
		out[i] = *c
	}
	sort.SliceStable(out, func(a, b int) bool {
		return len(out[a].regions)+len(out[a].activities) > len(out[b].regions)+len(out[b].activities)
	})
	return out
}

// proximity returns φ_pq = Σ_r M_rp M_rq / max(u_p, u_q), φ_pp = 0, as a
// P×P row-major matrix. Co-occurrences are popcounts of the activities'
// region bit sets.
func (n *network) proximity() []float64 {
	P := n.P
	phi := make([]float64, P*P)
	parallelFor(P, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			cp := n.cols[p]
			for q := p + 1; q < P; q++ {
				cq := n.cols[q]
				c := 0
				for w, bp := range cp {
					c += bits.OnesCount64(bp & cq[w])
				}
				if c == 0 {
					continue
				}
				v := float64(c) / float64(max(n.ubq[p], n.ubq[q]))
				phi[p*P+q] = v
				phi[q*P+p] = v // written by the worker owning row p only
			}
		}
	})
	return phi
}

// densityCOG returns density and COG (R×P):
//
//	density_rp = Σ_q M_rq φ_pq / Σ_q φ_pq
//	COG_rp     = (1 − M_rp) Σ_q φ_pq / (Σ_p' φ_p'q) · (1 − M_rq) · k_q / s
//
// where k is PCI before standardisation and s the ECI standard deviation
// (the Stata convention, see the package doc). Each region's sums run over
// its present or its absent activities, whichever are fewer, the rest coming
// from row totals computed once.
func (n *network) densityCOG(phi []float64, ec *eciResult) (density, cog []float64) {
	R, P := n.R, n.P
	density = make([]float64, R*P)
	cog = make([]float64, R*P)
	s := make([]float64, P) // Σ_q φ_pq (= column sums, φ is symmetric)
	parallelFor(P, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			var t float64
			for _, v := range phi[p*P : (p+1)*P] {
				t += v
			}
			s[p] = t
		}
	})
	haveCOG := ec.defined
	g := make([]float64, P) // k_q / s_q
	h := make([]float64, P) // Σ_q φ_pq g_q
	if haveCOG {
		for q := 0; q < P; q++ {
			if s[q] > 0 && !math.IsNaN(ec.kp[q]) {
				g[q] = ec.kp[q] / s[q]
			}
		}
		parallelFor(P, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				var t float64
				for q, v := range phi[p*P : (p+1)*P] {
					t += v * g[q]
				}
				h[p] = t
			}
		})
	}
	parallelFor(R, func(lo, hi int) {
		a := make([]float64, P)
		b := make([]float64, P)
		absent := make([]int32, 0, P)
		for i := lo; i < hi; i++ {
			mi := n.m[i*P : (i+1)*P]
			usePresent := 2*n.div[i] <= P
			set := n.pres[i]
			if !usePresent {
				absent = absent[:0]
				for j, v := range mi {
					if v == 0 {
						absent = append(absent, int32(j))
					}
				}
				set = absent
			}
			clear(a)
			clear(b)
			// Four rows at a time: a and b are loaded and stored once per
			// four rows of φ, which is what bounds this loop.
			k := 0
			for ; k+4 <= len(set); k += 4 {
				q0, q1, q2, q3 := int(set[k]), int(set[k+1]), int(set[k+2]), int(set[k+3])
				axpy2x4(a, b,
					phi[q0*P:(q0+1)*P], phi[q1*P:(q1+1)*P], phi[q2*P:(q2+1)*P], phi[q3*P:(q3+1)*P],
					g[q0], g[q1], g[q2], g[q3])
			}
			for ; k < len(set); k++ {
				q := int(set[k])
				axpy2(a, b, phi[q*P:(q+1)*P], g[q])
			}
			di := density[i*P : (i+1)*P]
			ci := cog[i*P : (i+1)*P]
			for p := 0; p < P; p++ {
				num, cs := a[p], h[p]-b[p]
				if !usePresent {
					num, cs = s[p]-a[p], b[p]
				}
				if s[p] > 0 {
					di[p] = num / s[p]
				} else {
					di[p] = math.NaN()
				}
				switch {
				case mi[p] == 1:
					ci[p] = 0
				case !haveCOG:
					ci[p] = math.NaN()
				default:
					ci[p] = cs / ec.sd
				}
			}
		}
	})
	return density, cog
}

// axpy2 adds row to a and gq·row to b.
func axpy2(a, b, row []float64, gq float64) {
	a = a[:len(row)]
	b = b[:len(row)]
	for k, v := range row {
		a[k] += v
		b[k] += v * gq
	}
}

// axpy2x4 adds r0+r1+r2+r3 to a and g0·r0+…+g3·r3 to b.
func axpy2x4(a, b, r0, r1, r2, r3 []float64, g0, g1, g2, g3 float64) {
	n := len(a)
	b = b[:n]
	r0, r1, r2, r3 = r0[:n], r1[:n], r2[:n], r3[:n]
	for k := range a {
		v0, v1, v2, v3 := r0[k], r1[k], r2[k], r3[k]
		a[k] += (v0 + v1) + (v2 + v3)
		b[k] += (v0*g0 + v1*g1) + (v2*g2 + v3*g3)
	}
}

// coi returns COI_r = Σ_p density_rp (1 − M_rp) k_p, standardised over the
// region × activity table (k is PCI before standardisation).
func (n *network) coi(density []float64, ec *eciResult) []float64 {
	out := make([]float64, n.R)
	if !ec.defined {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	P := n.P
	for i := 0; i < n.R; i++ {
		var t float64
		for p := 0; p < P; p++ {
			if n.m[i*P+p] == 1 {
				continue
			}
			d, k := density[i*P+p], ec.kp[p]
			if math.IsNaN(d) || math.IsNaN(k) {
				continue
			}
			t += d * k
		}
		out[i] = t
	}
	mean, sd := tableMoments(out, P)
	for i := range out {
		out[i] = (out[i] - mean) / sd
	}
	return out
}

// tableMoments returns the mean and the sample standard deviation of v over
// a table in which each (non-NaN) element appears reps times, as Stata's
// summarize does on the long region × activity table.
func tableMoments(v []float64, reps int) (mean, sd float64) {
	var cnt int
	for _, x := range v {
		if !math.IsNaN(x) {
			mean += x
			cnt++
		}
	}
	if cnt == 0 {
		return math.NaN(), math.NaN()
	}
	mean /= float64(cnt)
	var ss float64
	for _, x := range v {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	N := cnt * reps
	if N < 2 {
		return mean, math.NaN()
	}
	return mean, math.Sqrt(ss * float64(reps) / float64(N-1))
}

// fitness runs iters steps of the fitness–complexity map (Tacchella et al.
// 2012) from F = Q = 1:
//
//	F̃_r = Σ_p M_rp Q_p,   Q̃_p = 1 / Σ_r M_rp / F_r,
//
// both from the previous step's F and Q, each then divided by its mean. A
// region with no presence has fitness 0 (and counts in the mean); an
// activity present nowhere would have Q = ∞: it gets NaN and stays out of
// the mean.
func (n *network) fitness(iters int) (fit, cpx []float64) {
	R, P := n.R, n.P
	f := make([]float64, R)
	q := make([]float64, P)
	for i := range f {
		f[i] = 1
	}
	for j := range q {
		q[j] = 1
	}
	fn := make([]float64, R)
	qn := make([]float64, P)
	for it := 0; it < iters; it++ {
		clear(qn)
		for i, ps := range n.pres {
			var t float64
			inv := 1 / f[i]
			for _, j := range ps {
				t += q[j]
				qn[j] += inv
			}
			fn[i] = t
		}
		for j := range qn {
			qn[j] = 1 / qn[j]
		}
		normaliseMean(fn, nil)
		normaliseMean(qn, n.ubq)
		f, fn = fn, f
		q, qn = qn, q
	}
	for j, u := range n.ubq {
		if u == 0 {
			q[j] = math.NaN()
		}
	}
	return f, q
}

// normaliseMean divides v by its mean over the entries whose degree is
// positive (all entries if degree is nil).
func normaliseMean(v []float64, degree []int) {
	var s float64
	var c int
	for i, x := range v {
		if degree == nil || degree[i] > 0 {
			s += x
			c++
		}
	}
	if c == 0 || s == 0 {
		return
	}
	mean := s / float64(c)
	for i := range v {
		v[i] /= mean
	}
}

// parallelFor splits [0, n) into contiguous chunks run on GOMAXPROCS
// goroutines. Each index is processed by exactly one goroutine, so results
// do not depend on scheduling.
func parallelFor(n int, body func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 || n < 16 {
		body(0, n)
		return
	}
	// More chunks than workers balances triangular loops.
	chunks := workers * 8
	if chunks > n {
		chunks = n
	}
	var wg sync.WaitGroup
	next := make(chan int, chunks)
	for c := 0; c < chunks; c++ {
		next <- c
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				body(c*n/chunks, (c+1)*n/chunks)
			}
		}()
	}
	wg.Wait()
}

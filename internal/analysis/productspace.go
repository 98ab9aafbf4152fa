package analysis

import (
	"math"
	"math/rand/v2"
	"sort"
)

// The product space of a new-tracks analysis: industries linked by their
// proximity (the probability that units specialise in both; Hidalgo et
// al. 2007, "The product space conditions the development of nations"),
// drawn as its maximum spanning tree plus the strongest other links, as
// the Atlas of Economic Complexity draws it. It is built from the same
// complexity result as the ranking of tracks, so the picture and the
// tables agree, and laid out here so a browser only draws.

// spaceMinProximity is the proximity above which a link that is not in the
// spanning tree is still drawn (0.55 in Hidalgo et al.).
const spaceMinProximity = 0.55

// ProductSpace is the network of industries and its layout.
type ProductSpace struct {
	Codes    []string  // industries present in some unit
	PCI      []float64 // their product complexity
	Ubiquity []int     // how many units specialise in each
	X, Y     []float64 // positions in [0, 1000]²
	Edges    []SpaceEdge
	// Present[unit][i] says whether the unit has RCA above the threshold
	// in industry i.
	Present map[string][]bool
}

// SpaceEdge links industries A and B (indexes into Codes) with proximity W;
// Tree marks the edges of the maximum spanning tree.
type SpaceEdge struct {
	A, B int
	W    float64
	Tree bool
}

// ProductSpace lays out the analysis's product space. It costs O(n²) in
// the industries (a few hundred ms at class level): callers keep it.
func (nt *NewTracksResult) ProductSpace() *ProductSpace {
	res := nt.res
	ps := &ProductSpace{Present: map[string][]bool{}}
	// Only industries present somewhere have proximities.
	P := len(res.Activities)
	var keep []int
	for j := 0; j < P; j++ {
		if res.Ubiquity[j] > 0 {
			keep = append(keep, j)
		}
	}
	n := len(keep)
	ps.Codes = make([]string, n)
	ps.PCI = make([]float64, n)
	ps.Ubiquity = make([]int, n)
	for k, j := range keep {
		ps.Codes[k] = res.Activities[j]
		ps.PCI[k] = res.PCI[j]
		ps.Ubiquity[k] = res.Ubiquity[j]
	}
	for i, r := range res.Regions {
		pr := make([]bool, n)
		for k, j := range keep {
			pr[k] = res.M[res.Cell(i, j)] > 0
		}
		ps.Present[r] = pr
	}
	phi := func(a, b int) float64 { return res.Proximity[keep[a]*P+keep[b]] }
	ps.Edges = maxSpanningTree(n, phi)
	inTree := map[[2]int]bool{}
	for _, e := range ps.Edges {
		inTree[[2]int{e.A, e.B}] = true
	}
	var extra []SpaceEdge
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if w := phi(a, b); w >= spaceMinProximity && !inTree[[2]int{a, b}] {
				extra = append(extra, SpaceEdge{A: a, B: b, W: w})
			}
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].W > extra[j].W })
	if limit := 2 * n; len(extra) > limit {
		extra = extra[:limit]
	}
	ps.Edges = append(ps.Edges, extra...)
	ps.X, ps.Y = forceLayout(n, ps.Edges)
	return ps
}

// maxSpanningTree returns the maximum spanning forest of the complete
// graph weighted by w (Prim's algorithm, O(n²)); zero weights never link.
func maxSpanningTree(n int, w func(a, b int) float64) []SpaceEdge {
	in := make([]bool, n)
	best := make([]float64, n)
	from := make([]int, n)
	var out []SpaceEdge
	for start := 0; start < n; start++ {
		if in[start] {
			continue
		}
		for i := range best {
			if !in[i] {
				best[i], from[i] = -1, -1
			}
		}
		cur := start
		in[cur] = true
		for {
			for i := 0; i < n; i++ {
				if !in[i] {
					if v := w(cur, i); v > best[i] {
						best[i], from[i] = v, cur
					}
				}
			}
			next := -1
			for i := 0; i < n; i++ {
				if !in[i] && from[i] >= 0 && best[i] > 0 && (next < 0 || best[i] > best[next]) {
					next = i
				}
			}
			if next < 0 {
				break
			}
			in[next] = true
			a, b := min(from[next], next), max(from[next], next)
			out = append(out, SpaceEdge{A: a, B: b, W: best[next], Tree: true})
			cur = next
		}
	}
	return out
}

// forceLayout places n nodes with the Fruchterman–Reingold algorithm
// (seeded, so the picture is the same for the same data), in [0, 1000]².
func forceLayout(n int, edges []SpaceEdge) (xs, ys []float64) {
	xs, ys = make([]float64, n), make([]float64, n)
	if n == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range xs {
		xs[i], ys[i] = rng.Float64()*1000, rng.Float64()*1000
	}
	// The ideal distance, a little larger than FR's √(area/n): hubs of the
	// spanning tree have many leaves that need room.
	k := 1.6 * math.Sqrt(1000*1000/float64(n))
	dx, dy := make([]float64, n), make([]float64, n)
	temp := 100.0
	const iters = 500
	for it := 0; it < iters; it++ {
		for i := range dx {
			dx[i], dy[i] = 0, 0
		}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				ex, ey := xs[i]-xs[j], ys[i]-ys[j]
				d2 := ex*ex + ey*ey
				if d2 < 1e-6 {
					ex, ey, d2 = 0.1, 0.1, 0.02
				}
				f := k * k / d2 // repulsion k²/d, along the unit vector (e/d)
				dx[i] += ex * f
				dy[i] += ey * f
				dx[j] -= ex * f
				dy[j] -= ey * f
			}
		}
		for _, e := range edges {
			ex, ey := xs[e.A]-xs[e.B], ys[e.A]-ys[e.B]
			d := math.Sqrt(ex*ex+ey*ey) + 1e-9
			// Attraction d²/k: the spanning tree shapes the picture (as in
			// the Atlas), the extra links only nudge.
			f := d / k * (0.5 + e.W)
			if !e.Tree {
				f *= 0.05
			}
			dx[e.A] -= ex * f
			dy[e.A] -= ey * f
			dx[e.B] += ex * f
			dy[e.B] += ey * f
		}
		for i := 0; i < n; i++ {
			// A weak pull to the centre keeps separate trees in view.
			dx[i] -= (xs[i] - 500) * 0.002
			dy[i] -= (ys[i] - 500) * 0.002
			d := math.Sqrt(dx[i]*dx[i]+dy[i]*dy[i]) + 1e-9
			step := math.Min(d, temp)
			xs[i] += dx[i] / d * step
			ys[i] += dy[i] / d * step
		}
		temp = math.Max(0.5, temp*0.99)
	}
	// Scale into [0, 1000]².
	minX, maxX, minY, maxY := xs[0], xs[0], ys[0], ys[0]
	for i := range xs {
		minX, maxX = math.Min(minX, xs[i]), math.Max(maxX, xs[i])
		minY, maxY = math.Min(minY, ys[i]), math.Max(maxY, ys[i])
	}
	sx, sy := maxX-minX, maxY-minY
	for i := range xs {
		if sx > 0 {
			xs[i] = (xs[i] - minX) / sx * 1000
		}
		if sy > 0 {
			ys[i] = (ys[i] - minY) / sy * 1000
		}
	}
	return xs, ys
}

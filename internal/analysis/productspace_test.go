package analysis

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// The product space is checked against the fixture's complexity computed
// the plain way: its industries, ubiquities and presence, every link's
// proximity, a spanning tree as heavy as Kruskal's, the extra links, and a
// layout that stays in its box and is the same every time.
func TestProductSpaceAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	st := openTrackStore(t, append(trackFirms(rng), trackExtra...))
	ref := refComplexity(t, trackMatrix)
	nt, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Basis: BasisOutput})
	if err != nil {
		t.Fatal(err)
	}
	ps := nt.ProductSpace()
	col := map[string]int{}
	for j, c := range trackCodes {
		col[c] = j
	}
	if len(ps.Codes) != len(trackCodes) {
		t.Fatalf("industries %v, want the fixture's %v", ps.Codes, trackCodes)
	}
	for k, c := range ps.Codes {
		if ps.Ubiquity[k] != ref.ubq[col[c]] {
			t.Errorf("%s: ubiquity %d, reference %d", c, ps.Ubiquity[k], ref.ubq[col[c]])
		}
	}
	for i, u := range trackUnits {
		for k, c := range ps.Codes {
			if ps.Present[u][k] != (ref.m[i][col[c]] > 0) {
				t.Errorf("%s in %s: present %v, reference RCA %v", u, c, ps.Present[u][k], ref.m[i][col[c]])
			}
		}
	}
	// Proximity φ(p, q) = Σᵢ MᵢₚMᵢq / max(kp, kq).
	phi := func(a, b int) float64 {
		p, q := col[ps.Codes[a]], col[ps.Codes[b]]
		var c float64
		for i := range ref.m {
			c += ref.m[i][p] * ref.m[i][q]
		}
		return c / float64(max(ref.ubq[p], ref.ubq[q]))
	}
	n := len(ps.Codes)
	var treeWeight float64
	trees, lastExtra := 0, math.Inf(1)
	for _, e := range ps.Edges {
		if e.A >= e.B || !near(e.W, phi(e.A, e.B)) {
			t.Errorf("edge %+v: proximity %v", e, phi(e.A, e.B))
		}
		if e.Tree {
			trees++
			treeWeight += e.W
			continue
		}
		if e.W < spaceMinProximity || e.W > lastExtra {
			t.Errorf("extra link %+v: below %v or out of order", e, spaceMinProximity)
		}
		lastExtra = e.W
	}
	// Kruskal's maximum spanning forest over the positive proximities.
	type link struct {
		a, b int
		w    float64
	}
	var links []link
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if w := phi(a, b); w > 0 {
				links = append(links, link{a, b, w})
			}
		}
	}
	sort.Slice(links, func(i, j int) bool { return links[i].w > links[j].w })
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	var want float64
	wantEdges := 0
	for _, l := range links {
		if ra, rb := find(l.a), find(l.b); ra != rb {
			parent[ra] = rb
			want += l.w
			wantEdges++
		}
	}
	if trees != wantEdges || !near(treeWeight, want) {
		t.Errorf("spanning tree: %d edges weighing %v, Kruskal %d weighing %v", trees, treeWeight, wantEdges, want)
	}
	for i := range ps.X {
		if ps.X[i] < 0 || ps.X[i] > 1000 || ps.Y[i] < 0 || ps.Y[i] > 1000 || math.IsNaN(ps.X[i]+ps.Y[i]) {
			t.Errorf("node %d at (%v, %v), outside [0, 1000]²", i, ps.X[i], ps.Y[i])
		}
	}
	if again := nt.ProductSpace(); !reflect.DeepEqual(again, ps) {
		t.Error("the same analysis gave another layout")
	}
}

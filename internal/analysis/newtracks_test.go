package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// ---- fixture ---------------------------------------------------------------

// trackFirm is one enterprise of a test store with its output in 2024.
type trackFirm struct {
	unit, code string
	output     float64
}

var trackUnits = []string{"LJ", "GX", "500241", "500104", "500238"}
var trackCodes = []string{"1311", "2740", "3061", "3612", "3911", "3971"}

// trackMatrix is the unit × class output the fixture sums to (rows
// trackUnits, columns trackCodes). It is connected at RCA > 1 and its
// second and third eigenvalues are well apart (checked by the reference).
var trackMatrix = [][]float64{
	//  1311 2740 3061 3612 3911 3971
	{27, 0, 0, 57, 0, 27},  // LJ
	{21, 0, 55, 21, 8, 45}, // GX
	{31, 0, 0, 14, 60, 5},  // Xiushan
	{3, 56, 32, 17, 6, 27}, // Dadukou
	{38, 0, 44, 0, 0, 3},   // Wuxi
}

// cascadeMatrix falls apart at RCA > 1, and setting aside its small
// components splits the rest again: too much to set aside.
var cascadeMatrix = [][]float64{
	{0, 10, 5, 50, 20, 30},
	{0, 15, 0, 5, 40, 60},
	{40, 20, 5, 0, 0, 0},
	{5, 0, 50, 10, 0, 8},
	{30, 5, 0, 0, 2, 0},
}

// trackFirms splits each cell into one to three firms (so the store has to
// sum them), and adds rows the analysis must ignore: another year, a
// non-manufacturing firm, an unknown unit, an unknown class.
func trackFirms(rng *rand.Rand) []trackFirm { return matrixFirms(rng, trackMatrix) }

func matrixFirms(rng *rand.Rand, x [][]float64) []trackFirm {
	var fs []trackFirm
	for i, u := range trackUnits {
		for j, c := range trackCodes {
			v := x[i][j]
			if v == 0 {
				continue
			}
			n := 1 + rng.IntN(3)
			for k := 0; k < n; k++ {
				fs = append(fs, trackFirm{u, c, v / float64(n)})
			}
		}
	}
	return fs
}

var trackExtra = []trackFirm{
	{"LJ", "6513", 500},    // software: not manufacturing
	{"999999", "3612", 70}, // not an evaluation unit
	{"GX", "3699", 9},      // not a GB/T 4754-2017 class
}

// openTrackStore builds a store from firms, in the given order; every firm
// also gets a 2023 fact with another value (a multiple that depends on
// the class only, so how a cell is split among firms does not matter) so
// the year filter matters.
func openTrackStore(t *testing.T, firms []trackFirm) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	uscc := func(i int) string { return fmt.Sprintf("91500000%09dX", i) }
	l, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "x", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range firms {
		if err := l.AppendEnterprise(i+2, &indus.Enterprise{USCC: uscc(i), Name: "企业", UnitCode: f.unit, IndustryCode: f.code, AboveSize: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := l.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	l, err = st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "y", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range firms {
		if err := l.AppendAnnual(2*i+2, &indus.AnnualFact{USCC: uscc(i), Year: 2024, OutputValue: indus.Float(f.output), Employees: indus.Float(10)}); err != nil {
			t.Fatal(err)
		}
		if err := l.AppendAnnual(2*i+3, &indus.AnnualFact{USCC: uscc(i), Year: 2023, OutputValue: indus.Float(f.output * float64(1+int(f.code[len(f.code)-1]-'0')%3)), Employees: indus.Float(9)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := l.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	return st
}

// ---- an independent reference ------------------------------------------------

// refResult is the complexity of a small dense matrix computed the plain
// way: formulas written out, the second eigenvector by power iteration on
// the deflated symmetric matrix (the engine uses Householder reduction,
// bisection and inverse iteration instead).
type refResult struct {
	m, density, cog  [][]float64
	div, ubq         []int
	eci, pci         []float64
	lambda2, lambda3 float64
}

func refComplexity(t *testing.T, x [][]float64) refResult {
	t.Helper()
	R, P := len(x), len(x[0])
	var tot float64
	rowT := make([]float64, R)
	colT := make([]float64, P)
	for i := range x {
		for j, v := range x[i] {
			rowT[i] += v
			colT[j] += v
			tot += v
		}
	}
	r := refResult{div: make([]int, R), ubq: make([]int, P)}
	for i := range x {
		row := make([]float64, P)
		for j, v := range x[i] {
			if (v/rowT[i])/(colT[j]/tot) > 1 {
				row[j] = 1
				r.div[i]++
				r.ubq[j]++
			}
		}
		r.m = append(r.m, row)
	}
	phi := make([][]float64, P)
	for p := range phi {
		phi[p] = make([]float64, P)
		for q := range phi[p] {
			if p == q {
				continue
			}
			var c float64
			for i := 0; i < R; i++ {
				c += r.m[i][p] * r.m[i][q]
			}
			phi[p][q] = c / float64(max(r.ubq[p], r.ubq[q]))
		}
	}
	// S = D^-1/2 M U^-1 Mᵀ D^-1/2, leading eigenvector √d (eigenvalue 1).
	s := make([][]float64, R)
	for a := range s {
		s[a] = make([]float64, R)
		for b := range s[a] {
			for p := 0; p < P; p++ {
				s[a][b] += r.m[a][p] * r.m[b][p] / float64(r.ubq[p])
			}
			s[a][b] /= math.Sqrt(float64(r.div[a] * r.div[b]))
		}
	}
	lead := make([]float64, R)
	var nn float64
	for a := range lead {
		lead[a] = math.Sqrt(float64(r.div[a]))
		nn += float64(r.div[a])
	}
	for a := range lead {
		lead[a] /= math.Sqrt(nn)
	}
	deflate := func(v []float64, vecs ...[]float64) {
		for _, u := range vecs {
			var d float64
			for a := range v {
				d += v[a] * u[a]
			}
			for a := range v {
				v[a] -= d * u[a]
			}
		}
	}
	power := func(vecs ...[]float64) ([]float64, float64) {
		v := make([]float64, R)
		for a := range v {
			v[a] = 1 + float64(a)*0.37
		}
		var lambda float64
		for it := 0; it < 20000; it++ {
			deflate(v, vecs...)
			w := make([]float64, R)
			for a := range w {
				for b := range w {
					w[a] += s[a][b] * v[b]
				}
			}
			var n2, dot float64
			for a := range w {
				n2 += w[a] * w[a]
				dot += w[a] * v[a]
			}
			lambda = dot
			for a := range w {
				w[a] /= math.Sqrt(n2)
			}
			v = w
		}
		deflate(v, vecs...)
		return v, lambda
	}
	w, l2 := power(lead)
	_, l3 := power(lead, w)
	r.lambda2, r.lambda3 = l2, l3
	kc := make([]float64, R)
	for a := range kc {
		kc[a] = w[a] / math.Sqrt(float64(r.div[a]))
	}
	kp := make([]float64, P)
	for p := range kp {
		for a := 0; a < R; a++ {
			kp[p] += r.m[a][p] * kc[a]
		}
		kp[p] /= float64(r.ubq[p]) * l2
	}
	var md, mk float64
	for a := range kc {
		md += float64(r.div[a])
		mk += kc[a]
	}
	md /= float64(R)
	mk /= float64(R)
	var cov float64
	for a := range kc {
		cov += (float64(r.div[a]) - md) * (kc[a] - mk)
	}
	if cov < 0 {
		for a := range kc {
			kc[a] = -kc[a]
		}
		for p := range kp {
			kp[p] = -kp[p]
		}
	}
	var ss float64
	for a := range kc {
		ss += (kc[a] - mk*sign(cov)) * (kc[a] - mk*sign(cov))
	}
	mu := mk * sign(cov)
	sd := math.Sqrt(float64(P) * ss / float64(R*P-1))
	for a := range kc {
		r.eci = append(r.eci, (kc[a]-mu)/sd)
	}
	for p := range kp {
		r.pci = append(r.pci, (kp[p]-mu)/sd)
	}
	colPhi := make([]float64, P)
	for p := range phi {
		for q := range phi {
			colPhi[q] += phi[p][q]
		}
	}
	for a := 0; a < R; a++ {
		dr := make([]float64, P)
		cr := make([]float64, P)
		for p := 0; p < P; p++ {
			var num, den, g float64
			for q := 0; q < P; q++ {
				num += r.m[a][q] * phi[p][q]
				den += phi[p][q]
				g += phi[p][q] / colPhi[q] * (1 - r.m[a][q]) * kp[q] / sd
			}
			dr[p] = num / den
			cr[p] = (1 - r.m[a][p]) * g
		}
		r.density = append(r.density, dr)
		r.cog = append(r.cog, cr)
	}
	return r
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// refTracks ranks unit a's absent industries by the documented score.
func refTracks(r refResult, a int, w TrackWeights) []Track {
	var cand []Track
	for p, code := range trackCodes {
		if r.m[a][p] == 0 && r.ubq[p] > 0 {
			cand = append(cand, Track{Code: code, Density: r.density[a][p], PCI: r.pci[p], COG: r.cog[a][p]})
		}
	}
	z := func(get func(Track) float64) []float64 {
		var mean, ss float64
		for _, c := range cand {
			mean += get(c)
		}
		mean /= float64(len(cand))
		for _, c := range cand {
			ss += (get(c) - mean) * (get(c) - mean)
		}
		sd := math.Sqrt(ss / float64(len(cand)))
		out := make([]float64, len(cand))
		for i, c := range cand {
			out[i] = (get(c) - mean) / sd
		}
		return out
	}
	zd := z(func(t Track) float64 { return t.Density })
	zp := z(func(t Track) float64 { return t.PCI })
	zc := z(func(t Track) float64 { return t.COG })
	for i := range cand {
		cand[i].Score = w.Density*zd[i] + w.PCI*zp[i] + w.COG*zc[i]
	}
	sort.Slice(cand, func(i, j int) bool { return cand[i].Score > cand[j].Score })
	return cand
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(b)) }

// ---- tests -----------------------------------------------------------------

func TestNewTracksAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	st := openTrackStore(t, append(trackFirms(rng), trackExtra...))
	ref := refComplexity(t, trackMatrix)
	if ref.lambda2-ref.lambda3 < 0.05 || ref.lambda2 <= 0 {
		t.Fatalf("fixture is degenerate: λ2 %v λ3 %v", ref.lambda2, ref.lambda3)
	}
	ctx := context.Background()
	w := TrackWeights{Density: 0.5, PCI: 0.25, COG: 0.25}
	nt, err := NewTracks(ctx, st, NewTracksOptions{Year: 2024, Basis: BasisOutput})
	if err != nil {
		t.Fatal(err)
	}
	if nt.Year != 2024 || nt.Level != refdata.LevelClass || nt.Basis != BasisOutput || nt.Weights != w || nt.Industries != len(trackCodes) {
		t.Errorf("header %d %s %s %+v %d", nt.Year, nt.Level, nt.Basis, nt.Weights, nt.Industries)
	}
	if !near(nt.Eigenvalue, ref.lambda2) {
		t.Errorf("eigenvalue %v, reference %v", nt.Eigenvalue, ref.lambda2)
	}
	// The unknown unit and class are reported, software is out of scope.
	joined := strings.Join(nt.Warnings, "\n")
	if !strings.Contains(joined, "999999") || !strings.Contains(joined, "3699") || strings.Contains(joined, "6513") {
		t.Errorf("warnings %q", nt.Warnings)
	}
	if len(nt.Units) != len(refdata.Units()) {
		t.Fatalf("%d units, want all %d", len(nt.Units), len(refdata.Units()))
	}
	// Units ranked by ECI, the five with data first, matching the reference.
	prev := math.Inf(1)
	for k, u := range nt.Units {
		i := indexOf(trackUnits, u.Code)
		if k < len(trackUnits) {
			if i < 0 || u.ECI == nil || !u.HasData || u.Rank != k+1 {
				t.Fatalf("position %d: %+v", k, u)
			}
			if *u.ECI > prev {
				t.Errorf("not sorted by ECI at %d", k)
			}
			prev = *u.ECI
			if !near(*u.ECI, ref.eci[i]) || u.Diversity != ref.div[i] {
				t.Errorf("%s: ECI %v diversity %d, reference %v %d", u.Code, *u.ECI, u.Diversity, ref.eci[i], ref.div[i])
			}
			var sum float64
			for _, v := range trackMatrix[i] {
				sum += v
			}
			if !near(u.Value, sum) {
				t.Errorf("%s: value %v, want %v", u.Code, u.Value, sum)
			}
		} else if i >= 0 || u.ECI != nil || u.HasData || u.Rank != 0 {
			t.Errorf("position %d: unit without data %+v", k, u)
		}
	}
	// Each unit's ranked absent industries.
	for a, code := range trackUnits {
		ut, err := nt.Unit(code)
		if err != nil {
			t.Fatal(err)
		}
		want := refTracks(ref, a, w)
		if ut.Candidates != len(want) || len(ut.Tracks) != len(want) || len(ut.Quadrant.Points) != len(want) {
			t.Fatalf("%s: %d candidates, %d tracks, %d points; want %d", code, ut.Candidates, len(ut.Tracks), len(ut.Quadrant.Points), len(want))
		}
		n := 0
		for _, q := range ut.Quadrant.Quadrants {
			n += q.Count
		}
		if n != len(want) {
			t.Errorf("%s: quadrant counts add to %d", code, n)
		}
		for k, tr := range ut.Tracks {
			wt := want[k]
			if tr.Code != wt.Code || tr.Rank != k+1 || !near(tr.Density, wt.Density) || !near(tr.PCI, wt.PCI) || !near(tr.COG, wt.COG) || !near(tr.Score, wt.Score) {
				t.Errorf("%s #%d: got %s d %v pci %v cog %v score %v; want %s d %v pci %v cog %v score %v",
					code, k+1, tr.Code, tr.Density, tr.PCI, tr.COG, tr.Score, wt.Code, wt.Density, wt.PCI, wt.COG, wt.Score)
			}
			if it, _ := refdata.GBT4754().Lookup(tr.Code); tr.NameZh != it.NameZh || tr.NameZh == "" {
				t.Errorf("%s: name %q", tr.Code, tr.NameZh)
			}
			j := indexOf(trackCodes, tr.Code)
			if tr.Value != trackMatrix[a][j] {
				t.Errorf("%s %s: value %v, want %v", code, tr.Code, tr.Value, trackMatrix[a][j])
			}
		}
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// The result does not depend on the order of the rows in the database, nor
// on how a cell's value is split among enterprises.
func TestNewTracksRowOrderInvariant(t *testing.T) {
	a := openTrackStore(t, append(trackFirms(rand.New(rand.NewPCG(1, 1))), trackExtra...))
	firms := append(trackFirms(rand.New(rand.NewPCG(2, 2))), trackExtra...)
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(firms), func(i, j int) { firms[i], firms[j] = firms[j], firms[i] })
	b := openTrackStore(t, firms)
	ctx := context.Background()
	for _, opt := range []NewTracksOptions{{Year: 2024, Basis: BasisOutput}, {Year: 2023, Basis: BasisOutput, Limit: 2}} {
		x, err := NewTracks(ctx, a, opt)
		if err != nil {
			t.Fatal(err)
		}
		y, err := NewTracks(ctx, b, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%+v: results differ with the row order", opt)
		}
	}
}

func TestNewTracksOptionsAndErrors(t *testing.T) {
	st := openTrackStore(t, append(trackFirms(rand.New(rand.NewPCG(1, 1))), trackExtra...))
	ctx := context.Background()
	// Defaults: latest year, class level, DefaultBasis, default weights.
	nt, err := NewTracks(ctx, st, NewTracksOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if nt.Year != 2024 || nt.Level != refdata.LevelClass || nt.Basis != DefaultBasis || nt.Weights != DefaultTrackWeights || nt.Threshold != 1 {
		t.Errorf("defaults: %d %s %s %+v %v", nt.Year, nt.Level, nt.Basis, nt.Weights, nt.Threshold)
	}
	ut, err := nt.Unit("LJ")
	if err != nil || len(ut.Tracks) > 2 || ut.Candidates < len(ut.Tracks) || len(ut.Quadrant.Points) != ut.Candidates {
		t.Errorf("limit: %v, %+v", err, ut)
	}
	// Weights: all on density ranks by density, all on PCI by PCI.
	for _, tc := range []struct {
		w   TrackWeights
		key func(Track) float64
	}{{TrackWeights{Density: 1}, func(t Track) float64 { return t.Density }}, {TrackWeights{PCI: 1}, func(t Track) float64 { return t.PCI }}} {
		nt, err := NewTracks(ctx, st, NewTracksOptions{Basis: BasisOutput, Weights: tc.w})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range trackUnits {
			ut, _ := nt.Unit(u)
			for k := 1; k < len(ut.Tracks); k++ {
				if tc.key(ut.Tracks[k]) > tc.key(ut.Tracks[k-1]) {
					t.Errorf("weights %+v, unit %s: not ranked by the weighted measure: %+v", tc.w, u, ut.Tracks)
				}
			}
		}
	}
	// Group level: codes have 3 digits.
	nt, err = NewTracks(ctx, st, NewTracksOptions{Level: refdata.LevelGroup, Basis: BasisOutput})
	if err == nil {
		for _, u := range trackUnits {
			if ut, err := nt.Unit(u); err == nil {
				for _, tr := range ut.Tracks {
					if len(tr.Code) != 3 {
						t.Errorf("group level track %s", tr.Code)
					}
				}
			}
		}
	} else if indus.Code(err) != indus.EInvalid {
		t.Errorf("group level: %v", err)
	}

	errs := []struct {
		opt  NewTracksOptions
		code indus.ErrorCode
		text string
	}{
		{NewTracksOptions{Year: 2030}, indus.EInvalid, "2023, 2024"},
		{NewTracksOptions{Basis: "revenue"}, indus.EInvalid, "revenue"},
		{NewTracksOptions{Level: "section"}, indus.EInvalid, "section"},
		{NewTracksOptions{Threshold: -1}, indus.EInvalid, "threshold"},
		{NewTracksOptions{Weights: TrackWeights{Density: -1}}, indus.EInvalid, "weights"},
		{NewTracksOptions{Limit: -3}, indus.EInvalid, "limit"},
		{NewTracksOptions{NewStarTier: "galaxy"}, indus.EInvalid, "galaxy"},
	}
	for _, e := range errs {
		_, err := NewTracks(ctx, st, e.opt)
		if indus.Code(err) != e.code || !strings.Contains(indus.Message(err), e.text) {
			t.Errorf("%+v: %v (%s), want %s mentioning %q", e.opt, err, indus.Code(err), e.code, e.text)
		}
	}
	if _, err := nt.Unit("500000"); indus.Code(err) != indus.ENotFound || !strings.Contains(err.Error(), "500000") {
		t.Errorf("unknown unit: %v", err)
	}
	nt, _ = NewTracks(ctx, st, NewTracksOptions{Basis: BasisOutput})
	if _, err := nt.Unit("500101"); indus.Code(err) != indus.ENotFound || !strings.Contains(err.Error(), "no output data") {
		t.Errorf("unit without data: %v", err)
	}
	empty := openTrackStore(t, nil)
	if _, err := NewTracks(ctx, empty, NewTracksOptions{}); indus.Code(err) != indus.ENotFound {
		t.Errorf("empty database: %v", err)
	}
}

// A unit whose only specialisation is an industry no one else has forms a
// separate component: it is set aside with a warning, the rest is ranked.
func TestNewTracksDisconnectedUnitSetAside(t *testing.T) {
	firms := append(trackFirms(rand.New(rand.NewPCG(1, 1))), trackFirm{"500101", "1411", 80})
	st := openTrackStore(t, firms)
	nt, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Basis: BasisOutput})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(nt.Warnings, "\n"), "500101") {
		t.Errorf("warnings %q", nt.Warnings)
	}
	for _, u := range nt.Units {
		if u.Code == "500101" && (u.ECI != nil || !u.HasData) {
			t.Errorf("Wanzhou %+v", u)
		}
	}
	if _, err := nt.Unit("500101"); indus.Code(err) != indus.ENotFound || !strings.Contains(err.Error(), "separate component") {
		t.Errorf("Unit(500101): %v", err)
	}
	// The others are exactly as without Wanzhou.
	ref := refComplexity(t, trackMatrix)
	for _, u := range nt.Units {
		if i := indexOf(trackUnits, u.Code); i >= 0 && (u.ECI == nil || !near(*u.ECI, ref.eci[i])) {
			t.Errorf("%s: ECI %v, want %v", u.Code, u.ECI, ref.eci[i])
		}
	}
}

// When setting components aside would take out more than a tenth of the
// units, the analysis refuses with the engine's message instead.
func TestNewTracksDisconnectedRefused(t *testing.T) {
	st := openTrackStore(t, matrixFirms(rand.New(rand.NewPCG(1, 1)), cascadeMatrix))
	_, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Basis: BasisOutput})
	if indus.Code(err) != indus.EInvalid || !strings.Contains(err.Error(), "disconnected") || !strings.Contains(err.Error(), "2024, class level, by output") {
		t.Errorf("got %v", err)
	}
}

func TestNewStarCityUnits(t *testing.T) {
	st := openTrackStore(t, trackFirms(rand.New(rand.NewPCG(1, 1))))
	nt, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Basis: BasisOutput})
	if err != nil {
		t.Fatal(err)
	}
	ref := refComplexity(t, trackMatrix)
	cv := nt.NewStar
	if cv.Method != "units" || len(cv.Clusters) != 18 {
		t.Fatalf("method %s, %d new-star clusters", cv.Method, len(cv.Clusters))
	}
	// Of the fixture's classes, 3061 (fibre and composites) and 3911
	// (servers) are new-star; 2740 is modern Chinese medicine.
	got := map[string]NewStarIndustry{}
	for _, ni := range cv.Industries {
		got[ni.Code] = ni
	}
	if len(got) != 3 {
		t.Fatalf("new-star industries %+v", cv.Industries)
	}
	var total float64
	for _, row := range trackMatrix {
		for _, v := range row {
			total += v
		}
	}
	for k, ni := range cv.Industries {
		j := indexOf(trackCodes, ni.Code)
		var d, value float64
		present := 0
		for i := range trackUnits {
			d += ref.density[i][j]
			value += trackMatrix[i][j]
			present += int(ref.m[i][j])
		}
		d /= float64(len(trackUnits))
		if ni.Rank != k+1 || !near(ni.Density, d) || !near(ni.PCI, ref.pci[j]) || ni.UnitsPresent != present || !near(ni.Value, value) || !near(ni.Share, value/total) {
			t.Errorf("%s: %+v; want density %v PCI %v present %d value %v", ni.Code, ni, d, ref.pci[j], present, value)
		}
		if k > 0 && ni.Density > cv.Industries[k-1].Density {
			t.Errorf("not ranked by density")
		}
		if len(ni.NearestUnits) == 0 || len(ni.NearestUnits) > 3 {
			t.Errorf("%s: nearest units %+v", ni.Code, ni.NearestUnits)
		}
		for _, nu := range ni.NearestUnits {
			if ref.m[indexOf(trackUnits, nu.Code)][j] != 0 {
				t.Errorf("%s: nearest unit %s already has it", ni.Code, nu.Code)
			}
		}
		isNewStar := false
		for _, c := range ni.Clusters {
			isNewStar = isNewStar || c.Tier == DefaultNewStarTier
		}
		if !isNewStar {
			t.Errorf("%s: clusters %+v", ni.Code, ni.Clusters)
		}
	}
	// New-star classes absent from the city cannot be evaluated from the units.
	found := false
	for _, ne := range cv.NotEvaluated {
		found = found || ne.Code == "3491"
	}
	if !found || len(cv.Warnings) == 0 {
		t.Errorf("not evaluated %+v, warnings %q", cv.NotEvaluated, cv.Warnings)
	}
}

func TestNewStarCityReference(t *testing.T) {
	st := openTrackStore(t, trackFirms(rand.New(rand.NewPCG(1, 1))))
	// Three reference provinces at class level, one of them standing for
	// the city and replaced, plus a group-level row aggregated from classes.
	csvText := "\ufeff地区,行业代码,数值\n" +
		"四川,1311,50\n四川,2740,30\n四川,3061,0\n四川,3612,20\n四川,3911,5\n四川,3971,40\n" +
		"贵州,1311,60\n贵州,2740,40\n贵州,3061,10\n贵州,3612,2\n贵州,3971,1\n" +
		"陕西,1311,5\n陕西,3061,30\n陕西,3612,60\n陕西,3911,10\n陕西,3971,15\n陕西,6513,99\n" +
		"重庆,3612,1000\n"
	ref, err := ReadReferenceCSV("ref.csv", strings.NewReader(csvText))
	if err != nil {
		t.Fatal(err)
	}
	ref.CityRegion = "重庆"
	nt, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Basis: BasisOutput, Reference: ref})
	if err != nil {
		t.Fatal(err)
	}
	cv := nt.NewStar
	if cv.Method != "reference" || cv.ReferenceRegions != 3 || cv.CityECI == nil || cv.CityECIRank < 1 || cv.CityECIRank > 4 {
		t.Fatalf("%+v", cv)
	}
	// Reference by hand: rows 四川, 贵州, 陕西, then the city (sum of units).
	city := make([]float64, len(trackCodes))
	for _, row := range trackMatrix {
		for j, v := range row {
			city[j] += v
		}
	}
	x := [][]float64{{50, 30, 0, 20, 5, 40}, {60, 40, 10, 2, 0, 1}, {5, 0, 30, 60, 10, 15}, city}
	r := refComplexity(t, x)
	if !near(*cv.CityECI, r.eci[3]) {
		t.Errorf("city ECI %v, want %v", *cv.CityECI, r.eci[3])
	}
	if len(cv.Industries) != 3 {
		t.Fatalf("industries %+v", cv.Industries)
	}
	for _, ni := range cv.Industries {
		j := indexOf(trackCodes, ni.Code)
		if !near(ni.Density, r.density[3][j]) || !near(ni.PCI, r.pci[j]) || ni.COG == nil || !near(*ni.COG, r.cog[3][j]) || ni.Present != (r.m[3][j] == 1) || ni.RCA == nil {
			t.Errorf("%s: %+v; want density %v PCI %v COG %v M %v", ni.Code, ni, r.density[3][j], r.pci[j], r.cog[3][j], r.m[3][j])
		}
	}
	// A reference region named like the city's aggregate is refused.
	bad := &ReferenceTable{Name: "bad", Rows: []ReferenceRow{{Region: cityRegion, Industry: "3612", Value: 1, Row: 2}}}
	if _, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Reference: bad}); indus.Code(err) != indus.EInvalid {
		t.Errorf("reserved name: %v", err)
	}
	// Codes coarser than the level are refused.
	coarse := &ReferenceTable{Name: "coarse", Rows: []ReferenceRow{{Region: "A", Industry: "36", Value: 1, Row: 2}}}
	if _, err := NewTracks(context.Background(), st, NewTracksOptions{Year: 2024, Reference: coarse}); indus.Code(err) != indus.EInvalid || !strings.Contains(err.Error(), "coarser") {
		t.Errorf("coarse codes: %v", err)
	}
}

func TestReadReferenceCSV(t *testing.T) {
	ref, err := ReadReferenceCSV("r.csv", strings.NewReader("region,industry_code,value\nA,0111,1.5\nB,3612,\"1,200\"\nC,3612,\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ReferenceRow{{"A", "0111", 1.5, 2}, {"B", "3612", 1200, 3}}
	if !reflect.DeepEqual(ref.Rows, want) {
		t.Errorf("rows %+v", ref.Rows)
	}
	for _, bad := range []struct{ text, want string }{
		{"a,b\n1,2\n", "no region column"},
		{"region,industry,value\nA,3612,-1\n", "row 2"},
		{"region,industry,value\nA,3612,x\n", "row 2"},
		{"region,industry,value\nA,36A2,1\n", "36A2"},
		{"region,industry,value\n,3612,1\n", "must not be empty"},
		{"region,industry,value\n", "no data rows"},
	} {
		_, err := ReadReferenceCSV("r.csv", strings.NewReader(bad.text))
		if indus.Code(err) != indus.EInvalid || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.text, err, bad.want)
		}
	}
}

func TestClusterRefsAtGroupLevel(t *testing.T) {
	o, err := normaliseTrackOptions(NewTracksOptions{Level: refdata.LevelGroup})
	if err != nil {
		t.Fatal(err)
	}
	m := newTrackMapper(o)
	// 349 (other general equipment) holds the robot classes 3491 and 3492
	// and additive manufacturing 3493, among others: partial memberships.
	refs := m.clusters("349")
	byID := map[string]ClusterRef{}
	for _, r := range refs {
		byID[r.ID] = r
	}
	if r, ok := byID["ai_robots"]; !ok || !r.Partial || r.Tier != "new_star" {
		t.Errorf("349: %+v", refs)
	}
	if r, ok := byID["intelligent_equipment"]; !ok || r.Partial {
		t.Errorf("349 in intelligent equipment (division 34) whole: %+v", refs)
	}
	// Higher tiers first.
	for k := 1; k < len(refs); k++ {
		if m.tierOrder(refs[k].Tier) < m.tierOrder(refs[k-1].Tier) {
			t.Errorf("order %+v", refs)
		}
	}
	// 357 (agricultural machinery) is whole in its new-star cluster.
	found := false
	for _, r := range m.clusters("357") {
		if r.ID == "agricultural_machinery" {
			found = !r.Partial
		}
	}
	if !found {
		t.Errorf("357: %+v", m.clusters("357"))
	}
	ns := m.newStarCodes()
	if !ns["357"] || !ns["349"] || ns["131"] {
		t.Errorf("new-star groups %v", ns)
	}
}

func TestRankingHelpers(t *testing.T) {
	if got := midRankPercentiles([]float64{3, 1, 2, 2}); !reflect.DeepEqual(got, []float64{100, 0, 50, 50}) {
		t.Errorf("percentiles %v", got)
	}
	if got := midRankPercentiles([]float64{7}); got[0] != 100 {
		t.Errorf("single %v", got)
	}
	if got := zscores([]float64{2, 2, 2}); !reflect.DeepEqual(got, []float64{0, 0, 0}) {
		t.Errorf("constant z %v", got)
	}
	z := zscores([]float64{1, 2, 3})
	if !near(z[0], -math.Sqrt(1.5)) || z[1] != 0 || !near(z[2], math.Sqrt(1.5)) {
		t.Errorf("z %v", z)
	}
	if median([]float64{4, 1, 3, 2}) != 2.5 || median([]float64{5, 1, 3}) != 3 {
		t.Error("median")
	}
	for _, tc := range []struct {
		d, p float64
		want string
	}{{0.5, 1, QuadrantPriority}, {0.5, -1, QuadrantLowHanging}, {0.1, 1, QuadrantStrategicBet}, {0.1, -1, QuadrantNotNow}, {0.3, 0, QuadrantPriority}} {
		if got := quadrantOf(tc.d, tc.p, 0.3, 0); got != tc.want {
			t.Errorf("quadrant(%v, %v) = %s, want %s", tc.d, tc.p, got, tc.want)
		}
	}
}

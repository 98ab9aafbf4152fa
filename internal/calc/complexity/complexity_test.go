package complexity

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

const tol = 1e-12

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*(1+math.Abs(b))
}

func checkSlice(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("%s[%d] = %.15g, want %.15g", name, i, got[i], want[i])
		}
	}
}

func ints(v []int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// nested3 is a 3×3 nested presence matrix, worked out by hand below.
//
//	     p1 p2 p3
//	r1 [ 1  1  1 ]   d = (3, 2, 1), u = (3, 2, 1)
//	r2 [ 1  1  0 ]
//	r3 [ 1  0  0 ]
//
// Proximity: co-occurrences C12 = 2, C13 = 1, C23 = 1, so
// φ12 = 2/3, φ13 = 1/3, φ23 = 1/2; row sums s = (1, 7/6, 5/6).
//
// Density_rp = Σ_q M_rq φ_pq / s_p:
//
//	r1: 1, 1, 1
//	r2: (2/3)/1 = 2/3, (2/3)/(7/6) = 4/7, (1/3+1/2)/(5/6) = 1
//	r3: 0, (2/3)/(7/6) = 4/7, (1/3)/(5/6) = 2/5
//
// M̃ = D⁻¹ M U⁻¹ Mᵀ = [[11/18, 5/18, 2/18], [5/12, 5/12, 2/12], [1/3, 1/3, 1/3]].
// trace = 49/36 = 1 + λ2 + λ3 and det = det(D⁻¹)·det(M)²·det(U⁻¹) = 1/36 = λ2·λ3,
// so λ2 = 1/4, λ3 = 1/9. (M̃ − I/4)v = 0 gives kc = (2, −1, −4), which
// already rises with diversity; kp = U⁻¹ Mᵀ kc / λ2 = (−1, 1/2, 2)·4 =
// (−4, 2, 8), and indeed D⁻¹ M kp = kc.
//
// Moments over the 3×3 table: mean −1, squared deviations 3·(9 + 0 + 9) = 54
// over 9 − 1 = 8, so sd = √6.75 = 1.5√3. ECI = (3, 0, −3)/sd =
// (2/√3, 0, −2/√3); PCI = (kp + 1)/sd = (−3, 3, 9)/sd = (−2/√3, 2/√3, 6/√3).
//
// COI before standardising, Σ_p density(1 − M)kp: r1 0, r2 1·8 = 8,
// r3 (4/7)·2 + (2/5)·8 = 152/35; then standardised over the table (each
// repeated 3 times, sample SD).
//
// COG_rp = (1 − M_rp) Σ_q φ_pq/s_q (1 − M_rq) kp_q / sd: zero where M = 1;
// r2p3: only q = p3 is absent and φ33 = 0, so 0; r3p2: φ23/s3·kp3 =
// (3/5)·8 = 24/5, r3p3: φ32/s2·kp2 = (3/7)·2 = 6/7, both divided by sd.
func nested3() Data {
	return Data{
		Regions:    []string{"r1", "r2", "r3"},
		Activities: []string{"p1", "p2", "p3"},
		Values:     []float64{1, 1, 1, 1, 1, 0, 1, 0, 0},
	}
}

func nested3Want() (eci, pci, coi, density, cog, prox []float64) {
	sd := 1.5 * math.Sqrt(3)
	r3 := math.Sqrt(3)
	eci = []float64{2 / r3, 0, -2 / r3}
	pci = []float64{-2 / r3, 2 / r3, 6 / r3}
	raw := []float64{0, 8, 152.0 / 35}
	m := (raw[0] + raw[1] + raw[2]) / 3
	var ss float64
	for _, v := range raw {
		ss += (v - m) * (v - m)
	}
	csd := math.Sqrt(3 * ss / 8)
	coi = []float64{(raw[0] - m) / csd, (raw[1] - m) / csd, (raw[2] - m) / csd}
	density = []float64{1, 1, 1, 2.0 / 3, 4.0 / 7, 1, 0, 4.0 / 7, 2.0 / 5}
	cog = []float64{0, 0, 0, 0, 0, 0, 0, 24.0 / 5 / sd, 6.0 / 7 / sd}
	prox = []float64{0, 2.0 / 3, 1.0 / 3, 2.0 / 3, 0, 0.5, 1.0 / 3, 0.5, 0}
	return
}

func TestNested3Binary(t *testing.T) {
	for _, side := range []int{0, 1, 2} {
		res, err := Compute(nested3(), Options{Binary: true, FitnessIterations: 2, side: side})
		if err != nil {
			t.Fatal(err)
		}
		eci, pci, coi, density, cog, prox := nested3Want()
		checkSlice(t, "diversity", ints(res.Diversity), []float64{3, 2, 1})
		checkSlice(t, "ubiquity", ints(res.Ubiquity), []float64{3, 2, 1})
		checkSlice(t, "M", res.M, nested3().Values)
		checkSlice(t, "proximity", res.Proximity, prox)
		checkSlice(t, "density", res.Density, density)
		checkSlice(t, "eci", res.ECI, eci)
		checkSlice(t, "pci", res.PCI, pci)
		checkSlice(t, "coi", res.COI, coi)
		checkSlice(t, "cog", res.COG, cog)
		if !near(res.Eigenvalue, 0.25) {
			t.Errorf("eigenvalue %v, want 1/4", res.Eigenvalue)
		}
		for _, r := range res.RCA {
			if !math.IsNaN(r) {
				t.Fatalf("binary input: RCA %v, want NaN", r)
			}
		}
		// Fitness, two steps from F = Q = 1:
		// step 1: F̃ = M·1 = (3, 2, 1) → F = (3/2, 1, 1/2);
		//         Q̃ = 1/u = (1/3, 1/2, 1), mean 11/18 → Q = (6, 9, 18)/11.
		// step 2: F̃ = M·Q = (33, 15, 6)/11, mean 18/11 → F = (11/6, 5/6, 1/3);
		//         Q̃_p = 1/Σ_r M_rp/F_r with step-1 F: (3/11, 3/5, 3/2),
		//         mean 87/110 → Q = (10, 22, 55)/29.
		checkSlice(t, "fitness", res.Fitness, []float64{11.0 / 6, 5.0 / 6, 1.0 / 3})
		checkSlice(t, "fc_complexity", res.FCComplexity, []float64{10.0 / 29, 22.0 / 29, 55.0 / 29})
	}
}

// TestRCA2x2 checks Balassa's RCA and the strict threshold on
//
//	x = [[2, 2], [0, 4]]: row totals 4, 4; column totals 2, 6; total 8.
//	RCA11 = (2/4)/(2/8) = 2, RCA12 = (2/4)/(6/8) = 2/3,
//	RCA21 = 0,               RCA22 = (4/4)/(6/8) = 4/3.
//
// With threshold 1, M = [[1, 0], [0, 1]]: two components, refused. With
// threshold 1.5 only a·x is present; with threshold 2 (exactly RCA11, and
// presence is strict) nothing is. With threshold 0.5, M = [[1, 1], [0, 1]].
func TestRCA2x2(t *testing.T) {
	d := Data{Regions: []string{"a", "b"}, Activities: []string{"x", "y"}, Values: []float64{2, 2, 0, 4}}
	wantRCA := []float64{2, 2.0 / 3, 0, 4.0 / 3}

	_, err := Compute(d, Options{})
	var de *DisconnectedError
	if !errors.As(err, &de) {
		t.Fatalf("threshold 1: err = %v, want *DisconnectedError", err)
	}
	if len(de.Components) != 2 || de.Components[0].Regions[0] != "a" || de.Components[1].Activities[0] != "y" {
		t.Errorf("components %+v", de.Components)
	}
	if indus.Code(err) != indus.EInvalid {
		t.Errorf("code %q, want invalid", indus.Code(err))
	}
	for _, s := range []string{"disconnected", "2 separate components", "component 1: 1 regions (a) and 1 activities (x)", "component 2: 1 regions (b) and 1 activities (y)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err.Error(), s)
		}
	}

	res, err := Compute(d, Options{Threshold: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "rca", res.RCA, wantRCA)
	checkSlice(t, "M@1.5", res.M, []float64{1, 0, 0, 0})
	checkSlice(t, "diversity@1.5", ints(res.Diversity), []float64{1, 0})
	// b and y are isolated (2 warnings), and one region is too few for ECI.
	if len(res.Warnings) != 3 || !math.IsNaN(res.ECI[0]) || !math.IsNaN(res.ECI[1]) {
		t.Errorf("threshold 1.5: want undefined ECI with warnings, got %v %q", res.ECI, res.Warnings)
	}

	res, err = Compute(d, Options{Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "M@2", res.M, []float64{0, 0, 0, 0})
	if len(res.Warnings) != 5 {
		t.Errorf("threshold 2: warnings %q", res.Warnings)
	}

	res, err = Compute(d, Options{Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "M@0.5", res.M, []float64{1, 1, 0, 1})
	// u = (1, 2); φxy = 1/max(1, 2) = 1/2. Density of a region: its present
	// neighbours' proximity over the row sum (1/2): a: 1, 1; b: x → 1, y → 0.
	checkSlice(t, "density@0.5", res.Density, []float64{1, 1, 1, 0})
	// M̃ = D⁻¹ M U⁻¹ Mᵀ = [[3/4, 1/4], [1/2, 1/2]]: eigenvalues 1 and 1/4.
	// kc ∝ (1, −2) (rising with diversity 2, 1); over the 2×2 table
	// mean −1/2, sd = √(2·(9/4 + 9/4)/3) = √3, ECI = (1.5, −1.5)/√3.
	// kp = U⁻¹ Mᵀ kc / λ2 = (1, (1−2)/2)·4 = (4, −2), PCI = (kp + 1/2)/√3.
	checkSlice(t, "eci@0.5", res.ECI, []float64{1.5 / math.Sqrt(3), -1.5 / math.Sqrt(3)})
	checkSlice(t, "pci@0.5", res.PCI, []float64{4.5 / math.Sqrt(3), -1.5 / math.Sqrt(3)})
	// COG: only b·x is absent; its sum runs over b's absent activities
	// (x alone, φxx = 0): 0. COI raw: a 0, b density(b,x)·kp_x = 4;
	// standardised: (∓2)/√(2·(4 + 4)/3) = ∓√3/2.
	checkSlice(t, "cog@0.5", res.COG, []float64{0, 0, 0, 0})
	checkSlice(t, "coi@0.5", res.COI, []float64{-math.Sqrt(3) / 2, math.Sqrt(3) / 2})
}

func TestDroppedZeroTotals(t *testing.T) {
	// nested3 with an all-zero region and an all-zero activity inserted.
	d := Data{
		Regions:    []string{"r1", "zr", "r2", "r3"},
		Activities: []string{"p1", "p2", "zp", "p3"},
		Values: []float64{
			1, 1, 0, 1,
			0, 0, 0, 0,
			1, 1, 0, 0,
			1, 0, 0, 0,
		},
	}
	res, err := Compute(d, Options{Binary: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.DroppedRegions, ",") != "zr" || strings.Join(res.DroppedActivities, ",") != "zp" {
		t.Fatalf("dropped %q %q", res.DroppedRegions, res.DroppedActivities)
	}
	if strings.Join(res.Regions, ",") != "r1,r2,r3" || strings.Join(res.Activities, ",") != "p1,p2,p3" {
		t.Fatalf("kept %q %q", res.Regions, res.Activities)
	}
	eci, pci, coi, density, cog, _ := nested3Want()
	checkSlice(t, "eci", res.ECI, eci)
	checkSlice(t, "pci", res.PCI, pci)
	checkSlice(t, "coi", res.COI, coi)
	checkSlice(t, "density", res.Density, density)
	checkSlice(t, "cog", res.COG, cog)
}

func TestAllOnesBinary(t *testing.T) {
	d := Data{Regions: []string{"a", "b", "c"}, Activities: []string{"x", "y"}, Values: []float64{1, 1, 1, 1, 1, 1}}
	res, err := Compute(d, Options{Binary: true, FitnessIterations: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Every region has every activity: proximity 1, density 1, ECI
	// undefined (M̃ has rank 1), COG 0 (nothing is absent).
	checkSlice(t, "proximity", res.Proximity, []float64{0, 1, 1, 0})
	checkSlice(t, "density", res.Density, []float64{1, 1, 1, 1, 1, 1})
	checkSlice(t, "cog", res.COG, []float64{0, 0, 0, 0, 0, 0})
	for _, v := range append(append(res.ECI, res.PCI...), res.COI...) {
		if !math.IsNaN(v) {
			t.Fatalf("ECI/PCI/COI should be NaN: %v %v %v", res.ECI, res.PCI, res.COI)
		}
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "undefined") {
		t.Errorf("warnings %q", res.Warnings)
	}
	checkSlice(t, "fitness", res.Fitness, []float64{1, 1, 1})
	checkSlice(t, "fc_complexity", res.FCComplexity, []float64{1, 1})
}

func TestInvalidInputs(t *testing.T) {
	base := func(v float64) Data {
		return Data{Regions: []string{"r1", "r2"}, Activities: []string{"0101", "0202"}, Values: []float64{1, 2, 3, v}}
	}
	for _, tc := range []struct {
		name string
		d    Data
		opt  Options
		want []string
	}{
		{"NaN", base(math.NaN()), Options{}, []string{`region "r2"`, `activity "0202"`, "NaN"}},
		{"Inf", base(math.Inf(1)), Options{}, []string{`region "r2"`, `activity "0202"`, "+Inf"}},
		{"negative", base(-1), Options{}, []string{`region "r2"`, `activity "0202"`, "negative (-1)"}},
		{"binary not 0/1", Data{Regions: []string{"r1", "r2"}, Activities: []string{"0101", "0202"}, Values: []float64{1, 0, 1, 0.5}}, Options{Binary: true}, []string{`region "r2"`, "0.5", "0 or 1"}},
		{"negative threshold", base(1), Options{Threshold: -1}, []string{"threshold"}},
		{"negative iterations", base(1), Options{FitnessIterations: -1}, []string{"fitness iterations"}},
		{"shape", Data{Regions: []string{"a"}, Activities: []string{"x"}, Values: []float64{1, 2}}, Options{}, []string{"2 values"}},
		{"empty", Data{}, Options{}, []string{"at least one region"}},
		{"all zero", Data{Regions: []string{"a"}, Activities: []string{"x"}, Values: []float64{0}}, Options{}, []string{"every value is zero"}},
		{"overflow", Data{Regions: []string{"a", "b"}, Activities: []string{"x"}, Values: []float64{1e308, 1e308}}, Options{}, []string{"overflows"}},
		{"duplicate region", Data{Regions: []string{"a", "a"}, Activities: []string{"x"}, Values: []float64{1, 1}}, Options{}, []string{`region "a" appears twice`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.d, tc.opt)
			if err == nil {
				t.Fatal("no error")
			}
			if indus.Code(err) != indus.EInvalid {
				t.Errorf("code %q", indus.Code(err))
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err.Error(), s)
				}
			}
		})
	}
}

// TestThreshold checks a threshold other than 1 on the fixture data: M is
// RCA > threshold, diversity and ubiquity follow, and the pipeline still
// runs.
func TestThreshold(t *testing.T) {
	d := loadTradeSample(t, false)
	res, err := Compute(d, Options{Threshold: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	div := make([]int, len(res.Regions))
	ubq := make([]int, len(res.Activities))
	for i := range res.Regions {
		for j := range res.Activities {
			c := res.Cell(i, j)
			want := 0.0
			if res.RCA[c] > 1.5 {
				want = 1
				div[i]++
				ubq[j]++
			}
			if res.M[c] != want {
				t.Fatalf("M[%d,%d] = %v with RCA %v", i, j, res.M[c], res.RCA[c])
			}
		}
	}
	checkSlice(t, "diversity", ints(res.Diversity), ints(div))
	checkSlice(t, "ubiquity", ints(res.Ubiquity), ints(ubq))
	base, err := Compute(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if same := sumSlice(res.M) == sumSlice(base.M); same {
		t.Error("threshold 1.5 gave as many presences as 1")
	}
}

func sumSlice(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

// TestInvariances: scaling every value, or permuting regions and
// activities, must not change the measures (beyond the permutation), and
// both eigenvector routes must agree.
func TestInvariances(t *testing.T) {
	d := loadTradeSample(t, false)
	base, err := Compute(d, Options{FitnessIterations: 20})
	if err != nil {
		t.Fatal(err)
	}

	scaled := Data{Regions: d.Regions, Activities: d.Activities, Values: make([]float64, len(d.Values))}
	for i, v := range d.Values {
		scaled.Values[i] = v * 1024
	}
	res, err := Compute(scaled, Options{FitnessIterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	compareResults(t, "scaled", base, res, identity(len(d.Regions)), identity(len(d.Activities)))

	res, err = Compute(d, Options{FitnessIterations: 20, side: 2})
	if err != nil {
		t.Fatal(err)
	}
	compareResults(t, "activity side", base, res, identity(len(d.Regions)), identity(len(d.Activities)))

	R, P := len(d.Regions), len(d.Activities)
	pr := reversed(R)
	pa := make([]int, P) // rotate activities
	for j := range pa {
		pa[j] = (j + 7) % P
	}
	perm := Data{Regions: make([]string, R), Activities: make([]string, P), Values: make([]float64, R*P)}
	for i := range pr {
		perm.Regions[i] = d.Regions[pr[i]]
		for j := range pa {
			perm.Activities[j] = d.Activities[pa[j]]
			perm.Values[i*P+j] = d.Values[pr[i]*P+pa[j]]
		}
	}
	res, err = Compute(perm, Options{FitnessIterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	compareResults(t, "permuted", base, res, pr, pa)
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

func reversed(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = n - 1 - i
	}
	return p
}

// compareResults checks that res, computed on a table whose region i is
// base's region pr[i] and activity j base's pa[j], agrees with base.
func compareResults(t *testing.T, name string, base, res *Result, pr, pa []int) {
	t.Helper()
	const tl = 1e-10
	bad := func(a, b float64) bool { return math.Abs(a-b) > tl*(1+math.Abs(b)) }
	for i := range pr {
		if bad(res.ECI[i], base.ECI[pr[i]]) || bad(res.COI[i], base.COI[pr[i]]) || bad(res.Fitness[i], base.Fitness[pr[i]]) {
			t.Fatalf("%s: region %d ECI %v/%v COI %v/%v", name, i, res.ECI[i], base.ECI[pr[i]], res.COI[i], base.COI[pr[i]])
		}
		for j := range pa {
			c, cb := res.Cell(i, j), base.Cell(pr[i], pa[j])
			if bad(res.RCA[c], base.RCA[cb]) || bad(res.Density[c], base.Density[cb]) || bad(res.COG[c], base.COG[cb]) || res.M[c] != base.M[cb] {
				t.Fatalf("%s: cell %d,%d differs", name, i, j)
			}
		}
	}
	for j := range pa {
		if bad(res.PCI[j], base.PCI[pa[j]]) || bad(res.FCComplexity[j], base.FCComplexity[pa[j]]) {
			t.Fatalf("%s: activity %d PCI %v/%v", name, j, res.PCI[j], base.PCI[pa[j]])
		}
		for k := range pa {
			if bad(res.Proximity[j*len(pa)+k], base.Proximity[pa[j]*len(pa)+pa[k]]) {
				t.Fatalf("%s: proximity %d,%d differs", name, j, k)
			}
		}
	}
}

func TestPivot(t *testing.T) {
	d := Pivot([]Observation{
		{"b", "0102", 1},
		{"a", "0101", 2},
		{"b", "0102", 3}, // duplicate: summed
		{"a", "101", 4},  // a different code from "0101"
	})
	if strings.Join(d.Regions, ",") != "a,b" || strings.Join(d.Activities, ",") != "0101,0102,101" {
		t.Fatalf("labels %q %q", d.Regions, d.Activities)
	}
	checkSlice(t, "values", d.Values, []float64{2, 0, 4, 0, 4, 0})
}

// TestIsolatedNodes: a region whose mix equals the world's has RCA 1
// everywhere and so no presence; an activity spread like total output has
// RCA 1 in every region and so no presence either. Both are left out of
// ECI/PCI with a warning (NaN), and adding such a region leaves every other
// measure unchanged.
func TestIsolatedNodes(t *testing.T) {
	d := loadTradeSample(t, false)
	R, P := len(d.Regions), len(d.Activities)
	// A threshold a hair above 1 keeps RCA = 1 ± rounding out of M.
	const th = 1 + 1e-9
	base, err := Compute(d, Options{Threshold: th})
	if err != nil {
		t.Fatal(err)
	}
	// Region "zzz" = the column totals.
	withC := Data{Regions: append(append([]string(nil), d.Regions...), "zzz"), Activities: d.Activities}
	withC.Values = append(withC.Values, d.Values...)
	for j := 0; j < P; j++ {
		var s float64
		for i := 0; i < R; i++ {
			s += d.Values[i*P+j]
		}
		withC.Values = append(withC.Values, s)
	}
	res, err := Compute(withC, Options{Threshold: th})
	if err != nil {
		t.Fatal(err)
	}
	if res.Diversity[R] != 0 || !math.IsNaN(res.ECI[R]) {
		t.Fatalf("isolated region: diversity %d ECI %v", res.Diversity[R], res.ECI[R])
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `region "zzz"`) {
		t.Fatalf("warnings %q", res.Warnings)
	}
	for i := 0; i < R; i++ {
		if math.Abs(res.ECI[i]-base.ECI[i]) > 1e-12 {
			t.Fatalf("region %d: ECI %v vs %v", i, res.ECI[i], base.ECI[i])
		}
		for j := 0; j < P; j++ {
			c := res.Cell(i, j)
			if math.Abs(res.RCA[c]-base.RCA[c]) > 1e-12 || math.Abs(res.Density[c]-base.Density[c]) > 1e-12 || math.Abs(res.COG[c]-base.COG[c]) > 1e-12 {
				t.Fatalf("cell %d,%d differs", i, j)
			}
		}
	}
	// Its density is 0 everywhere, so its COI (before standardising) is 0.
	for j := 0; j < P; j++ {
		if res.Density[res.Cell(R, j)] != 0 {
			t.Fatalf("isolated region: density %v", res.Density[res.Cell(R, j)])
		}
	}
	for j := 0; j < P; j++ {
		if math.Abs(res.PCI[j]-base.PCI[j]) > 1e-12 {
			t.Fatalf("activity %d: PCI %v vs %v", j, res.PCI[j], base.PCI[j])
		}
	}

	// Activity "9999" = 1/4 of each region's total.
	withZ := Data{Regions: d.Regions, Activities: append(append([]string(nil), d.Activities...), "9999")}
	for i := 0; i < R; i++ {
		var s float64
		for j := 0; j < P; j++ {
			s += d.Values[i*P+j]
		}
		withZ.Values = append(withZ.Values, d.Values[i*P:(i+1)*P]...)
		withZ.Values = append(withZ.Values, s/4)
	}
	res, err = Compute(withZ, Options{Threshold: th, FitnessIterations: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ubiquity[P] != 0 || !math.IsNaN(res.PCI[P]) || !math.IsNaN(res.FCComplexity[P]) {
		t.Fatalf("isolated activity: ubiquity %d PCI %v complexity %v", res.Ubiquity[P], res.PCI[P], res.FCComplexity[P])
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `activity "9999"`) {
		t.Fatalf("warnings %q", res.Warnings)
	}
	for i := 0; i < R; i++ {
		if !math.IsNaN(res.Density[res.Cell(i, P)]) || res.COG[res.Cell(i, P)] != 0 {
			t.Fatalf("isolated activity: density %v COG %v", res.Density[res.Cell(i, P)], res.COG[res.Cell(i, P)])
		}
		if math.IsNaN(res.ECI[i]) || math.IsNaN(res.COI[i]) {
			t.Fatalf("region %d: ECI %v COI %v", i, res.ECI[i], res.COI[i])
		}
	}
}

// TestNearlyDisconnected: two blocks joined by a single region make λ₂
// close to 1, where a careless deflation of the leading eigenvector would
// go wrong. Both eigenvector routes (region side and activity side) must
// agree, and ECI must separate the blocks.
func TestNearlyDisconnected(t *testing.T) {
	const R, P = 12, 10
	d := Data{Regions: make([]string, R), Activities: make([]string, P), Values: make([]float64, R*P)}
	for i := range d.Regions {
		d.Regions[i] = string(rune('a' + i))
	}
	for j := range d.Activities {
		d.Activities[j] = string(rune('A' + j))
	}
	// Regions 0–5 hold activities 0–4, regions 6–11 activities 5–9, each
	// region a nested subset of its block; region 5 also holds activity 5.
	for i := 0; i < R; i++ {
		block := i / 6
		k := i % 6
		for j := 0; j <= k && j < 5; j++ {
			d.Values[i*P+block*5+j] = 1
		}
	}
	d.Values[5*P+5] = 1
	res1, err := Compute(d, Options{Binary: true, FitnessIterations: 5, side: 1})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := Compute(d, Options{Binary: true, FitnessIterations: 5, side: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res1.Eigenvalue < 0.9 {
		t.Errorf("λ₂ = %v, expected close to 1", res1.Eigenvalue)
	}
	compareResults(t, "sides", res1, res2, identity(R), identity(P))
	// The blocks separate: all of one block's ECI above the other's.
	lo0, hi0 := math.Inf(1), math.Inf(-1)
	lo1, hi1 := math.Inf(1), math.Inf(-1)
	for i, e := range res1.ECI {
		if i < 6 {
			lo0, hi0 = math.Min(lo0, e), math.Max(hi0, e)
		} else {
			lo1, hi1 = math.Min(lo1, e), math.Max(hi1, e)
		}
	}
	if !(lo0 > hi1 || lo1 > hi0) {
		t.Errorf("ECI does not separate the blocks: %v", res1.ECI)
	}
}

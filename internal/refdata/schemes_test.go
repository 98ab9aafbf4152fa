package refdata

import (
	"os"
	"strings"
	"testing"
)

func TestSchemePresetsParseClean(t *testing.T) {
	entries, err := os.ReadDir("data/schemes")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d presets, want 3", len(entries))
	}
	for _, e := range entries {
		data, err := os.ReadFile("data/schemes/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		s, findings, err := ParseScheme(e.Name(), data)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		// A shipped preset carries no warning: it would be noise in every
		// validation of a user's copy.
		for _, f := range findings {
			t.Errorf("finding in preset %s: %s", e.Name(), f)
		}
		if s.ID+".yaml" != e.Name() {
			t.Errorf("%s has id %q: name the file after the id", e.Name(), s.ID)
		}
		if string(s.YAML()) != string(data) {
			t.Errorf("%s: the snapshot is not the source text", e.Name())
		}
	}
	want := map[string]struct {
		weights []float64
		firms   string
	}{
		"zhejiang-2018":  {[]float64{30, 20, 20, 10, 10, 10}, FirmsAboveSize},
		"below-size":     {[]float64{50, 50}, FirmsBelowSize},
		"chongqing-2023": {[]float64{30, 25, 15, 15, 10, 5}, FirmsAboveSize},
	}
	for id, w := range want {
		s, ok := SchemeByID(id)
		if !ok {
			t.Fatalf("preset %s missing", id)
		}
		if len(s.Indicators) != len(w.weights) || s.Scope.Firms != w.firms || s.TotalWeight() != 100 {
			t.Errorf("%s: %d indicators, scope %s, Σw %g", id, len(s.Indicators), s.Scope.Firms, s.TotalWeight())
			continue
		}
		for i, ind := range s.Indicators {
			if ind.Weight != w.weights[i] {
				t.Errorf("%s: %s weight %g, want %g", id, ind.ID, ind.Weight, w.weights[i])
			}
		}
		if s.UnratedClass() != "U" || strings.Join(s.ClassIDs(), "") != "ABCD" {
			t.Errorf("%s: classes %v / %s", id, s.ClassIDs(), s.UnratedClass())
		}
		for _, v := range s.Vetoes {
			if v.Cap != "C" {
				t.Errorf("%s: veto %s caps at %s, want C (cannot be A or B)", id, v.Flag, v.Cap)
			}
		}
	}
	// The Zhejiang items: emissions missing → average score; tax per kWh of
	// the below-size scheme in yuan/kWh.
	zj, _ := SchemeByID("zhejiang-2018")
	for _, ind := range zj.Indicators {
		want := MissingZero
		if ind.Den == "emissions_t" {
			want = MissingAverage
		}
		if ind.MissingRule() != want {
			t.Errorf("zhejiang %s: missing %s, want %s", ind.ID, ind.MissingRule(), want)
		}
	}
	bs, _ := SchemeByID("below-size")
	if bs.Indicators[1].ScaleOf() != 1e4 || bs.Scope.BelowSizeMinLandMu != 3 {
		t.Errorf("below-size: scale %g, min land %g", bs.Indicators[1].ScaleOf(), bs.Scope.BelowSizeMinLandMu)
	}
	if p, ok := zj.Policy("D"); !ok || p.ElectricitySurcharge != 0.30 || p.WaterSurchargePct != 30 {
		t.Errorf("policy D: %+v", p)
	}
	if b := zj.BenchmarkOf(zj.Indicators[0]); b.Rule != BenchmarkMean || b.K != 1 || b.Cap != 2 {
		t.Errorf("benchmark %+v", b)
	}
}

// TestSchemeFindings checks that each mistake is reported where it is, with
// its line, and that one pass reports them all.
func TestSchemeFindings(t *testing.T) {
	src := `id: Bad Id
name_zh: 测试
name_en: test
version: "1"
source: test
scope:
  firms: everyone
  exclude_industries: ["4411", "9999"]
  manufacturing_only: true
benchmark: {rule: average, cap: -1}
indicators:
  - {id: a, name_zh: a, name_en: a, num: tax, den: land, unit: x, weight: 30}
  - {id: a, name_zh: b, name_en: b, num: tax, den: tax, unit: x, weight: -5, missing: skip}
  - {id: c, name_zh: c, name_en: c, num: tax, den: land_mu, unit: x, weight: 10, benchmark: {rule: value}}
classes:
  method: bands
  list:
    - {id: A, name_zh: a, name_en: a, up_to: 0.5}
    - {id: B, name_zh: b, name_en: b, up_to: 0.4}
    - {id: U, name_zh: u, name_en: u, up_to: 0.9}
vetoes:
  - {flag: fire, cap: E, reason_zh: x, reason_en: x}
unrated:
  - {rule: younger_than_years, reason_zh: x, reason_en: x}
  - {rule: utility, years: 3, reason_zh: x, reason_en: x}
policies:
  - {class: Z, water_surcharge_pct: 130}
colour: red
`
	_, findings, err := ParseScheme("bad.yaml", []byte(src))
	if err == nil {
		t.Fatal("a broken scheme parsed")
	}
	want := []struct {
		line int
		text string
	}{
		{1, `id "Bad Id"`},
		{7, `scope.firms "everyone"`},
		{8, `code "9999" is not in GB/T 4754-2017`},
		{8, `code 4411 lies outside manufacturing`},
		{10, `benchmark rule "average"`},
		{10, "cap must not be negative"},
		{12, `den "land" is not an annual fact`},
		{13, `duplicate indicator id "a" (first defined at line 12)`},
		{13, "divides tax by itself"},
		{13, "weight -5 must not be negative"},
		{13, `missing "skip"`},
		{14, "rule value needs a positive value"},
		{19, "up_to 0.4 must be above the previous class's (0.5)"},
		{20, "the last class must reach up_to 1"},
		{20, `class "U" is also the label of unrated firms`},
		{22, `veto flag "fire"`},
		{22, `cap "E" is not a class`},
		{24, "younger_than_years needs years"},
		{25, "years applies only to younger_than_years"},
		{27, `class "Z" is not a class`},
		{27, "water_surcharge_pct 130 must be between 0 and 100"},
		{28, `unknown field "colour"`},
	}
	for _, w := range want {
		found := false
		for _, f := range findings {
			if f.Line == w.line && strings.Contains(f.Message, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding at line %d containing %q", w.line, w.text)
		}
	}
	if t.Failed() {
		for _, f := range findings {
			t.Log(f)
		}
	}
	if !strings.Contains(err.Error(), "bad.yaml:1:5: error:") {
		t.Errorf("error %q should name the first finding with file:line:col", err)
	}
}

func TestSchemeThresholdsAndMissingFields(t *testing.T) {
	base := `id: t
name_zh: t
name_en: t
version: "1"
source: s
scope: {firms: all}
benchmark: {rule: median}
indicators:
  - {id: a, name_zh: a, name_en: a, num: tax, den: land_mu, unit: x, weight: 100}
classes:
  method: thresholds
  list:
    - {id: A, name_zh: a, name_en: a, min: 120}
    - {id: B, name_zh: b, name_en: b, min: 80}
    - {id: C, name_zh: c, name_en: c}
`
	s, findings, err := ParseScheme("t.yaml", []byte(base))
	if err != nil || len(findings) != 0 {
		t.Fatalf("valid thresholds: %v %v", err, findings)
	}
	if *s.Classes.List[1].Min != 80 || s.Classes.List[2].Min != nil {
		t.Errorf("mins %+v", s.Classes.List)
	}
	bad := strings.Replace(base, "min: 80}", "min: 130}", 1)
	bad = strings.Replace(bad, "benchmark: {rule: median}\n", "", 1)
	_, findings, err = ParseScheme("t.yaml", []byte(bad))
	if err == nil {
		t.Fatal("falling thresholds and a missing benchmark accepted")
	}
	var msgs []string
	for _, f := range findings {
		msgs = append(msgs, f.String())
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{`missing required field "benchmark"`, "min 130 must be below the better class's 120"} {
		if !strings.Contains(all, w) {
			t.Errorf("findings lack %q:\n%s", w, all)
		}
	}
	if _, _, err := ParseScheme("e.yaml", []byte("")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if _, _, err := ParseScheme("s.yaml", []byte("id: [")); err == nil || !strings.Contains(err.Error(), "YAML syntax error") {
		t.Errorf("syntax error: %v", err)
	}
}

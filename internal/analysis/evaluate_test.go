package analysis

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// handScheme is a two-indicator scheme small enough to score by hand: tax
// per mu 60 points, value added per tce 40 points (missing → the average
// score), benchmark = the mean, ratios capped at 2; bands A 20 %, B to
// 60 %, C to 80 %, D the rest; an environmental violation caps at C.
const handScheme = `id: hand
name_zh: 手算
name_en: by hand
version: "1"
source: test
scope: {firms: above_size, manufacturing_only: true}
benchmark: {rule: mean, cap: 2}
indicators:
  - {id: tax_per_mu, name_zh: 亩均税收, name_en: tax per mu, num: tax, den: land_mu, unit: 10k yuan/mu, weight: 60}
  - {id: va_per_energy, name_zh: 单位能耗增加值, name_en: value added per tce, num: value_added, den: energy_tce, unit: 10k yuan/tce, weight: 40, missing: average}
classes:
  method: bands
  list:
    - {id: A, name_zh: a, name_en: a, up_to: 0.2}
    - {id: B, name_zh: b, name_en: b, up_to: 0.6}
    - {id: C, name_zh: c, name_en: c, up_to: 0.8}
    - {id: D, name_zh: d, name_en: d, up_to: 1}
vetoes:
  - {flag: env_violation, cap: C, reason_zh: 环境违法, reason_en: environmental violation}
unrated:
  - {rule: under_construction, reason_zh: 在建, reason_en: under construction}
  - {rule: younger_than_years, years: 2, reason_zh: 不满两年, reason_en: under two years old}
  - {rule: newly_above_size, reason_zh: 新升规, reason_en: newly above size}
policies:
  - {class: C, electricity_surcharge_yuan_per_kwh: 0.1, water_surcharge_pct: 15, land_use_tax_relief_pct: 0}
  - {class: D, electricity_surcharge_yuan_per_kwh: 0.3, water_surcharge_pct: 30, land_use_tax_relief_pct: 0}
`

func parseHand(t testing.TB, src string) *refdata.Scheme {
	t.Helper()
	s, findings, err := refdata.ParseScheme("hand.yaml", []byte(src))
	if err != nil {
		t.Fatalf("%v %v", err, findings)
	}
	return s
}

// handFacts are five rated firms, one vetoed among them, and one under
// construction; plus firms the scope leaves out.
func handFacts() []store.EvaluationFact {
	nan := math.NaN()
	base := func(uscc, unit string, land, tax, va, energy float64) store.EvaluationFact {
		return store.EvaluationFact{USCC: uscc, Name: "企业" + uscc, UnitCode: unit, Park: "园区", IndustryCode: "3612",
			Founded: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), AboveSizeKnown: true, AboveSize: true, HasPrev: true,
			PrevAboveSizeKnown: true, PrevAboveSize: true, PrevRevenue: 5000, LandMu: land, Revenue: 5000, Tax: tax,
			ValueAdded: va, EnergyTCE: energy, ElectricityKWh: 1e6, OutputValue: nan, EmissionsT: nan, RDSpend: nan, Employees: nan}
	}
	f1 := base("F1", "500112", 10, 300, 1000, 100) // tax/mu 30, VA/tce 10
	f2 := base("F2", "500112", 20, 200, 800, 200)  // 10, 4
	f3 := base("F3", "500112", 10, 100, 600, 100)  // 10, 6
	f4 := base("F4", "500112", 50, 250, 700, nan)  // 5, energy not reported
	f5 := base("F5", "500113", 10, 200, 500, 50)   // 20, 10; environmental violation
	f5.EnvViolation = true
	f6 := base("F6", "500113", 10, 450, 2000, 100) // 45, 20; under construction
	f6.UnderConstruction = true
	out := []store.EvaluationFact{f6, f5, f4, f3, f2, f1} // any order
	below := base("X1", "500112", 10, 1, 1, 1)
	below.AboveSize = false
	software := base("X2", "500112", 10, 1, 1, 1)
	software.IndustryCode = "6511"
	return append(out, below, software)
}

func TestEvaluateByHand(t *testing.T) {
	s := parseHand(t, handScheme)
	ev, err := ScoreFacts(context.Background(), handFacts(), EvaluateOptions{Scheme: s, Year: 2023})
	if err != nil {
		t.Fatal(err)
	}
	// Benchmarks over the six firms in scope (F6 included: it is evaluated,
	// only not classified): tax/mu (30+10+10+5+20+45)/6 = 20; VA/tce over
	// the five that report it (10+4+6+10+20)/5 = 10.
	if b := ev.Indicators[0].Benchmark; b != 20 {
		t.Errorf("tax benchmark %g, want 20", b)
	}
	if b := ev.Indicators[1].Benchmark; b != 10 {
		t.Errorf("VA benchmark %g, want 10", b)
	}
	// Ratios: tax 1.5, 0.5, 0.5, 0.25, 1, 2.25 → capped 2; VA 1, 0.4, 0.6,
	// (missing: the average ratio (1+0.4+0.6+1+2)/5 = 1), 1, 2.
	// Scores 60 × tax + 40 × VA: F1 90+40 = 130, F2 30+16 = 46,
	// F3 30+24 = 54, F4 15+40 = 55, F5 60+40 = 100, F6 120+80 = 200.
	// Rated F1–F5 (n = 5) ranked F1, F5, F4, F3, F2: A rank ≤ 1, B ≤ 3,
	// C ≤ 4, D the rest; F5 (rank 2, B) is capped at C by its veto; F6 is U.
	want := map[string]struct {
		score         float64
		rank, rankAll int
		class         string
		capped        bool
	}{
		"F1": {130, 1, 2, "A", false},
		"F2": {46, 5, 6, "D", false},
		"F3": {54, 4, 5, "C", false},
		"F4": {55, 3, 4, "B", false},
		"F5": {100, 2, 3, "C", true},
		"F6": {200, 0, 1, "U", false},
	}
	if len(ev.Firms) != 6 {
		t.Fatalf("%d firms in scope, want 6", len(ev.Firms))
	}
	for i, f := range ev.Firms {
		w := want[f.USCC]
		if math.Abs(ev.Score[i]-w.score) > 1e-12 || ev.Rank[i] != w.rank || ev.RankAll[i] != w.rankAll || ev.Class[i] != w.class || ev.Capped[i] != w.capped {
			t.Errorf("%s: score %.15g rank %d/%d class %s capped %v, want %+v", f.USCC, ev.Score[i], ev.Rank[i], ev.RankAll[i], ev.Class[i], ev.Capped[i], w)
		}
	}
	if c := ev.Counts(); c["A"] != 1 || c["B"] != 1 || c["C"] != 2 || c["D"] != 1 || c["U"] != 1 {
		t.Errorf("counts %v", c)
	}

	byID := map[string]int{}
	for i, f := range ev.Firms {
		byID[f.USCC] = i
	}
	// F4 (B): class A ends at rank ⌊0.2 × 5⌋ = 1, whose score is 130, so
	// the gap is 75. Alone, tax per mu must reach ratio 0.25 + 75/60 = 1.5,
	// i.e. 30 10k yuan/mu or 1,500 of tax on 50 mu (+500 %); value added per
	// tce would need ratio 1 + 75/40 = 2.875, above the cap 2.
	r := ev.EnterpriseResult(byID["F4"])
	if r.NextClass != "A" || *r.Boundary != 130 || *r.Gap != 75 {
		t.Errorf("F4 next class %s boundary %v gap %v", r.NextClass, r.Boundary, r.Gap)
	}
	tax, va := r.Items[0], r.Items[1]
	if tax.Status != "ok" || math.Abs(*tax.NeededValue-30) > 1e-9 || math.Abs(*tax.NeededNumerator-1500) > 1e-6 || math.Abs(*tax.Change-25) > 1e-9 {
		t.Errorf("F4 tax item %+v", tax)
	}
	if va.Status != "insufficient" || va.Missing != "average" || va.Value != nil || *va.Ratio != 1 || *va.Points != 40 {
		t.Errorf("F4 VA item %+v", va)
	}
	if r.BestIndicator != "tax_per_mu" || math.Abs(*r.BestChangePct-500) > 1e-9 || !strings.Contains(r.Explanation, "smallest single change: tax per mu from 5 to 30") {
		t.Errorf("F4 best %s %v %q", r.BestIndicator, r.BestChangePct, r.Explanation)
	}
	// F2 (D): class C ends at rank ⌊0.8 × 5⌋ = 4 (F3, 54): gap 8. Tax
	// ratio 0.5 + 8/60 → 12.667 (+26.7 %); VA ratio 0.4 + 8/40 = 0.6 → 6
	// (+50 %): tax per mu is the smaller change.
	r = ev.EnterpriseResult(byID["F2"])
	if r.NextClass != "C" || *r.Gap != 8 || r.BestIndicator != "tax_per_mu" || math.Abs(*r.BestChangePct-800.0/30) > 1e-9 ||
		math.Abs(*r.Items[1].NeededValue-6) > 1e-9 {
		t.Errorf("F2 %s gap %v best %s %v VA needed %v", r.NextClass, r.Gap, r.BestIndicator, *r.BestChangePct, r.Items[1].NeededValue)
	}
	// Policy: D pays 0.3 yuan on each of its 1,000,000 kWh.
	if *r.SurchargeYuan != 300000 || *r.WaterPct != 30 {
		t.Errorf("F2 policy %v %v", *r.SurchargeYuan, *r.WaterPct)
	}
	// F5: vetoed; F6: unrated, with their reasons; F1 has no policy (A has none here).
	r = ev.EnterpriseResult(byID["F5"])
	if !r.Capped || r.ReasonCode != "veto:env_violation" || r.ReasonEn != "environmental violation" || r.NextClass != "" ||
		!strings.Contains(r.Explanation, "vetoed") {
		t.Errorf("F5 %+v", r)
	}
	r = ev.EnterpriseResult(byID["F6"])
	if r.Class != "U" || r.Rank != nil || *r.RankAll != 1 || r.ReasonCode != "unrated:under_construction" || r.ReasonZh != "在建" {
		t.Errorf("F6 %+v", r)
	}
	if r = ev.EnterpriseResult(byID["F1"]); r.Surcharge != nil || !strings.Contains(r.Explanation, "top class") {
		t.Errorf("F1 %+v", r)
	}
	for i := range ev.Firms {
		if ev.EnterpriseResult(i).Explanation == "" {
			t.Errorf("%s has no explanation", ev.Firms[i].USCC)
		}
	}

	// Units: Σ numerator ÷ Σ denominator over their firms in scope.
	// 500112 (F1–F4): tax 850/90 = 85/9, VA 2400/400 = 6 (F4 reports no
	// energy); 500113 (F5, F6): tax 650/20 = 32.5, VA 2500/150 = 50/3.
	// Benchmarks: the mean over the two units with firms, 755/36 and 34/3.
	units := map[string]*Area{}
	for _, a := range ev.Units {
		units[a.Code] = a
	}
	if len(ev.Units) != 41 {
		t.Errorf("%d units, want the 41", len(ev.Units))
	}
	ua, ub := units["500112"], units["500113"]
	wantA := 60*(68.0/151) + 40*(9.0/17)
	wantB := 60*(234.0/151) + 40*(25.0/17)
	if math.Abs(ua.Score-wantA) > 1e-12 || math.Abs(ub.Score-wantB) > 1e-12 || ub.Rank != 1 || ua.Rank != 2 {
		t.Errorf("units: %.15g (rank %d), %.15g (rank %d), want %.15g and %.15g", ua.Score, ua.Rank, ub.Score, ub.Rank, wantA, wantB)
	}
	if ua.Rated != 4 || len(ua.Firms) != 4 || ua.ClassCounts["B"] != 1 || ub.ClassCounts["U"] != 1 || ua.LandMu != 90 {
		t.Errorf("unit 500112: %+v", ua)
	}
	if u := units["500101"]; u.Rank != 0 || !math.IsNaN(u.Score) {
		t.Errorf("a unit without firms has a score: %+v", u)
	}
	if math.Abs(ev.Indicators[0].UnitBenchmark-755.0/36) > 1e-12 {
		t.Errorf("unit benchmark %g", ev.Indicators[0].UnitBenchmark)
	}
	if len(ev.Parks) != 2 || ev.Parks[0].Code != "500112/园区" {
		t.Errorf("parks %+v", ev.Parks)
	}
}

func TestEvaluateRulesAndMissingZero(t *testing.T) {
	// Thresholds, a missing item scored zero, the age rule and the newly
	// above-size rule (status recorded, or derived from revenue).
	src := strings.Replace(handScheme, "missing: average", "missing: zero", 1)
	src = strings.Replace(src, `  method: bands
  list:
    - {id: A, name_zh: a, name_en: a, up_to: 0.2}
    - {id: B, name_zh: b, name_en: b, up_to: 0.6}
    - {id: C, name_zh: c, name_en: c, up_to: 0.8}
    - {id: D, name_zh: d, name_en: d, up_to: 1}`, `  method: thresholds
  list:
    - {id: A, name_zh: a, name_en: a, min: 120}
    - {id: B, name_zh: b, name_en: b, min: 50}
    - {id: C, name_zh: c, name_en: c}`, 1)
	src = strings.Replace(src, "  - {class: D, electricity_surcharge_yuan_per_kwh: 0.3, water_surcharge_pct: 30, land_use_tax_relief_pct: 0}\n", "", 1)
	s := parseHand(t, src)
	facts := handFacts()
	for i := range facts {
		switch facts[i].USCC {
		case "F1":
			facts[i].Founded = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC) // two years old on 2023-12-31 + 1 day
		case "F2":
			facts[i].Founded = time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC) // exactly two years: rated
		case "F3":
			facts[i].PrevAboveSize = false // newly above size
		case "F4":
			facts[i].PrevAboveSizeKnown = false
			facts[i].PrevRevenue = 1999 // below the threshold last year: newly above size
		case "F5":
			facts[i].AboveSizeKnown = false // derived from revenue 5000: above size
		}
	}
	ev, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: s, Year: 2023})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, f := range ev.Firms {
		got[f.USCC] = ev.Class[i] + " " + ev.EnterpriseResult(i).ReasonCode
	}
	// F4's missing VA now scores 0: 15 points; F2 46, F5 100 capped at C.
	want := map[string]string{
		"F1": "U unrated:younger_than_years", "F2": "C ", "F3": "U unrated:newly_above_size",
		"F4": "U unrated:newly_above_size", "F5": "C veto:env_violation", "F6": "U unrated:under_construction",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	for i, f := range ev.Firms {
		if f.USCC == "F4" && ev.Score[i] != 15 {
			t.Errorf("F4 with VA scored zero: %g, want 15", ev.Score[i])
		}
	}
	if len(ev.Notes) != 1 || !strings.Contains(ev.Notes[0], "derived from main business revenue") {
		t.Errorf("notes %q", ev.Notes)
	}
}

func TestEvaluateUncertaintyIsSeeded(t *testing.T) {
	s := parseHand(t, handScheme)
	run := func(seed uint64) *Evaluation {
		ev, err := ScoreFacts(context.Background(), handFacts(), EvaluateOptions{Scheme: s, Year: 2023, Uncertainty: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	a, b, c := run(7), run(7), run(8)
	same, differs := true, false
	for i := range a.Firms {
		ra, rb, rc := a.EnterpriseResult(i), b.EnterpriseResult(i), c.EnterpriseResult(i)
		same = same && ra.ClassProbs == rb.ClassProbs && *ra.MedianRank == *rb.MedianRank
		differs = differs || ra.ClassProbs != rc.ClassProbs
		if a.Firms[i].USCC == "F6" && ra.ClassProbs != `{"A":0,"B":0,"C":0,"D":0,"U":1}` {
			t.Errorf("unrated firm probabilities %s", ra.ClassProbs)
		}
		if a.Firms[i].USCC == "F5" && strings.Contains(ra.ClassProbs, `"A":0.`) {
			t.Errorf("vetoed firm reaches A: %s", ra.ClassProbs)
		}
		if a.Firms[i].USCC == "F1" && ra.ClassProbs != `{"A":1,"B":0,"C":0,"D":0,"U":0}` {
			// F1 (130) stays far ahead of F4 (55) under ±25 % weights.
			t.Errorf("F1 probabilities %s", ra.ClassProbs)
		}
	}
	if !same || !differs {
		t.Errorf("same seed identical: %v; another seed differs: %v", same, differs)
	}
}

func TestEvaluateErrors(t *testing.T) {
	s := parseHand(t, handScheme)
	if _, err := ScoreFacts(context.Background(), handFacts()[6:], EvaluateOptions{Scheme: s, Year: 2023}); err == nil ||
		!strings.Contains(err.Error(), "no enterprise is in the scope") {
		t.Errorf("empty scope: %v", err)
	}
	facts := handFacts()
	for i := range facts {
		facts[i].ValueAdded = math.NaN()
	}
	if _, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: s, Year: 2023}); err == nil ||
		!strings.Contains(err.Error(), "va_per_energy") || !strings.Contains(err.Error(), "no firm in scope reports it") {
		t.Errorf("undefined benchmark: %v", err)
	}
}

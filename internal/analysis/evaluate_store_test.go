package analysis

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/synth"
)

func openEvalStore(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "ev.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// loadHandFacts stores the by-hand firms (and a 2022 row for each, so the
// newly-above-size rule has a year before).
func loadHandFacts(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	el, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "e", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	facts := handFacts()
	for k, f := range facts {
		if err := el.AppendEnterprise(k+2, &indus.Enterprise{USCC: f.USCC, Name: f.Name, UnitCode: f.UnitCode, Park: f.Park,
			IndustryCode: f.IndustryCode, AboveSize: f.AboveSize, Founded: f.Founded}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := el.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	al, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "a", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	p := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return indus.Float(v)
	}
	row := 2
	for _, f := range facts {
		rev := f.Revenue
		if !f.AboveSize {
			rev = 100 // below the 2,000 threshold: the store path derives the status
		}
		for _, y := range []int{2022, 2023} {
			if err := al.AppendAnnual(row, &indus.AnnualFact{USCC: f.USCC, Year: y, LandMu: p(f.LandMu), Revenue: p(rev), Tax: p(f.Tax),
				ValueAdded: p(f.ValueAdded), EnergyTCE: p(f.EnergyTCE), ElectricityKWh: p(f.ElectricityKWh),
				EnvViolation: f.EnvViolation && y == 2023, UnderConstruction: f.UnderConstruction && y == 2023}); err != nil {
				t.Fatal(err)
			}
			row++
		}
	}
	if _, _, err := al.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestEvaluateOnTheStoreIsReproducible(t *testing.T) {
	st := openEvalStore(t)
	loadHandFacts(t, st)
	ctx := context.Background()
	s := parseHand(t, handScheme)
	opts := EvaluateOptions{Scheme: s, Year: 2023, Uncertainty: 100, Seed: 3, User: "tester"}
	run1, ev, err := Evaluate(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	run2, _, err := Evaluate(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if run1.ID != 1 || run2.ID != 2 || run1.InputSHA256 != run2.InputSHA256 || run1.DataBatch != 2 || run1.User != "tester" ||
		run1.Seed != 3 || run1.SchemeYAML != handScheme {
		t.Errorf("runs %+v / %+v", run1, run2)
	}
	dir := t.TempDir()
	var files [][]byte
	for k, id := range []int64{run1.ID, run2.ID} {
		for _, level := range []string{LevelEnterprise, LevelUnit, LevelPark} {
			tab, err := LoadEvaluationTable(ctx, st, id, level)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, level+string(rune('a'+k))+".csv")
			if _, err := tab.Write(path); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			files = append(files, b)
		}
	}
	for k := 0; k < 3; k++ {
		if !bytes.Equal(files[k], files[k+3]) {
			t.Errorf("level %d: the two runs' CSV files differ", k)
		}
	}
	// The CSV of the run equals the CSV written from memory (the store
	// round-trips every number exactly).
	mem := filepath.Join(dir, "mem.csv")
	if _, err := ev.Table(opts, LevelEnterprise, false).Write(mem); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mem); !bytes.Equal(b, files[0]) {
		t.Errorf("memory and store CSV differ:\n%s\n%s", b, files[0])
	}
	lines := strings.Split(strings.TrimPrefix(string(files[0]), "\ufeff"), "\n")
	if !strings.HasPrefix(lines[0], "uscc,name,unit_code,score,rank,class,reason,") {
		t.Errorf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "F6,企业F6,500113,200,,U,under construction,") || !strings.HasPrefix(lines[2], "F1,企业F1,500112,130,1,A,,") {
		t.Errorf("rows:\n%s\n%s", lines[1], lines[2])
	}
	if !strings.Contains(lines[0], ",p_A,p_B,p_C,p_D,p_U,median_rank,rank_q05,rank_q95") {
		t.Errorf("no class probabilities in %q", lines[0])
	}
	// The year before exists, statuses are derived from revenue (noted).
	r, err := st.EvaluationByID(ctx, run1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "derived") || r.ClassCounts["A"] != 1 || r.Rated != 5 || len(r.Indicators) != 2 ||
		*r.Indicators[0].Benchmark != 20 || *r.Indicators[1].Benchmark != 10 {
		t.Errorf("run record %+v", r)
	}
	e, err := st.EvaluationEnterprise(ctx, run1.ID, "F4")
	if err != nil || e.Class != "B" || e.NextClass != "A" || e.Items[0].Status != "ok" || e.ClassProbsJSON == nil {
		t.Errorf("F4 %+v %v", e, err)
	}

	// Comparing a run with itself: everything stays.
	cmp, err := CompareEvaluations(ctx, st, run1.ID, run2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Same != 6 || len(cmp.Movers) != 0 || strings.Join(cmp.Classes, "") != "ABCDU" || cmp.Matrix[0][0] != 1 || cmp.Matrix[4][4] != 1 {
		t.Errorf("comparison %+v", cmp)
	}
}

func TestCompareEvaluationsMovers(t *testing.T) {
	st := openEvalStore(t)
	loadHandFacts(t, st)
	ctx := context.Background()
	s := parseHand(t, handScheme)
	a, _, err := Evaluate(ctx, st, EvaluateOptions{Scheme: s, Year: 2023})
	if err != nil {
		t.Fatal(err)
	}
	// The same firms under a scheme that only counts value added per tce:
	// F2 (ratio 0.4) falls behind, F4 (missing → average 1) rises.
	other := strings.Replace(handScheme, "unit: 10k yuan/mu, weight: 60}", "unit: 10k yuan/mu, weight: 0}", 1)
	b, _, err := Evaluate(ctx, st, EvaluateOptions{Scheme: parseHand(t, other), Year: 2023})
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := CompareEvaluations(ctx, st, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// VA only: F1 10 → 40, F2 16, F3 24, F4 40 (average), F5 40 (veto C).
	// Rated ranks: F1, F4, F5 tie at 40 (rank 1, all A by the tie rule;
	// F5 capped at C), F3 rank 4 → C, F2 → D.
	total := 0
	for _, row := range cmp.Matrix {
		for _, v := range row {
			total += v
		}
	}
	if total != 6 || cmp.Up+cmp.Down+cmp.Same != 6-countZeroSteps(cmp.Movers) {
		t.Errorf("matrix %v up %d down %d same %d", cmp.Matrix, cmp.Up, cmp.Down, cmp.Same)
	}
	var moved []string
	for _, m := range cmp.Movers {
		moved = append(moved, m.USCC+":"+m.FromClass+">"+m.ToClass)
	}
	sort.Strings(moved)
	if strings.Join(moved, " ") != "F4:B>A" {
		t.Errorf("movers %v", moved)
	}
	if _, err := CompareEvaluations(ctx, st, a.ID, 99); indus.Code(err) != indus.ENotFound {
		t.Errorf("unknown run: %v", err)
	}
}

func countZeroSteps(ms []Mover) int {
	n := 0
	for _, m := range ms {
		if m.Steps == 0 {
			n++
		}
	}
	return n
}

// TestEvaluateSynthetic2023 is the done-when check on the synthetic city:
// classes and per-mu figures in line with DOMAIN.md §2, vetoed firms never
// A or B, unrated firms U, every result explained, reproducible.
func TestEvaluateSynthetic2023(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports the synthetic city")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := synth.Generate(ctx, synth.Config{Seed: 1}, dir); err != nil {
		t.Fatal(err)
	}
	st := openEvalStore(t)
	if _, err := ImportFiles(ctx, st, []string{filepath.Join(dir, "enterprises.csv"), filepath.Join(dir, "annual.csv")}, ImportOptions{User: "t"}); err != nil {
		t.Fatal(err)
	}
	zj, _ := refdata.SchemeByID("zhejiang-2018")
	opts := EvaluateOptions{Scheme: zj, Year: 2023, Uncertainty: 200, Seed: 42, User: "t"}
	run, ev, err := Evaluate(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkSynthetic(t, "store", ev)

	// The files directly, with the yearly above-size status they carry.
	facts, err := ReadEvaluationFactsCSV(dir, 2023)
	if err != nil {
		t.Fatal(err)
	}
	evCSV, err := ScoreFacts(ctx, facts, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkSynthetic(t, "csv", evCSV)

	// Per-mu figures over the above-size manufacturers (DOMAIN.md §2,
	// Chongqing 2023: tax 18.98, value added 166.87 10k yuan/mu, Σ ÷ Σ).
	rec, err := st.EvaluationByID(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range rec.Indicators {
		t.Logf("%-20s benchmark %-10.4g mean %-10.4g median %-10.4g aggregate %-10.4g reported %d", ind.Indicator, *ind.Benchmark,
			*ind.Mean, *ind.Median, *ind.Aggregate, ind.Reported)
		switch ind.Indicator {
		case "tax_per_mu":
			within(t, "aggregate tax per mu", *ind.Aggregate, 18.98, 0.10)
			within(t, "median tax per mu", *ind.Median, 15.5, 0.15)
		case "va_per_mu":
			within(t, "aggregate value added per mu", *ind.Aggregate, 166.87, 0.10)
			within(t, "median value added per mu", *ind.Median, 153, 0.15)
		}
	}
	// Every unit with manufacturers is ranked.
	units, err := st.EvaluationAreas(ctx, run.ID, store.AreaUnit)
	if err != nil {
		t.Fatal(err)
	}
	ranked := 0
	for _, u := range units {
		if u.Rank != nil {
			ranked++
		}
	}
	if len(units) != 41 || ranked < 38 {
		t.Errorf("%d units, %d ranked", len(units), ranked)
	}
	t.Logf("top units: %s %.1f, %s %.1f, %s %.1f; bottom: %s %.1f", units[0].Name, *units[0].Score, units[1].Name, *units[1].Score,
		units[2].Name, *units[2].Score, units[ranked-1].Name, *units[ranked-1].Score)

	// Same input and seed: the second run's CSV is byte-identical.
	run2, _, err := Evaluate(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out [2][]byte
	for k, id := range []int64{run.ID, run2.ID} {
		tab, err := LoadEvaluationTable(ctx, st, id, LevelEnterprise)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "e.csv")
		if _, err := tab.Write(p); err != nil {
			t.Fatal(err)
		}
		out[k], _ = os.ReadFile(p)
	}
	if !bytes.Equal(out[0], out[1]) || len(out[0]) < 1e6 {
		t.Errorf("runs %d and %d: CSV files differ (%d and %d bytes)", run.ID, run2.ID, len(out[0]), len(out[1]))
	}
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got/want-1) > tol {
		t.Errorf("%s %.4g, want %.4g ± %.0f %%", what, got, want, 100*tol)
	}
}

func checkSynthetic(t *testing.T, label string, ev *Evaluation) {
	t.Helper()
	c := ev.Counts()
	rated := len(ev.Firms) - c["U"]
	share := func(k string) float64 { return float64(c[k]) / float64(rated) }
	t.Logf("%s: %d firms in scope, classes %v (A %.1f %%, B %.1f %%, C %.1f %%, D %.1f %% of %d rated; U %.1f %%); notes %q", label,
		len(ev.Firms), c, 100*share("A"), 100*share("B"), 100*share("C"), 100*share("D"), rated, 100*float64(c["U"])/float64(len(ev.Firms)), ev.Notes)
	if n := len(ev.Firms); n < 6500 || n > 7300 {
		t.Errorf("%s: %d firms in scope, want about 7,000 above-size manufacturers", label, n)
	}
	// Vetoed firms fall from A/B to C, so A is a little under 20 %.
	if a := share("A"); a < 0.185 || a > 0.2005 {
		t.Errorf("%s: A share %.4f, want ≈ 0.20", label, a)
	}
	if d := share("D"); d < 0.049 || d > 0.0505 {
		t.Errorf("%s: D share %.4f, want ≈ 0.05", label, d)
	}
	if u := float64(c["U"]) / float64(len(ev.Firms)); u < 0.01 || u > 0.10 {
		t.Errorf("%s: unrated share %.3f", label, u)
	}
	vetoed, unrated, probs := 0, 0, 0
	for i := range ev.Firms {
		r := ev.EnterpriseResult(i)
		if strings.Contains(r.ReasonCode, "veto:") {
			vetoed++
			if r.Class == "A" || r.Class == "B" {
				t.Fatalf("%s: vetoed %s is %s", label, r.USCC, r.Class)
			}
			if strings.Contains(r.ClassProbs, `"A":0.`) || strings.Contains(r.ClassProbs, `"B":0.`) || strings.Contains(r.ClassProbs, `"A":1`) {
				t.Fatalf("%s: vetoed %s can be A or B: %s", label, r.USCC, r.ClassProbs)
			}
		}
		if strings.Contains(r.ReasonCode, "unrated:") {
			unrated++
			if r.Class != "U" || r.Rank != nil {
				t.Fatalf("%s: unrated %s is %s", label, r.USCC, r.Class)
			}
		}
		if r.Class == "U" && r.ReasonEn == "" {
			t.Fatalf("%s: %s is U without a reason", label, r.USCC)
		}
		if r.Explanation == "" || len(r.Items) != 6 {
			t.Fatalf("%s: %s has no explanation", label, r.USCC)
		}
		if r.Class != "A" && r.Class != "U" && !strings.Contains(r.ReasonCode, "veto:") && r.NextClass == "" {
			t.Fatalf("%s: %s (%s) has no next class: %s", label, r.USCC, r.Class, r.Explanation)
		}
		if r.ClassProbs != "" {
			probs++
		}
	}
	if vetoed < 20 || unrated != c["U"] || probs != len(ev.Firms) {
		t.Errorf("%s: %d vetoed, %d unrated (U %d), %d with probabilities", label, vetoed, unrated, c["U"], probs)
	}
}

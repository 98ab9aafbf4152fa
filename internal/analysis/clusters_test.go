package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// uscc makes a valid code from a small number.
func uscc(t *testing.T, n int) string {
	t.Helper()
	first := fmt.Sprintf("91500000MA%07d", n)
	c, err := indus.USCCCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

const monthlyHeader = "uscc,month,output_value,revenue,electricity_kwh,employees\n"

// Units of the fixture: two in the metropolitan area, one in the north-east.
const (
	yuzhong   = "500103" // metro
	shapingba = "500106" // metro
	wanzhou   = "500101" // northeast
)

// clusterFixture loads the hand-made dataset the cluster tests reason
// about (output in 10k yuan):
//
//	A 3612 NEV              Yuzhong    2023-05 80, 2023-06 100 → 2024-05 90, 2024-06 110; annual 2023 1200 (VA 300) → 2024 1300 (VA 330)
//	B 3612 NEV              Shapingba  2024-06 50 only (an entrant)
//	C 3612 NEV              Wanzhou    2023-06 40 only (an exit)
//	D 3841 NEV + storage    Shapingba  2023-06 20 → 2024-06 30 (NEV primary: the higher tier)
//	E 1311 food             Wanzhou    2023-06 60 → 2024-06 66
//	F 6513 software         Yuzhong    annual revenue 2023 500 → 2024 600, no monthly survey
//	G 0610 coal (no cluster) Yuzhong   2023-06 200 → 2024-06 180
//	H 3612 NEV, below size  Yuzhong    annual 2024 output 10, not in the survey: not counted
func clusterFixture(t *testing.T) (*store.Store, map[string]string) {
	t.Helper()
	st := newStore(t)
	ids := map[string]string{}
	for i, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H"} {
		ids[k] = uscc(t, i+1)
	}
	dir := t.TempDir()
	ent := entHeader +
		ids["A"] + ",甲汽车," + yuzhong + ",,3612,新能源汽车制造,true,,,\n" +
		ids["B"] + ",乙汽车," + shapingba + ",,3612,,true,,,\n" +
		ids["C"] + ",丙汽车," + wanzhou + ",,3612,,true,,,\n" +
		ids["D"] + ",丁电池," + shapingba + ",,3841,锂离子电池,true,,,\n" +
		ids["E"] + ",戊米业," + wanzhou + ",,1311,,true,,,\n" +
		ids["F"] + ",己软件," + yuzhong + ",,6513,,true,,,\n" +
		ids["G"] + ",庚煤矿," + yuzhong + ",,0610,,true,,,\n" +
		ids["H"] + ",辛配件," + yuzhong + ",,3612,,false,,,\n"
	m := func(k, month string, out float64) string {
		return fmt.Sprintf("%s,%s,%g,%g,%g,%d\n", ids[k], month, out, out, out*10, 10)
	}
	monthly := monthlyHeader +
		m("A", "2023-05", 80) + m("A", "2023-06", 100) + m("A", "2024-05", 90) + m("A", "2024-06", 110) +
		m("B", "2024-06", 50) + m("C", "2023-06", 40) + m("D", "2023-06", 20) + m("D", "2024-06", 30) +
		m("E", "2023-06", 60) + m("E", "2024-06", 66) + m("G", "2023-06", 200) + m("G", "2024-06", 180)
	a := func(k string, year int, rev, out, va, emp string) string {
		return fmt.Sprintf("%s,%d,,%s,%s,%s,,,,,,%s,false,false,false,false\n", ids[k], year, rev, out, va, emp)
	}
	annual := annualHeader +
		a("A", 2023, "1200", "1200", "300", "10") + a("A", 2024, "1300", "1300", "330", "11") +
		a("F", 2023, "500", "", "", "50") + a("F", 2024, "600", "", "", "55") +
		a("H", 2024, "10", "10", "2", "3")
	files := []string{writeFile(t, dir, "e.csv", ent), writeFile(t, dir, "m.csv", monthly), writeFile(t, dir, "a.csv", annual)}
	if _, err := ImportCanonical(context.Background(), st, files, "tester"); err != nil {
		t.Fatal(err)
	}
	return st, ids
}

func findRow(t *testing.T, rep *Report, clusterID, geo string) ReportRow {
	t.Helper()
	for _, r := range rep.Rows {
		if r.ClusterID == clusterID && r.Geography == geo {
			return r
		}
	}
	t.Fatalf("no row %s × %s", clusterID, geo)
	return ReportRow{}
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

func TestAssignmentAndMemberships(t *testing.T) {
	st, ids := clusterFixture(t)
	ctx := context.Background()
	res, err := AssignClusters(ctx, st, AssignOptions{User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	// A B C H → NEV; D → NEV + new_energy_storage; E → food; F → software; G none.
	if !res.First || res.Enterprises != 8 || res.Assigned != 7 || res.Unassigned != 1 || res.Memberships != 8 {
		t.Fatalf("assignment %+v", res.Assignment)
	}
	counts := map[string]store.AssignmentCount{}
	for _, c := range res.Counts {
		counts[c.ClusterID] = c
	}
	if counts["nev"].Members != 5 || counts["nev"].Primary != 5 || counts["new_energy_storage"].Members != 1 || counts["new_energy_storage"].Primary != 0 {
		t.Errorf("counts %+v", counts)
	}
	un, err := Unassigned(ctx, st, 10, 0)
	if err != nil || un.Total != 1 || un.Enterprises[0].USCC != ids["G"] {
		t.Fatalf("unassigned %+v %v", un, err)
	}

	// An override puts the coal mine in advanced materials; another moves
	// D's primary to new energy storage.
	if _, err := OverrideCluster(ctx, st, OverrideRequest{USCC: ids["G"], ClusterID: "advanced_materials", Reason: "coke for the steel plant", Author: "li"}); err != nil {
		t.Fatal(err)
	}
	ov, err := OverrideCluster(ctx, st, OverrideRequest{USCC: ids["D"], ClusterID: "new_energy_storage", Reason: "storage cells", Author: "li", Primary: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Memberships) != 2 || ov.Memberships[0].ClusterID != "nev" || ov.Memberships[0].Primary || !ov.Memberships[1].Primary {
		t.Errorf("D after override: %+v", ov.Memberships)
	}
	// A re-import that changes E's code (to a car maker) and D's name.
	dir := t.TempDir()
	ent := entHeader + ids["E"] + ",戊米业," + wanzhou + ",,3612,,true,,,\n" + ids["D"] + ",丁电池（新）," + shapingba + ",,3841,锂离子电池,true,,,\n"
	if _, err := ImportCanonical(ctx, st, []string{writeFile(t, dir, "e2.csv", ent)}, "tester"); err != nil {
		t.Fatal(err)
	}
	if stale, _ := st.MembershipsStale(ctx, "chongqing-33618"); !stale {
		t.Error("an enterprise import must make memberships stale")
	}
	res, err = AssignClusters(ctx, st, AssignOptions{User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	// Overrides survive: G stays in advanced materials, D's primary stays.
	// What changed since the memberships as they stood (overrides apply at
	// once and are recorded with their author, so they are not repeated
	// here): E left food and joined NEV.
	if res.First || res.Added != 1 || res.Removed != 1 || res.PrimaryChanged != 0 || res.Unassigned != 0 {
		t.Errorf("second assignment %+v", res.Assignment)
	}
	var changes []string
	for _, c := range res.Changes {
		changes = append(changes, c.Change+" "+c.ClusterID+" "+c.USCC)
	}
	sort.Strings(changes)
	want := []string{"added nev " + ids["E"], "removed food " + ids["E"]}
	if strings.Join(changes, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(want, "\n"))
	}
	if mem, _ := st.Memberships(ctx, "chongqing-33618", ids["D"]); len(mem) != 2 || mem[0].ClusterID != "new_energy_storage" || !mem[0].Primary {
		t.Errorf("D after re-import %+v", mem)
	}
	// A third run with nothing new changes nothing.
	res, err = AssignClusters(ctx, st, AssignOptions{})
	if err != nil || res.Added+res.Removed+res.PrimaryChanged != 0 || len(res.Changes) != 0 {
		t.Errorf("idle assignment %+v %v", res, err)
	}
	mem, _ := st.Memberships(ctx, "chongqing-33618", ids["G"])
	if len(mem) != 1 || mem[0].ClusterID != "advanced_materials" || mem[0].Source != store.MembershipByOverride || !strings.Contains(mem[0].Rule, "coke") {
		t.Errorf("G memberships %+v", mem)
	}
	// Removing D from NEV, then clearing it, goes back to the rules.
	if _, err := OverrideCluster(ctx, st, OverrideRequest{USCC: ids["D"], ClusterID: "nev", Reason: "cells only", Author: "wang", Remove: true}); err != nil {
		t.Fatal(err)
	}
	mem, _ = st.Memberships(ctx, "chongqing-33618", ids["D"])
	if len(mem) != 1 || mem[0].ClusterID != "new_energy_storage" || !mem[0].Primary {
		t.Errorf("D after removal %+v", mem)
	}
	if _, err := OverrideCluster(ctx, st, OverrideRequest{USCC: ids["D"], ClusterID: "nev", Author: "wang", Clear: true}); err != nil {
		t.Fatal(err)
	}
	mem, _ = st.Memberships(ctx, "chongqing-33618", ids["D"])
	if len(mem) != 2 {
		t.Errorf("D after clear %+v", mem)
	}
	all, _ := st.Overrides(ctx, "chongqing-33618", ids["D"], true)
	if len(all) != 2 || all[1].RevokedAt == nil || all[1].RevokedBy != "wang" || all[0].RevokedAt != nil {
		t.Errorf("override history %+v", all)
	}
	for _, bad := range []OverrideRequest{
		{USCC: ids["D"], ClusterID: "nev", Author: "x"},                                           // no reason
		{USCC: ids["D"], ClusterID: "no_such", Reason: "r", Author: "x"},                          // unknown cluster
		{USCC: ids["D"], ClusterID: "nev", Reason: "r", Author: "x", Primary: true, Remove: true}, // contradiction
	} {
		if _, err := OverrideCluster(ctx, st, bad); indus.Code(err) != indus.EInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := OverrideCluster(ctx, st, OverrideRequest{USCC: uscc(t, 99), ClusterID: "nev", Reason: "r", Author: "x"}); indus.Code(err) != indus.ENotFound {
		t.Errorf("unknown enterprise: %v", err)
	}
}

// TestReportHandCase checks June 2024 against the fixture by hand.
func TestReportHandCase(t *testing.T) {
	st, _ := clusterFixture(t)
	ctx := context.Background()
	rep, err := ClusterReport(ctx, st, ReportOptions{Period: Period{Kind: PeriodMonth, Year: 2024, Month: 6}})
	if err != nil {
		t.Fatal(err)
	}
	nev := findRow(t, rep, "nev", "city")
	// A 110, B 50, D 30 now; A 100, C 40, D 20 a year earlier. Comparable: A
	// and D, 140 / 120 − 1 = 16.667 %; raw 190 / 160 − 1 = 18.75 %.
	if nev.OutputValue != 190 || nev.Enterprises != 3 || nev.Entrants != 1 || nev.Exits != 1 || nev.Comparable != 2 {
		t.Errorf("nev %+v", nev)
	}
	if !approx(val(nev.YoYGrowth), 100.0/6) || !approx(val(nev.OutputGrowthRaw), 18.75) || nev.ValueAdded != nil {
		t.Errorf("nev growth %v raw %v", val(nev.YoYGrowth), val(nev.OutputGrowthRaw))
	}
	// City, all above-size industry once: now A B D E G = 436; comparable
	// A D E G: 386 / 380. NEV's contribution (140 − 120) / 380 × 100.
	all := findRow(t, rep, AllIndustryID, "city")
	if all.OutputValue != 436 || !approx(val(all.YoYGrowth), (386.0/380-1)*100) {
		t.Errorf("all industry %+v", all)
	}
	if !approx(val(nev.ContributionPP), 20.0/380*100) || !approx(val(nev.ShareOfCity), 190.0/436*100) {
		t.Errorf("nev contribution %v share %v", val(nev.ContributionPP), val(nev.ShareOfCity))
	}
	// HHI (110² + 50² + 30²) / 190² in points.
	if !approx(val(nev.HHI), 15500.0/36100*10000) || !approx(val(nev.Top10Share), 100) {
		t.Errorf("nev hhi %v top10 %v", val(nev.HHI), val(nev.Top10Share))
	}
	// D counts in both NEV and new energy storage: the clusters overlap.
	nes := findRow(t, rep, "new_energy_storage", "city")
	if nes.OutputValue != 30 || !approx(val(nes.YoYGrowth), 50) {
		t.Errorf("storage %+v", nes)
	}
	// Units and regions of NEV: Yuzhong A 110; Shapingba B + D 80; Wanzhou
	// only C's exit; metro = 190.
	if r := findRow(t, rep, "nev", shapingba); r.OutputValue != 80 || r.Enterprises != 2 || r.Entrants != 1 {
		t.Errorf("nev shapingba %+v", r)
	}
	if r := findRow(t, rep, "nev", wanzhou); r.OutputValue != 0 || r.Exits != 1 || r.YoYGrowth != nil || !approx(val(r.OutputGrowthRaw), -100) {
		t.Errorf("nev wanzhou %+v", r)
	}
	if r := findRow(t, rep, "nev", "metro"); r.OutputValue != 190 || r.GeographyKind != "region" {
		t.Errorf("nev metro %+v", r)
	}
	// Contributions of NEV's units add up to the city's: (110 − 100) / 380 +
	// (30 − 20) / 380 for Shapingba's comparable D.
	if r := findRow(t, rep, "nev", yuzhong); !approx(val(r.ContributionPP), 10.0/380*100) {
		t.Errorf("nev yuzhong contribution %v", val(r.ContributionPP))
	}
	checkReconciliation(t, rep)

	// Year to date: May and June. A 90 + 110, B 50, D 30 = 280; a year
	// earlier A 80 + 100, C 40, D 20 = 240; comparable (200 + 30) / (180 + 20).
	ytd, err := ClusterReport(ctx, st, ReportOptions{Period: Period{Kind: PeriodYTD, Year: 2024, Month: 6}, Geo: GeoCity})
	if err != nil {
		t.Fatal(err)
	}
	if r := findRow(t, ytd, "nev", "city"); r.OutputValue != 280 || !approx(val(r.YoYGrowth), 15) || r.Period != "ytd:2024-06" {
		t.Errorf("nev ytd %+v", r)
	}
	if len(ytd.Rows) != 31 {
		t.Errorf("city only: %d rows", len(ytd.Rows))
	}

	// The year 2024 from the annual facts: A only for NEV (H is below size
	// and not in the survey), with value added; software by its revenue.
	yr, err := ClusterReport(ctx, st, ReportOptions{Period: Period{Kind: PeriodYear, Year: 2024}})
	if err != nil {
		t.Fatal(err)
	}
	if r := findRow(t, yr, "nev", "city"); r.OutputValue != 1300 || val(r.ValueAdded) != 330 || !approx(val(r.YoYGrowth), 100.0/12) || !approx(val(r.VAGrowth), 10) || r.Enterprises != 1 {
		t.Errorf("nev 2024 %+v", r)
	}
	if r := findRow(t, yr, "software", "city"); r.Revenue != 600 || r.GrowthMetric != "revenue" || !approx(val(r.YoYGrowth), 20) || r.Employees != 55 {
		t.Errorf("software 2024 %+v", r)
	}
	checkReconciliation(t, yr)
}

// checkReconciliation: for every cluster the units add up to their regions
// and to the city, on every additive figure.
func checkReconciliation(t *testing.T, rep *Report) {
	t.Helper()
	type acc struct {
		out, rev, emp float64
		n, in, ex     int64
	}
	units, regions, city := map[string]*acc{}, map[string]*acc{}, map[string]acc{}
	for _, r := range rep.Rows {
		a := acc{r.OutputValue, r.Revenue, r.Employees, r.Enterprises, r.Entrants, r.Exits}
		switch r.GeographyKind {
		case "city":
			city[r.ClusterID] = a
		case "region", "unit":
			m := units
			if r.GeographyKind == "region" {
				m = regions
			}
			s := m[r.ClusterID]
			if s == nil {
				s = &acc{}
				m[r.ClusterID] = s
			}
			s.out += a.out
			s.rev += a.rev
			s.emp += a.emp
			s.n += a.n
			s.in += a.in
			s.ex += a.ex
		}
	}
	for id, c := range city {
		for name, m := range map[string]map[string]*acc{"units": units, "regions": regions} {
			s := m[id]
			if s == nil || !approx(s.out, c.out) || !approx(s.rev, c.rev) || !approx(s.emp, c.emp) || s.n != c.n || s.in != c.in || s.ex != c.ex {
				t.Errorf("%s: %s sum %+v, city %+v", id, name, s, c)
			}
		}
	}
}

func TestRollupIsMaterialisedAndInvalidated(t *testing.T) {
	st, ids := clusterFixture(t)
	ctx := context.Background()
	p := Period{Kind: PeriodMonth, Year: 2024, Month: 6}
	r1, err := GetRollup(ctx, st, p)
	if err != nil || r1.Cached {
		t.Fatalf("first build: %v cached=%v", err, r1 != nil && r1.Cached)
	}
	r2, err := GetRollup(ctx, st, p)
	if err != nil || !r2.Cached || r2.Stamp != r1.Stamp {
		t.Fatalf("second read must be cached: %v %+v", err, r2)
	}
	// From the table (not memory): drop the memory cache.
	rollupCache.Lock()
	clear(rollupCache.m)
	rollupCache.Unlock()
	r3, err := GetRollup(ctx, st, p)
	if err != nil || !r3.Cached || r3.Get("nev", cluster.GeoCity, cluster.CityCode).Output != 190 {
		t.Fatalf("table read: %v %+v", err, r3)
	}
	// Top lists and NaN value added survive the table.
	if s := r3.Get("nev", cluster.GeoCity, cluster.CityCode); len(s.Top) != 3 || s.Top[0] != 110 || !math.IsNaN(s.ValueAdded) {
		t.Errorf("decoded sums %+v", s)
	}
	// A new monthly batch changes the figure and invalidates the rollup.
	dir := t.TempDir()
	if _, err := ImportCanonical(ctx, st, []string{writeFile(t, dir, "m2.csv", monthlyHeader+ids["A"]+",2024-06,150,150,1500,10\n")}, "tester"); err != nil {
		t.Fatal(err)
	}
	r4, err := GetRollup(ctx, st, p)
	if err != nil || r4.Cached || r4.Get("nev", cluster.GeoCity, cluster.CityCode).Output != 230 {
		t.Fatalf("after import: %v %+v", err, r4)
	}
	// Undo restores it, and the rollup follows.
	batches, _ := st.Batches(ctx, 1)
	if _, err := st.Undo(ctx, batches[0].ID, "tester"); err != nil {
		t.Fatal(err)
	}
	r5, err := GetRollup(ctx, st, p)
	if err != nil || r5.Cached || r5.Get("nev", cluster.GeoCity, cluster.CityCode).Output != 190 {
		t.Fatalf("after undo: %v", err)
	}
	if _, err := GetRollup(ctx, st, Period{Kind: PeriodMonth, Year: 2030, Month: 1}); indus.Code(err) != indus.ENotFound {
		t.Errorf("a period without data: %v", err)
	}
}

func TestEnterprisesTraceTheFigures(t *testing.T) {
	st, ids := clusterFixture(t)
	ctx := context.Background()
	p := Period{Kind: PeriodMonth, Year: 2024, Month: 6}
	l, err := ClusterEnterprises(ctx, st, "nev", p, "", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A, B, D report; C only a year earlier; H never in the survey.
	if l.Total != 4 || l.Sums.OutputValue != 190 || l.Sums.Enterprises != 3 || len(l.Items) != 2 || l.Items[0].USCC != ids["A"] || l.Items[1].USCC != ids["B"] {
		t.Errorf("list %+v", l)
	}
	l, err = ClusterEnterprises(ctx, st, "nev", p, "metro", 0, 0)
	if err != nil || l.Sums.OutputValue != 190 || l.Total != 3 {
		t.Errorf("metro %+v %v", l, err)
	}
	l, err = ClusterEnterprises(ctx, st, AllIndustryID, p, wanzhou, 0, 0)
	if err != nil || l.Sums.OutputValue != 66 || l.Total != 2 {
		t.Errorf("all industry in Wanzhou %+v %v", l, err)
	}
	if _, err := ClusterEnterprises(ctx, st, "nev", p, "nowhere", 0, 0); indus.Code(err) != indus.ENotFound {
		t.Errorf("unknown geography: %v", err)
	}
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct {
		in   string
		ytd  bool
		key  string
		fail bool
	}{
		{"2024-06", false, "2024-06", false}, {"2024-06", true, "ytd:2024-06", false}, {"2024", false, "2024", false},
		{"2024", true, "", true}, {"24-6", false, "", true}, {"abcd", false, "", true},
	} {
		p, err := ParsePeriod(c.in, c.ytd)
		if (err != nil) != c.fail || (!c.fail && p.Key() != c.key) {
			t.Errorf("%q ytd=%v: %v %v", c.in, c.ytd, p.Key(), err)
		}
	}
}

// TestWarningsOnCraftedSeries: W falls 30 % for six months, X's
// electricity collapses in June, Y stops after April, Z falls only two
// months running.
func TestWarningsOnCraftedSeries(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	ids := map[string]string{}
	ent := entHeader
	for i, k := range []string{"W", "X", "Y", "Z"} {
		ids[k] = uscc(t, 100+i)
		ent += ids[k] + "," + k + "厂," + yuzhong + ",,3612,,true,,,\n"
	}
	var b strings.Builder
	b.WriteString(monthlyHeader)
	row := func(k string, y, m int, out, elec float64) {
		fmt.Fprintf(&b, "%s,%d-%02d,%g,%g,%g,10\n", ids[k], y, m, out, out, elec)
	}
	for m := 1; m <= 12; m++ {
		for _, k := range []string{"W", "X", "Y", "Z"} {
			row(k, 2023, m, 100, 1000)
		}
	}
	for m := 1; m <= 6; m++ {
		row("W", 2024, m, 70, 1000)
		elec := 1000.0
		if m == 6 {
			elec = 300
		}
		row("X", 2024, m, 100, elec)
		if m <= 4 {
			row("Y", 2024, m, 100, 1000)
		}
		z := 100.0
		if m >= 5 {
			z = 70
		}
		row("Z", 2024, m, z, 1000)
	}
	dir := t.TempDir()
	if _, err := ImportCanonical(ctx, st, []string{writeFile(t, dir, "e.csv", ent), writeFile(t, dir, "m.csv", b.String())}, "tester"); err != nil {
		t.Fatal(err)
	}
	wl, err := Warnings(ctx, st, WarningOptions{Types: []string{WarnOutputDecline, WarnElectricityCollapse, WarnStoppedReporting}})
	if err != nil {
		t.Fatal(err)
	}
	if wl.Month != "2024-06" {
		t.Errorf("month %s", wl.Month)
	}
	got := map[string]string{}
	for _, w := range wl.Items {
		got[w.Type] += w.Name
	}
	if got[WarnOutputDecline] != "W厂" || got[WarnElectricityCollapse] != "X厂" || got[WarnStoppedReporting] != "Y厂" {
		t.Fatalf("warnings %+v", got)
	}
	for _, w := range wl.Items {
		switch w.Type {
		case WarnOutputDecline:
			if len(w.Evidence.Months) != 3 || w.Evidence.Months[0].Month != "2024-04" || !approx(val(w.Evidence.Months[2].Change), -30) || w.ClusterID != "nev" {
				t.Errorf("decline evidence %+v", w)
			}
		case WarnElectricityCollapse:
			if !approx(val(w.Evidence.Baseline), 1000) || !approx(val(w.Evidence.BaselineChange), -70) {
				t.Errorf("collapse evidence %+v", w.Evidence)
			}
		case WarnStoppedReporting:
			if w.Evidence.LastReported != "2024-04" {
				t.Errorf("stopped evidence %+v", w.Evidence)
			}
		}
	}
	// Two months is enough when the rule asks for two: Z joins W.
	wl, err = Warnings(ctx, st, WarningOptions{Types: []string{WarnOutputDecline}, Decline: cluster.DeclineRule{Drop: 0.2, Months: 2}})
	if err != nil || len(wl.Items) != 2 {
		t.Errorf("two-month rule: %+v %v", wl, err)
	}
	// In April nothing has fallen for three months yet.
	wl, err = Warnings(ctx, st, WarningOptions{Month: indus.Month{Year: 2024, Month: 4}, Types: []string{WarnOutputDecline}})
	if err != nil || len(wl.Items) != 1 || wl.Items[0].Name != "W厂" {
		t.Errorf("April: %+v %v", wl, err)
	}
	if _, err := Warnings(ctx, st, WarningOptions{Types: []string{"nonsense"}}); indus.Code(err) != indus.EInvalid {
		t.Errorf("unknown type: %v", err)
	}
}

func TestReferenceAndCityLQ(t *testing.T) {
	st, _ := clusterFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	// Reference: NEV 3612 has 100 of 1,000 jobs; the fixture's June 2024
	// employment is 10 per reporting firm: NEV A B D = 30 of A B D E G = 50.
	// LQ = (30 / 50) / (100 / 1000) = 6.
	path := writeFile(t, dir, "ref.csv", "region,industry_code,employees,output_value\nnational,3612,100,\nnational,1311,400,\nnational,0610,500,\n")
	if n, err := ImportReference(ctx, st, path, "national", "tester"); err != nil || n != 3 {
		t.Fatalf("import: %d %v", n, err)
	}
	sp, err := GetSpecialisation(ctx, st, SpecOptions{Period: Period{Kind: PeriodMonth, Year: 2024, Month: 6}, Reference: "national"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sp.City {
		if c.ClusterID == "nev" && !approx(val(c.LQEmployment), 6) {
			t.Errorf("city LQ of NEV %v", val(c.LQEmployment))
		}
		if c.ClusterID == "food" && !approx(val(c.LQEmployment), (10.0/50)/(400.0/1000)) {
			t.Errorf("city LQ of food %v", val(c.LQEmployment))
		}
	}
	// Unit LQ: Shapingba has B and D (both NEV) of its 20 jobs; the city
	// 30 of 50: (20/20) / (30/50).
	for _, r := range sp.Rows {
		if r.ClusterID == "nev" && r.Unit == shapingba && !approx(val(r.LQEmployment), 1/(30.0/50)) {
			t.Errorf("Shapingba NEV LQ %v", val(r.LQEmployment))
		}
	}
	bad := writeFile(t, dir, "bad.csv", "region,industry_code,employees\nx,9999,1\n")
	if _, err := ImportReference(ctx, st, bad, "bad", "tester"); indus.Code(err) != indus.EInvalid {
		t.Errorf("bad code: %v", err)
	}
	if _, err := GetSpecialisation(ctx, st, SpecOptions{Reference: "missing"}); indus.Code(err) != indus.ENotFound {
		t.Errorf("missing reference: %v", err)
	}
}

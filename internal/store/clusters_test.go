package store

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
)

func clusterStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "c.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// randomFirm is one enterprise of the property test with its two Junes.
type randomFirm struct {
	uscc, unit, code string
	cur, prev        cluster.Values
}

var clustersOf = map[string][]string{"3612": {"nev"}, "3841": {"nev", "storage"}, "1311": {"food"}, "0610": nil}

// TestClusterCellsMatchTheDefinition: on random enterprises (some not
// reporting in one of the years, some with missing figures), the SQL
// aggregation gives, cell by cell, what cluster.SumFirms — the definition in
// code — gives.
func TestClusterCellsMatchTheDefinition(t *testing.T) {
	st := clusterStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	units := []string{"500103", "500106", "500101"}
	codes := []string{"3612", "3841", "1311", "0610"}
	var firms []randomFirm
	val := func() float64 {
		if rng.Float64() < 0.1 {
			return math.NaN()
		}
		return math.Round(rng.Float64()*10000) / 100
	}
	for i := range 80 {
		f := randomFirm{uscc: fmt.Sprintf("F%03d", i), unit: units[rng.IntN(3)], code: codes[rng.IntN(4)]}
		if rng.Float64() < 0.85 {
			f.cur = cluster.Values{Reported: true, Output: val(), Revenue: val(), ValueAdded: math.NaN(), Electricity: val(), Employees: val()}
		}
		if rng.Float64() < 0.85 {
			f.prev = cluster.Values{Reported: true, Output: val(), Revenue: val(), ValueAdded: math.NaN(), Electricity: val(), Employees: val()}
		}
		firms = append(firms, f)
	}
	load(t, st, indus.KindEnterprises, func(l *Load) {
		for i, f := range firms {
			if err := l.AppendEnterprise(i+2, &indus.Enterprise{USCC: f.uscc, Name: f.uscc, UnitCode: f.unit, IndustryCode: f.code, AboveSize: true}); err != nil {
				t.Fatal(err)
			}
		}
	})
	ptr := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return &v
	}
	load(t, st, indus.KindMonthly, func(l *Load) {
		row := 2
		for _, f := range firms {
			for _, x := range []struct {
				v cluster.Values
				m indus.Month
			}{{f.prev, indus.Month{Year: 2023, Month: 6}}, {f.cur, indus.Month{Year: 2024, Month: 6}}} {
				if !x.v.Reported {
					continue
				}
				if err := l.AppendMonthly(row, &indus.MonthlyFact{USCC: f.uscc, Month: x.m, OutputValue: ptr(x.v.Output), Revenue: ptr(x.v.Revenue),
					ElectricityKWh: ptr(x.v.Electricity), Employees: ptr(x.v.Employees)}); err != nil {
					t.Fatal(err)
				}
				row++
			}
		}
	})
	_, err := st.ReplaceMemberships(ctx, AssignmentMeta{SystemID: "sys", SystemVersion: "1", User: "t"}, func(add func(MembershipRow) error) error {
		for _, f := range firms {
			for i, c := range clustersOf[f.code] {
				if err := add(MembershipRow{USCC: f.uscc, ClusterID: c, Primary: i == 0, Source: MembershipByRule, Rule: "code " + f.code}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	june := indus.Month{Year: 2024, Month: 6}
	cells, err := st.ClusterCells(ctx, "sys", PeriodSpec{Key: "2024-06", From: june, To: june})
	if err != nil {
		t.Fatal(err)
	}
	// The reference: group the firms by (cluster, unit) in Go.
	groups := map[[2]string][]cluster.Firm{}
	for _, f := range firms {
		if !f.cur.Reported && !f.prev.Reported {
			continue
		}
		for _, c := range append([]string{AllClusters}, clustersOf[f.code]...) {
			k := [2]string{c, f.unit}
			groups[k] = append(groups[k], cluster.Firm{Cur: f.cur, Prev: f.prev})
		}
	}
	if len(cells) != len(groups) {
		t.Fatalf("%d cells, %d groups", len(cells), len(groups))
	}
	for _, c := range cells {
		want := cluster.SumFirms(groups[[2]string{c.Cluster, c.Unit}], false)
		if !sumsEqual(c.Sums, want) {
			t.Errorf("%s × %s:\n got  %+v\n want %+v", c.Cluster, c.Unit, c.Sums, want)
		}
	}

	// The rollup round-trips through its table, NaN and top lists included.
	rolled, _ := cluster.Rollup(cells, map[string]string{"500103": "metro", "500106": "metro", "500101": "northeast"})
	var rows []RollupRow
	for k, s := range rolled {
		rows = append(rows, RollupRow{Key: k, Sums: *s})
	}
	if err := st.SaveRollup(ctx, "sys", "2024-06", "stamp1", rows, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.LoadRollup(ctx, "sys", "2024-06", "stamp2"); ok || err != nil {
		t.Errorf("another stamp must miss: %v %v", ok, err)
	}
	back, ok, err := st.LoadRollup(ctx, "sys", "2024-06", "stamp1")
	if !ok || err != nil || len(back) != len(rows) {
		t.Fatalf("load: %v %v %d", ok, err, len(back))
	}
	for _, r := range back {
		if !sumsEqual(r.Sums, *rolled[r.Key]) {
			t.Errorf("%v: %+v vs %+v", r.Key, r.Sums, *rolled[r.Key])
		}
	}
	// Saving again replaces, never duplicates.
	if err := st.SaveRollup(ctx, "sys", "2024-06", "stamp3", rows[:1], time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if back, ok, _ := st.LoadRollup(ctx, "sys", "2024-06", "stamp3"); !ok || len(back) != 1 {
		t.Errorf("replace: %d rows", len(back))
	}
}

func sumsEqual(a, b cluster.Sums) bool {
	eq := func(x, y float64) bool {
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y))
	}
	fs := [][2]float64{{a.Output, b.Output}, {a.Revenue, b.Revenue}, {a.ValueAdded, b.ValueAdded}, {a.Electricity, b.Electricity},
		{a.Employees, b.Employees}, {a.PrevOutput, b.PrevOutput}, {a.PrevRevenue, b.PrevRevenue}, {a.PrevValueAdded, b.PrevValueAdded},
		{a.CompOutput, b.CompOutput}, {a.CompPrevOutput, b.CompPrevOutput}, {a.CompRevenue, b.CompRevenue}, {a.CompPrevRevenue, b.CompPrevRevenue},
		{a.CompValueAdded, b.CompValueAdded}, {a.CompPrevValueAdded, b.CompPrevValueAdded}, {a.OutputSq, b.OutputSq}}
	for _, f := range fs {
		if !eq(f[0], f[1]) {
			return false
		}
	}
	at, bt := append([]float64(nil), a.Top...), append([]float64(nil), b.Top...)
	sort.Float64s(at)
	sort.Float64s(bt)
	return a.Enterprises == b.Enterprises && a.PrevEnterprises == b.PrevEnterprises && a.Comparable == b.Comparable &&
		(len(at) == 0 && len(bt) == 0 || reflect.DeepEqual(at, bt))
}

func load(t *testing.T, st *Store, kind indus.DatasetKind, fill func(*Load)) {
	t.Helper()
	l, err := st.BeginLoad(context.Background(), LoadMeta{Kind: kind, FileName: string(kind) + ".csv", SHA256: "x", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	fill(l)
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestReplaceMembershipsRecordsChanges(t *testing.T) {
	st := clusterStore(t)
	ctx := context.Background()
	load(t, st, indus.KindEnterprises, func(l *Load) {
		for i, u := range []string{"A", "B", "C"} {
			l.AppendEnterprise(i+2, &indus.Enterprise{USCC: u, Name: u, UnitCode: "500103", AboveSize: true})
		}
	})
	assign := func(rows ...MembershipRow) Assignment {
		t.Helper()
		a, err := st.ReplaceMemberships(ctx, AssignmentMeta{SystemID: "sys", SystemVersion: "1", User: "t"}, func(add func(MembershipRow) error) error {
			for _, r := range rows {
				if err := add(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	m := func(u, c string, p bool) MembershipRow {
		return MembershipRow{USCC: u, ClusterID: c, Primary: p, Source: MembershipByRule, Rule: "r"}
	}
	a := assign(m("A", "x", true), m("A", "y", false), m("B", "x", true))
	if !a.First || a.Enterprises != 3 || a.Assigned != 2 || a.Unassigned() != 1 || a.Memberships != 3 || a.Added != 3 || a.Removed != 0 {
		t.Fatalf("first %+v", a)
	}
	// A's primary moves to y, B leaves x for z, C joins x.
	a = assign(m("A", "x", false), m("A", "y", true), m("B", "z", true), m("C", "x", true))
	if a.First || a.Added != 2 || a.Removed != 1 || a.PrimaryChanged != 1 || a.Unassigned() != 0 {
		t.Fatalf("second %+v", a)
	}
	want := map[string]AssignmentCount{
		"x": {ClusterID: "x", Members: 2, Primary: 1, Added: 1, Removed: 1},
		"y": {ClusterID: "y", Members: 1, Primary: 1},
		"z": {ClusterID: "z", Members: 1, Primary: 1, Added: 1},
	}
	for _, c := range a.Counts {
		if c != want[c.ClusterID] {
			t.Errorf("count %+v, want %+v", c, want[c.ClusterID])
		}
	}
	ch, err := st.MembershipChanges(ctx, a.ID, 0)
	if err != nil || len(ch) != 5 {
		t.Fatalf("changes %+v %v", ch, err)
	}
	latest, err := st.LatestAssignment(ctx, "sys")
	if err != nil || latest.ID != a.ID || latest.First || len(latest.Counts) != 3 {
		t.Errorf("latest %+v %v", latest, err)
	}
	if _, err := st.LatestAssignment(ctx, "other"); indus.Code(err) != indus.ENotFound {
		t.Errorf("unassigned system: %v", err)
	}
	// A failing fill changes nothing.
	_, err = st.ReplaceMemberships(ctx, AssignmentMeta{SystemID: "sys"}, func(add func(MembershipRow) error) error {
		add(m("A", "q", true))
		return fmt.Errorf("boom")
	})
	if err == nil {
		t.Fatal("want the fill's error")
	}
	if rows, _ := st.Memberships(ctx, "sys", "A"); len(rows) != 2 || rows[0].ClusterID != "y" {
		t.Errorf("memberships after a failed assignment %+v", rows)
	}
	if stale, _ := st.MembershipsStale(ctx, "sys"); stale {
		t.Error("nothing changed since the assignment")
	}
	load(t, st, indus.KindEnterprises, func(l *Load) {
		l.AppendEnterprise(2, &indus.Enterprise{USCC: "D", Name: "D", UnitCode: "500103"})
	})
	if stale, _ := st.MembershipsStale(ctx, "sys"); !stale {
		t.Error("a new enterprise batch makes memberships stale")
	}
	if _, stale, _ := st.ClusterState(ctx, "sys"); !stale {
		t.Error("ClusterState must agree")
	}
}

package analysis

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
)

// Cells of one or two enterprises are withheld from callers who may not
// see those enterprises: a viewer everywhere, a unit official outside
// its units (and a park-scoped one everywhere); the territory-wide roles
// see everything. Every other row is exactly what the analyst sees.
func TestSmallCellsAreWithheld(t *testing.T) {
	st, _ := clusterFixture(t)
	bg := context.Background()
	opts := ReportOptions{Period: Period{Kind: PeriodMonth, Year: 2024, Month: 6}}
	full, err := ClusterReport(bg, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    indus.Principal
		sees func(kind, code string) bool
	}{
		{"analyst", indus.Principal{Name: "a", Role: indus.RoleAnalyst}, func(string, string) bool { return true }},
		{"viewer", indus.Principal{Name: "v", Role: indus.RoleViewer}, func(string, string) bool { return false }},
		{"unit official", indus.Principal{Name: "u", Role: indus.RoleUnit, Units: []string{yuzhong}},
			func(kind, code string) bool { return kind == cluster.GeoUnit && code == yuzhong }},
		{"park official", indus.Principal{Name: "p", Role: indus.RoleUnit, Units: []string{yuzhong}, Park: "某园区"}, func(string, string) bool { return false }},
	} {
		ctx := indus.WithPrincipal(bg, c.p)
		rep, err := ClusterReport(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != len(full.Rows) {
			t.Fatalf("%s: %d rows, the analyst %d", c.name, len(rep.Rows), len(full.Rows))
		}
		withheld, trajectories := 0, 0
		for i, got := range rep.Rows {
			want := full.Rows[i]
			hidden := func(n int64) bool { return n > 0 && n < 3 && !c.sees(want.GeographyKind, want.Geography) }
			small := hidden(want.Enterprises)
			if !small {
				// The cell itself may be large enough while the years its
				// trajectory is judged on are not (software reports
				// annually: one firm).
				if want.Trajectory != nil && hidden(want.Trajectory.Enterprises) {
					trajectories++
					want.Trajectory, want.TargetValue, want.TargetYear, want.Status = nil, nil, 0, StatusWithheld
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %s × %s differs from the analyst's:\n%+v\n%+v", c.name, want.ClusterID, want.Geography, got, want)
				}
				continue
			}
			withheld++
			if !got.Withheld || got.Status != StatusWithheld || got.Enterprises != want.Enterprises || got.OutputValue != 0 ||
				got.Revenue != 0 || got.Employees != 0 || got.Electricity != 0 || got.YoYGrowth != nil || got.ShareOfCity != nil ||
				got.HHI != nil || got.Top10Share != nil || got.TargetValue != nil || got.Trajectory != nil || got.Entrants != 0 {
				t.Errorf("%s: %s × %s (%d enterprises) not withheld: %+v", c.name, want.ClusterID, want.Geography, want.Enterprises, got)
			}
			b, _ := json.Marshal(got)
			if !strings.Contains(string(b), `"output_value":null`) || !strings.Contains(string(b), `"electricity_kwh":null`) ||
				!strings.Contains(string(b), `"withheld":true`) {
				t.Errorf("%s: a withheld row in JSON: %s", c.name, b)
			}
		}
		if c.name == "analyst" && withheld+trajectories != 0 || c.name != "analyst" && (withheld == 0 || trajectories == 0) {
			t.Errorf("%s: %d rows and %d trajectories withheld", c.name, withheld, trajectories)
		}
	}
	// The new-energy-vehicle cluster has three firms in the city (A, B, D)
	// and one (A) in Yuzhong.
	viewer := indus.WithPrincipal(bg, indus.Principal{Name: "v", Role: indus.RoleViewer})
	rep, _ := ClusterReport(viewer, st, opts)
	if city, yz := findRow(t, rep, "nev", "city"), findRow(t, rep, "nev", yuzhong); city.Withheld || city.OutputValue != 190 || !yz.Withheld {
		t.Errorf("nev: city %+v, Yuzhong %+v", city, yz)
	}
}

// The other views of cluster cells follow the same rule: the
// specialisation table, a cluster's yearly series and the trajectory
// warnings.
func TestSmallCellsWithheldEverywhere(t *testing.T) {
	st, _ := clusterFixture(t)
	bg := context.Background()
	viewer := indus.WithPrincipal(bg, indus.Principal{Name: "v", Role: indus.RoleViewer})
	p := Period{Kind: PeriodYear, Year: 2024}
	full, err := GetSpecialisation(bg, st, SpecOptions{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	got, err := GetSpecialisation(viewer, st, SpecOptions{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	withheld := 0
	for i, r := range got.Rows {
		w := full.Rows[i]
		if w.Enterprises > 0 && w.Enterprises < 3 {
			withheld++
			if !r.Withheld || r.LQEmployment != nil || r.LQOutput != nil || r.Employees != 0 || r.OutputValue != 0 || r.Strong || r.Stars != 0 {
				t.Errorf("specialisation %s × %s not withheld: %+v", r.ClusterID, r.Unit, r)
			}
			if b, _ := json.Marshal(r); !strings.Contains(string(b), `"employees":null`) {
				t.Errorf("specialisation in JSON: %s", b)
			}
		} else if !reflect.DeepEqual(r, w) {
			t.Errorf("specialisation %s × %s differs: %+v %+v", r.ClusterID, r.Unit, r, w)
		}
	}
	if withheld == 0 {
		t.Error("no specialisation cell withheld")
	}
	// A cluster with one or two firms in the whole city: its yearly series.
	rep, err := ClusterReport(bg, st, ReportOptions{Period: p, Geo: GeoCity})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, row := range rep.Rows {
		if row.ClusterID == AllIndustryID || row.Enterprises == 0 || row.Enterprises >= 3 {
			continue
		}
		d, err := GetClusterDetail(viewer, st, row.ClusterID, p, "en")
		if err != nil {
			t.Fatal(err)
		}
		if !d.City.Withheld {
			t.Errorf("%s: the city row is shown: %+v", row.ClusterID, d.City)
		}
		for _, pt := range d.Series {
			if pt.Enterprises > 0 && pt.Enterprises < 3 && (!pt.Withheld || pt.OutputValue != 0 || pt.Revenue != 0 || pt.YoYGrowth != nil) {
				t.Errorf("%s %d: a small year is shown: %+v", row.ClusterID, pt.Year, pt)
			}
			if b, _ := json.Marshal(pt); pt.Withheld && !strings.Contains(string(b), `"output_value":null`) {
				t.Errorf("a withheld year in JSON: %s", b)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Error("the fixture has no cluster with one or two firms in the city")
	}
	// A cluster's monthly series: the months with one or two firms.
	monthsWithheld := 0
	for _, id := range []string{"nev", "electronics", "software", "food"} {
		pts, err := ClusterMonths(viewer, st, id, indus.Month{Year: 2024, Month: 6}, 14)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range pts {
			m, _ := indus.ParseMonth(pt.Month)
			mrep, err := ClusterReport(bg, st, ReportOptions{Period: Period{Kind: PeriodMonth, Year: m.Year, Month: int(m.Month)}, Geo: GeoCity, ClusterID: id})
			if err != nil {
				t.Fatal(err)
			}
			n := findRow(t, mrep, id, "city").Enterprises
			if small := n > 0 && n < 3; small != pt.Withheld || small && (pt.Output != nil || pt.Growth != nil) {
				t.Errorf("%s %s (%d firms): %+v", id, pt.Month, n, pt)
			}
			if pt.Withheld {
				monthsWithheld++
			}
		}
	}
	if monthsWithheld == 0 {
		t.Error("no month withheld")
	}
	// Warnings: a viewer gets no trajectory warning whose cell is small.
	wl, err := Warnings(viewer, st, WarningOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wl.Items {
		if w.Type == WarnUnitTrajectory || w.Type == WarnClusterTrajectory {
			kind, code := cluster.GeoCity, cluster.CityCode
			if w.Unit != "" {
				kind, code = cluster.GeoUnit, w.Unit
			}
			if r := findRowOrZero(rep, w.ClusterID, code); r.Enterprises > 0 && r.Enterprises < 3 {
				t.Errorf("a %s warning on a small cell (%s × %s %s)", w.Type, w.ClusterID, kind, code)
			}
		}
	}
}

func findRowOrZero(rep *Report, clusterID, geo string) ReportRow {
	for _, r := range rep.Rows {
		if r.ClusterID == clusterID && r.Geography == geo {
			return r
		}
	}
	return ReportRow{}
}

package complexity

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
)

// The fixture (testdata/, from the Growth Lab's py-ecomplexity tests) is the
// output of Stata's ecomplexity on trade_data_sample_1995.csv (10 countries ×
// 30 HS92 products) for four of the countries. Stata stored export_val as a
// 32-bit float: the fixture's export_val column is exactly float32(input),
// and RCA computed from those values matches to ~1e-16, from the float64
// inputs to ~1e-7.

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadTradeSample(t testing.TB, float32Inputs bool) Data {
	recs := readCSV(t, "testdata/trade_data_sample_1995.csv")
	var obs []Observation
	for _, r := range recs[1:] { // year, origin, hs92, export_val
		v := atof(t, r[3])
		if float32Inputs {
			v = float64(float32(v))
		}
		obs = append(obs, Observation{Region: r[1], Activity: r[2], Value: v})
	}
	return Pivot(obs)
}

var stataColumns = []string{"export_val", "rca", "M", "density", "eci", "pci", "diversity", "ubiquity", "coi", "cog"}

// stataDeviations returns the largest absolute difference per column.
func stataDeviations(t testing.TB, res *Result) map[string]float64 {
	truth := readCSV(t, "testdata/stata_ground_truth_1995_aut_blx_che_deu.csv")
	col := map[string]int{}
	for i, h := range truth[0] {
		col[h] = i
	}
	ri := map[string]int{}
	for i, r := range res.Regions {
		ri[r] = i
	}
	ai := map[string]int{}
	for j, a := range res.Activities {
		ai[a] = j
	}
	dev := map[string]float64{}
	for _, row := range truth[1:] {
		i, ok1 := ri[row[col["origin"]]]
		j, ok2 := ai[row[col["hs92"]]]
		if !ok1 || !ok2 {
			t.Fatalf("fixture row %v not in the result", row)
		}
		c := res.Cell(i, j)
		got := map[string]float64{
			"export_val": res.Value[c],
			"rca":        res.RCA[c],
			"M":          res.M[c],
			"density":    res.Density[c],
			"eci":        res.ECI[i],
			"pci":        res.PCI[j],
			"diversity":  float64(res.Diversity[i]),
			"ubiquity":   float64(res.Ubiquity[j]),
			"coi":        res.COI[i],
			"cog":        res.COG[c],
		}
		for _, name := range stataColumns {
			want := atof(t, row[col[name]])
			d := math.Abs(got[name] - want)
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			dev[name] = math.Max(dev[name], d)
		}
	}
	if len(truth)-1 != 120 {
		t.Fatalf("fixture has %d rows, want 120", len(truth)-1)
	}
	return dev
}

func TestStataFixture(t *testing.T) {
	for _, tc := range []struct {
		name          string
		float32Inputs bool
		exportValTol  float64
	}{
		// Inputs rounded to float32 as Stata stored them: every column agrees
		// to rounding error.
		{"float32 inputs as Stata", true, 0},
		// The float64 inputs: RCA differs by ~1e-7, everything within 1e-6.
		{"float64 inputs", false, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compute(loadTradeSample(t, tc.float32Inputs), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) > 0 || len(res.DroppedRegions) > 0 || len(res.DroppedActivities) > 0 {
				t.Errorf("unexpected warnings %q, dropped %q %q", res.Warnings, res.DroppedRegions, res.DroppedActivities)
			}
			dev := stataDeviations(t, res)
			for _, name := range stataColumns {
				tol := 1e-6
				if name == "export_val" {
					tol = tc.exportValTol
				}
				t.Logf("max |Indus − Stata| %-10s %.3g", name, dev[name])
				if dev[name] > tol {
					t.Errorf("%s: max deviation %g > %g", name, dev[name], tol)
				}
			}
			if tc.float32Inputs {
				// With Stata's inputs the agreement is at rounding level.
				for _, name := range stataColumns {
					if dev[name] > 1e-12 {
						t.Errorf("%s: max deviation %g > 1e-12 with float32 inputs", name, dev[name])
					}
				}
			}
		})
	}
}

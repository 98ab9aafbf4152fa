package analysis

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/store"
)

// writeHandCSV writes the by-hand firms as canonical files: a BOM, CRLF
// line ends, business scopes quoted with commas, doubled quotes and a line
// break, facts for 2021 (skipped), 2022 and 2023, and the above_size
// column; rows shuffled unless sorted.
func writeHandCSV(t *testing.T, dir string, sorted bool, seed uint64) {
	t.Helper()
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	facts := handFacts()
	var ents, ann []string
	for k, f := range facts {
		scope := fmt.Sprintf(`"制造, 销售 ""%d""`+"\r\n"+`第二行"`, k)
		ents = append(ents, strings.Join([]string{f.USCC, f.Name, f.UnitCode, f.Park, f.IndustryCode, scope, "true",
			f.Founded.Format(time.DateOnly), "999", "certificate"}, ","))
		for _, y := range []int{2021, 2022, 2023} {
			land, rev := num(f.LandMu), num(f.Revenue)
			above := strconv.FormatBool(f.AboveSize)
			if y == 2022 {
				above = strconv.FormatBool(f.PrevAboveSize)
			}
			if y == 2023 && f.USCC == "F3" {
				land = "" // from enterprises.csv: 999
			}
			ann = append(ann, strings.Join([]string{f.USCC, strconv.Itoa(y), land, rev, num(f.OutputValue), num(f.ValueAdded), num(f.Tax),
				num(f.EnergyTCE), num(f.ElectricityKWh), num(f.EmissionsT), num(f.RDSpend), num(f.Employees),
				strconv.FormatBool(f.SafetyAccident && y == 2023), strconv.FormatBool(f.EnvViolation && y == 2023),
				strconv.FormatBool(f.UnderConstruction && y == 2023), "false", above}, ","))
		}
	}
	order := func(rows []string) {
		if sorted {
			slicesSortStrings(rows)
			return
		}
		r := rand.New(rand.NewPCG(seed, 1))
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	order(ents)
	order(ann)
	e := "\ufeffuscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\r\n" + strings.Join(ents, "\r\n") + "\r\n"
	a := "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees," +
		"safety_accident,env_violation,under_construction,utility,above_size\n" + strings.Join(ann, "\n") // no final line end
	os.WriteFile(filepath.Join(dir, "enterprises.csv"), []byte(e), 0o644)
	os.WriteFile(filepath.Join(dir, "annual.csv"), []byte(a), 0o644)
}

func slicesSortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestReadEvaluationFactsCSV(t *testing.T) {
	want := map[string]store.EvaluationFact{}
	for _, f := range handFacts() {
		want[f.USCC] = f
	}
	for _, block := range []int{8 << 20, 97, 31} {
		for _, sorted := range []bool{true, false} {
			t.Run(fmt.Sprintf("block %d sorted %v", block, sorted), func(t *testing.T) {
				defer func(b int) { csvBlock = b }(csvBlock)
				csvBlock = block
				dir := t.TempDir()
				writeHandCSV(t, dir, sorted, uint64(block))
				facts, err := ReadEvaluationFactsCSV(dir, 2023)
				if err != nil {
					t.Fatal(err)
				}
				if len(facts) != len(want) {
					t.Fatalf("%d facts, want %d", len(facts), len(want))
				}
				for _, f := range facts {
					w := want[f.USCC]
					if f.USCC == "F3" {
						w.LandMu = 999
					}
					// The files carry every field the store would, NaN for the empty ones.
					if fmt.Sprintf("%+v", f) != fmt.Sprintf("%+v", w) {
						t.Errorf("%s:\n got %+v\nwant %+v", f.USCC, f, w)
					}
				}
				ev, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: parseHand(t, handScheme), Year: 2023})
				if err != nil {
					t.Fatal(err)
				}
				if c := ev.Counts(); c["A"] != 1 || c["U"] != 1 {
					t.Errorf("classes %v", c)
				}
			})
		}
	}
	dir := t.TempDir()
	writeHandCSV(t, dir, true, 1)
	b, _ := os.ReadFile(filepath.Join(dir, "annual.csv"))
	os.WriteFile(filepath.Join(dir, "annual.csv"), []byte(strings.Replace(string(b), ",2023,10,", ",2023,ten,", 1)), 0o644)
	if _, err := ReadEvaluationFactsCSV(dir, 2023); err == nil || !strings.Contains(err.Error(), "annual.csv: row ") ||
		!strings.Contains(err.Error(), `land_mu: "ten" is not a number`) {
		t.Errorf("bad number: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "annual.csv"), []byte("uscc,year\nF1,2023\n"), 0o644)
	if _, err := ReadEvaluationFactsCSV(dir, 2023); err == nil || !strings.Contains(err.Error(), `no column "land_mu"`) {
		t.Errorf("missing column: %v", err)
	}
}

func TestFastDecimalMatchesParseFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := []string{"0", "-0", "1", "20182.67", "12233719", "19.839", "0.1", "123456789012345", "1234567890123456",
		"0.000000000000001", "99999999999999.9", "-5.5", "1.", ".5", "1e3", "nan", "--1", "1.2.3", "007.50"}
	for k := 0; k < 20000; k++ {
		v := math.Exp(r.NormFloat64()*8) * float64(1-2*r.IntN(2))
		cases = append(cases, strconv.FormatFloat(v, 'f', r.IntN(8), 64), strconv.FormatFloat(v, 'f', -1, 64))
	}
	for _, c := range cases {
		want, werr := strconv.ParseFloat(c, 64)
		if werr == nil && (math.IsNaN(want) || math.IsInf(want, 0)) {
			werr = fmt.Errorf("not finite") // parseNum refuses them
		}
		got, gerr := parseNum([]byte(c))
		if (werr == nil) != (gerr == nil) || (werr == nil && math.Float64bits(got) != math.Float64bits(want)) {
			t.Errorf("%q: %v %v, want %v %v", c, got, gerr, want, werr)
		}
	}
}

// The compact CSV written straight from memory equals what the generic
// path (cells through export.FormatCell and encoding/csv) writes.
func TestCompactRecordMatchesGenericPath(t *testing.T) {
	facts := handFacts()
	facts[0].Name = `=SUM(A1), "quoted"`
	facts[1].Name = " leading space"
	facts[2].Name = "line\nbreak"
	ev, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: parseHand(t, handScheme), Year: 2023, NoExplain: true})
	if err != nil {
		t.Fatal(err)
	}
	tab := ev.Table(EvaluateOptions{Scheme: parseHand(t, handScheme), Year: 2023}, LevelEnterprise, true)
	fast := filepath.Join(t.TempDir(), "fast.csv")
	if _, err := tab.Write(fast); err != nil {
		t.Fatal(err)
	}
	// The generic path: cells through export.FormatCell and encoding/csv,
	// as export's CSV writer writes them.
	var slow strings.Builder
	slow.WriteString("\ufeff")
	cw := csv.NewWriter(&slow)
	cw.Write(tab.Header())
	for k := 0; k < tab.Len(); k++ {
		rec, _, err := tab.RecordAt(k, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cw.Write(rec)
	}
	cw.Flush()
	a, _ := os.ReadFile(fast)
	b := slow.String()
	if string(a) != b {
		t.Errorf("fast path:\n%s\ngeneric:\n%s", a, b)
	}
	for _, v := range []float64{0, -0.5, 1e21, 123.456, math.Inf(1), math.Inf(-1), math.NaN(), 1.0 / 3} {
		if csvFloat(v) != export.FormatCell(v) {
			t.Errorf("csvFloat(%v) = %q, export.FormatCell %q", v, csvFloat(v), export.FormatCell(v))
		}
	}
	if !strings.Contains(string(a), `"'=SUM(A1), ""quoted"""`) {
		t.Errorf("formula not neutralised and quoted:\n%s", a)
	}
}

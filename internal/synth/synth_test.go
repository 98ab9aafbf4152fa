package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// The city dataset for seed 1 is generated once and shared by the tests
// that only read it.
var (
	cityOnce sync.Once
	cityDir  string
	cityMan  *Manifest
	cityErr  error
	cityData *dataset
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cityDir != "" {
		os.RemoveAll(filepath.Dir(cityDir))
	}
	os.Exit(code)
}

func city(t *testing.T) (string, *Manifest, *dataset) {
	t.Helper()
	cityOnce.Do(func() {
		root, err := os.MkdirTemp("", "synth-city-")
		if err != nil {
			cityErr = err
			return
		}
		cityDir = filepath.Join(root, "out")
		cityMan, cityErr = Generate(context.Background(), Config{Seed: 1}, cityDir)
		if cityErr == nil {
			cityData, cityErr = readDataset(cityDir)
		}
	})
	if cityErr != nil {
		t.Fatal(cityErr)
	}
	return cityDir, cityMan, cityData
}

// dataset is the three CSV files as read back.
type dataset struct {
	header  map[string][]string
	ent     [][]string
	annual  [][]string
	monthly [][]string
	man     *Manifest
}

func readCSV(path string) ([]string, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	rows, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: empty", path)
	}
	return rows[0], rows[1:], nil
}

func readDataset(dir string) (*dataset, error) {
	d := &dataset{header: map[string][]string{}}
	for _, x := range []struct {
		name string
		dst  *[][]string
	}{{EnterprisesFile, &d.ent}, {AnnualFile, &d.annual}, {MonthlyFile, &d.monthly}} {
		h, rows, err := readCSV(filepath.Join(dir, x.name))
		if err != nil {
			return nil, err
		}
		d.header[x.name] = h
		*x.dst = rows
	}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	d.man = &Manifest{}
	if err := json.Unmarshal(b, d.man); err != nil {
		return nil, err
	}
	return d, nil
}

// fixed parses a non-negative decimal written with at most dec decimals into
// an integer of 10^-dec units; ok is false for an empty cell.
func fixed(t *testing.T, s string, dec int) (int64, bool) {
	t.Helper()
	if s == "" {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) != dec {
		t.Fatalf("value %q: want exactly %d decimals", s, dec)
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 {
		t.Fatalf("value %q is not a non-negative number", s)
	}
	return v, true
}

func boolCell(t *testing.T, s string) bool {
	t.Helper()
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	t.Fatalf("boolean cell %q: want true or false", s)
	return false
}

// Column indexes of annual.csv.
const (
	aUSCC = iota
	aYear
	aLand
	aRevenue
	aOutput
	aVA
	aTax
	aEnergy
	aElec
	aEmis
	aRD
	aEmp
	aSafety
	aEnv
	aConstruction
	aUtility
	aAbove
)

// annualDecimals are the decimals of annual columns 2–11.
var annualDecimals = map[int]int{aLand: 2, aRevenue: 2, aOutput: 2, aVA: 2, aTax: 2, aEnergy: 2, aElec: 0, aEmis: 3, aRD: 2, aEmp: 0}

// corrected returns annual.csv's rows with every listed unit slip replaced
// by its correct value, as an importer that detected them would.
func corrected(m *Manifest, d *dataset) [][]string {
	col := map[string]int{}
	for i, h := range AnnualHeader {
		col[h] = i
	}
	fix := map[string][]UnitSlip{}
	for _, s := range m.Imperfection.UnitSlips {
		if s.File == AnnualFile {
			k := fmt.Sprintf("%s/%d", s.USCC, s.Year)
			fix[k] = append(fix[k], s)
		}
	}
	out := make([][]string, len(d.annual))
	for i, r := range d.annual {
		out[i] = r
		if ss, ok := fix[r[aUSCC]+"/"+r[aYear]]; ok {
			c := slices.Clone(r)
			for _, s := range ss {
				c[col[s.Field]] = s.Correct
			}
			out[i] = c
		}
	}
	return out
}

func TestHeaders(t *testing.T) {
	_, _, d := city(t)
	want := map[string]string{
		EnterprisesFile: "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source",
		AnnualFile:      "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility",
		MonthlyFile:     "uscc,month,output_value,revenue,electricity_kwh,employees",
	}
	for name, w := range want {
		got := strings.Join(d.header[name], ",")
		// The canonical columns come first, in order; annual.csv adds above_size at the end.
		if !strings.HasPrefix(got, w) {
			t.Errorf("%s header = %q, want it to start with %q", name, got, w)
		}
		if name == AnnualFile && got != w+",above_size" {
			t.Errorf("%s header = %q, want the canonical columns then above_size", name, got)
		}
		if name != AnnualFile && got != w {
			t.Errorf("%s header = %q, want %q", name, got, w)
		}
	}
}

func TestDeterminism(t *testing.T) {
	dir1, _, _ := city(t)
	dir2 := filepath.Join(t.TempDir(), "again")
	if _, err := Generate(context.Background(), Config{Seed: 1, Scale: ScaleCity, FromYear: 2019, ToYear: 2025}, dir2); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{EnterprisesFile, AnnualFile, MonthlyFile, ManifestFile} {
		a, _ := os.ReadFile(filepath.Join(dir1, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with seed 1 (%d vs %d bytes)", name, len(a), len(b))
		}
	}
	dir3 := filepath.Join(t.TempDir(), "seed2")
	m3, err := Generate(context.Background(), Config{Seed: 2}, dir3)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{EnterprisesFile, AnnualFile, MonthlyFile} {
		a, _ := os.ReadFile(filepath.Join(dir1, name))
		b, _ := os.ReadFile(filepath.Join(dir3, name))
		if bytes.Equal(a, b) {
			t.Errorf("%s is the same for seeds 1 and 2", name)
		}
	}
	// The manifest's hashes are those of the files.
	for name, fm := range m3.Files {
		b, _ := os.ReadFile(filepath.Join(dir3, name))
		if got := sha256Hex(b); got != fm.SHA256 || int64(len(b)) != fm.Bytes {
			t.Errorf("%s: manifest says %s (%d bytes), file is %s (%d bytes)", name, fm.SHA256, fm.Bytes, got, len(b))
		}
	}
}

// Bands derived from DOMAIN.md §1–§2 (not from the generator's tables):
// cluster scales of 2023 within ±15 %, above-size revenue 2.7–3.0 trillion
// yuan, a few dozen firms above 10 bn (27 in 2021) and about 50 above 5 bn
// (51), per-mu baselines 18.98 / 166.87 / 734.17 within ±15 %, about 7,000
// above-size (7,098 in 2021) and 15,000 below-size firms.
var (
	domainClusters = []struct {
		id     string
		codes  []string
		target float64 // 100 million yuan
	}{
		{"nev", []string{"361", "362", "363", "365", "366", "367", "3841"}, 6000},
		{"electronics", []string{"39"}, 7000},
		{"advanced_materials", []string{"265", "266", "28", "3061", "3062", "31", "32", "33"}, 6400},
		{"food", []string{"13", "14", "15"}, 2600},
	}
	bandRevenue     = [2]float64{27000, 30000} // 100 million yuan
	bandAbove10bn   = [2]float64{20, 40}
	bandAbove5bn    = [2]float64{38, 65}
	bandTaxPerMu    = [2]float64{18.98 * 0.85, 18.98 * 1.15}
	bandVAPerMu     = [2]float64{166.87 * 0.85, 166.87 * 1.15}
	bandOutputPerMu = [2]float64{734.17 * 0.85, 734.17 * 1.15}
	bandAbove2023   = [2]float64{6300, 7700}
	bandAboveFlag   = [2]float64{6300, 9000} // status in the last year, after two years of growth
	bandBelowFlag   = [2]float64{13000, 17000}
	bandSoftware    = [2]float64{1000, 9000}
)

func inBand(t *testing.T, what string, x float64, band [2]float64) {
	t.Helper()
	if x < band[0] || x > band[1] {
		t.Errorf("%s = %.2f, outside the band [%.2f, %.2f]", what, x, band[0], band[1])
	}
}

func TestCalibrationBands(t *testing.T) {
	_, m, _ := city(t)
	k := m.Calibration
	if k.Year != 2023 {
		t.Fatalf("calibration year %d", k.Year)
	}
	for _, dc := range domainClusters {
		found := false
		for _, c := range k.Clusters {
			if c.ID == dc.id {
				found = true
				inBand(t, "2023 output of "+dc.id, c.Output100M, [2]float64{dc.target * 0.85, dc.target * 1.15})
				if !slices.Equal(c.Codes, dc.codes) {
					t.Errorf("cluster %s codes %v, DOMAIN.md's default mapping is %v", dc.id, c.Codes, dc.codes)
				}
			}
		}
		if !found {
			t.Errorf("manifest lacks cluster %s", dc.id)
		}
	}
	inBand(t, "above-size industrial revenue 2023", k.AboveSizeRevenue100M, bandRevenue)
	inBand(t, "firms above 10 bn yuan", float64(k.FirmsRevenueAbove10bn), bandAbove10bn)
	inBand(t, "firms above 5 bn yuan", float64(k.FirmsRevenueAbove5bn), bandAbove5bn)
	inBand(t, "tax per mu", k.PerMu.TaxPerMu, bandTaxPerMu)
	inBand(t, "value added per mu", k.PerMu.VAPerMu, bandVAPerMu)
	inBand(t, "output per mu", k.PerMu.OutputPerMu, bandOutputPerMu)
	inBand(t, "above-size firms 2023", float64(k.AboveSizeFirms), bandAbove2023)
	inBand(t, "above-size firms 2023 (counts)", float64(m.Counts.AboveSizeByYear["2023"]), bandAbove2023)
	inBand(t, "enterprises flagged above-size", float64(m.Counts.IndustrialAboveSize), bandAboveFlag)
	inBand(t, "enterprises flagged below-size", float64(m.Counts.IndustrialBelowSize), bandBelowFlag)
	inBand(t, "software firms", float64(m.Counts.Software), bandSoftware)
	// Plausible spreads: medians below the land-weighted aggregates (big
	// firms use land intensively) but of the same order, and a wide P10–P90.
	p := k.PerMu
	for _, x := range []struct {
		what        string
		median, agg float64
	}{{"tax", p.MedianTaxPerMu, p.TaxPerMu}, {"value added", p.MedianVAPerMu, p.VAPerMu}, {"output", p.MedianOutputPerMu, p.OutputPerMu}} {
		if x.median <= 0.3*x.agg || x.median > 1.3*x.agg {
			t.Errorf("median %s per mu %.2f is implausible next to the aggregate %.2f", x.what, x.median, x.agg)
		}
	}
	if p.P90OutputPerMu < 3*p.P10OutputPerMu {
		t.Errorf("output per mu P10 %.0f, P90 %.0f: spread too narrow", p.P10OutputPerMu, p.P90OutputPerMu)
	}
}

// TestCalibrationFromFiles recomputes the calibration figures from the CSV
// files, with the test's own cluster mapping, and checks the manifest
// reports what the files hold.
func TestCalibrationFromFiles(t *testing.T) {
	_, m, d := city(t)
	class := map[string]string{}
	for _, r := range d.ent {
		class[r[0]] = r[4]
	}
	cell := func(r []string, col int) (int64, bool) { return fixed(t, r[col], annualDecimals[col]) }
	clusterOut := map[string]int64{}
	var rev, land, out, va, landT, tax int64
	var n10, n5, nAbove int
	for _, r := range corrected(m, d) {
		if r[aYear] != "2023" || !boolCell(t, r[aAbove]) {
			continue
		}
		cl := class[r[aUSCC]]
		if d, _ := strconv.Atoi(cl[:2]); d >= 64 {
			continue // software
		}
		nAbove++
		rv, _ := cell(r, aRevenue)
		o, _ := cell(r, aOutput)
		rev += rv
		if rv > 1e8 {
			n10++
		}
		if rv > 5e7 {
			n5++
		}
		for _, dc := range domainClusters {
			for _, code := range dc.codes {
				if strings.HasPrefix(cl, code) {
					clusterOut[dc.id] += o
				}
			}
		}
		if div, _ := strconv.Atoi(cl[:2]); div < 13 || div > 43 {
			continue
		}
		l, ok := cell(r, aLand)
		if !ok || l == 0 {
			continue
		}
		v, _ := cell(r, aVA)
		land += l
		out += o
		va += v
		if tx, ok := cell(r, aTax); ok {
			landT += l
			tax += tx
		}
	}
	k := m.Calibration
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.011 {
			t.Errorf("%s: files give %.4f, manifest says %.2f", what, got, want)
		}
	}
	for _, c := range k.Clusters {
		near("output of "+c.ID, float64(clusterOut[c.ID])/1e6, c.Output100M)
	}
	near("above-size revenue", float64(rev)/1e6, k.AboveSizeRevenue100M)
	near("tax per mu", float64(tax)/float64(landT), k.PerMu.TaxPerMu)
	near("value added per mu", float64(va)/float64(land), k.PerMu.VAPerMu)
	near("output per mu", float64(out)/float64(land), k.PerMu.OutputPerMu)
	if n10 != k.FirmsRevenueAbove10bn || n5 != k.FirmsRevenueAbove5bn || nAbove != k.AboveSizeFirms {
		t.Errorf("files: %d above-size, %d > 10 bn, %d > 5 bn; manifest: %d, %d, %d", nAbove, n10, n5,
			k.AboveSizeFirms, k.FirmsRevenueAbove10bn, k.FirmsRevenueAbove5bn)
	}
}

func TestEnterprises(t *testing.T) {
	_, m, d := city(t)
	ind := refdata.GBT4754()
	allowed := map[string]bool{"500000": true}
	for _, u := range refdata.Units() {
		if _, err := strconv.Atoi(u.Code); err == nil {
			allowed[u.Code] = true
		}
	}
	seen, names := map[string]bool{}, map[string]bool{}
	var above, below, software, noPark int
	unitCount := map[string]int{}
	for i, r := range d.ent {
		line := i + 2
		code := r[0]
		if p, msg := indus.CheckUSCC(code); p != indus.USCCValid {
			t.Fatalf("enterprises.csv line %d: %s", line, msg)
		}
		if seen[code] {
			t.Fatalf("enterprises.csv line %d: duplicate USCC %s", line, code)
		}
		seen[code] = true
		if div := indus.USCCDivision(code); !strings.HasPrefix(div, "50") || !allowed[div] {
			t.Errorf("line %d: USCC %s registers in %s, not a Chongqing division", line, code, div)
		}
		if names[r[1]] {
			t.Errorf("line %d: duplicate name %s", line, r[1])
		}
		names[r[1]] = true
		if !strings.Contains(r[1], "重庆") || !strings.HasSuffix(r[1], "公司") {
			t.Errorf("line %d: implausible name %q", line, r[1])
		}
		u, ok := refdata.UnitByCode(r[2])
		if !ok {
			t.Fatalf("line %d: unknown unit code %q", line, r[2])
		}
		if r[3] == "" {
			noPark++
		}
		it, ok := ind.Lookup(r[4])
		if !ok || it.Level != refdata.LevelClass {
			t.Fatalf("line %d: %q is not a GB/T 4754 class", line, r[4])
		}
		if r[5] == "" {
			t.Errorf("line %d: empty business scope", line)
		}
		isAbove := boolCell(t, r[6])
		div, _ := strconv.Atoi(r[4][:2])
		switch {
		case div == 64 || div == 65:
			software++
			if r[8] != "" || r[9] != "" {
				t.Errorf("line %d: software firm with land", line)
			}
		case div < 6 || div > 46:
			t.Errorf("line %d: class %s is neither industrial nor software", line, r[4])
		case isAbove:
			above++
			unitCount[u.Region]++
			unitCount[u.Code]++
		default:
			below++
		}
		if _, err := parseDate(r[7]); err != nil {
			t.Errorf("line %d: founded %q: %v", line, r[7], err)
		}
		if r[8] == "" {
			if r[9] != "" {
				t.Errorf("line %d: land source without land", line)
			}
		} else {
			fixed(t, r[8], 2)
			if !indus.LandSource(r[9]).Valid() || r[9] == "" {
				t.Errorf("line %d: land source %q", line, r[9])
			}
		}
	}
	if above != m.Counts.IndustrialAboveSize || below != m.Counts.IndustrialBelowSize || software != m.Counts.Software {
		t.Errorf("file: %d above, %d below, %d software; manifest %d, %d, %d", above, below, software,
			m.Counts.IndustrialAboveSize, m.Counts.IndustrialBelowSize, m.Counts.Software)
	}
	if noPark == 0 || noPark > len(d.ent)/2 {
		t.Errorf("%d of %d firms have no park", noPark, len(d.ent))
	}
	// Geography: Liangjiang the biggest unit; the south-east light.
	if unitCount["southeast"] > above/20 {
		t.Errorf("south-east holds %d of %d above-size firms", unitCount["southeast"], above)
	}
	for _, u := range refdata.Units() {
		if u.Code != "LJ" && unitCount[u.Code] >= unitCount["LJ"] {
			t.Errorf("%s (%d above-size firms) rivals Liangjiang (%d)", u.NameEn, unitCount[u.Code], unitCount["LJ"])
		}
	}
	if unitCount["metro"] < above*6/10 {
		t.Errorf("metropolitan area holds only %d of %d above-size firms", unitCount["metro"], above)
	}
}

func parseDate(s string) ([3]int, error) {
	var y, mo, dd int
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return [3]int{}, errors.New("want YYYY-MM-DD")
	}
	y, _ = strconv.Atoi(s[:4])
	mo, _ = strconv.Atoi(s[5:7])
	dd, _ = strconv.Atoi(s[8:])
	if y < 1900 || mo < 1 || mo > 12 || dd < 1 || dd > daysIn(y, mo) {
		return [3]int{}, errors.New("not a date")
	}
	return [3]int{y, mo, dd}, nil
}

func TestAnnualRows(t *testing.T) {
	_, m, d := city(t)
	class := map[string]string{}
	for _, r := range d.ent {
		class[r[0]] = r[4]
	}
	slipped := map[string]bool{}
	for _, s := range m.Imperfection.UnitSlips {
		slipped[fmt.Sprintf("%s/%d", s.USCC, s.Year)] = true
	}
	lastYear := map[string]int{}
	for i, r := range d.annual {
		line := i + 2
		if len(r) != len(AnnualHeader) {
			t.Fatalf("annual.csv line %d has %d fields", line, len(r))
		}
		cl, ok := class[r[aUSCC]]
		if !ok {
			t.Fatalf("annual.csv line %d: USCC %s not in enterprises.csv", line, r[aUSCC])
		}
		y, _ := strconv.Atoi(r[aYear])
		if y < 2019 || y > 2025 || y <= lastYear[r[aUSCC]] {
			t.Fatalf("annual.csv line %d: year %s out of range or out of order", line, r[aYear])
		}
		lastYear[r[aUSCC]] = y
		vals := map[int]int64{}
		for col, dec := range annualDecimals {
			if v, ok := fixed(t, r[col], dec); ok {
				vals[col] = v
			}
		}
		for _, col := range []int{aSafety, aEnv, aConstruction, aUtility, aAbove} {
			boolCell(t, r[col])
		}
		div, _ := strconv.Atoi(cl[:2])
		if div >= 64 {
			for _, col := range []int{aLand, aOutput, aVA, aTax, aEnergy, aElec, aEmis, aRD} {
				if r[col] != "" {
					t.Fatalf("annual.csv line %d: software firm reports %s", line, AnnualHeader[col])
				}
			}
			continue
		}
		if got, want := boolCell(t, r[aUtility]), div >= 44 && div <= 46; got != want {
			t.Errorf("annual.csv line %d: utility=%v for class %s", line, got, cl)
		}
		// Electricity is part of total energy: kWh × 0.1229 kgce ≤ tce × 1000.
		if e, ok := vals[aEnergy]; ok {
			if float64(vals[aElec])*0.1229/1000 > float64(e)/100+1e-9 {
				t.Errorf("annual.csv line %d: %d kWh is more than %s tce of energy", line, vals[aElec], r[aEnergy])
			}
		}
		if boolCell(t, r[aConstruction]) {
			if vals[aOutput] != 0 || boolCell(t, r[aAbove]) {
				t.Errorf("annual.csv line %d: a construction site with output %s or above size", line, r[aOutput])
			}
		}
		if boolCell(t, r[aAbove]) && !slipped[r[aUSCC]+"/"+r[aYear]] && vals[aRevenue] < 200000 {
			t.Errorf("annual.csv line %d: above-size with revenue %s < 2,000 (10k yuan)", line, r[aRevenue])
		}
	}
}

// TestMonthlySumsToAnnual: every above-size industrial firm-year has twelve
// months whose output, revenue and electricity sum exactly to the annual
// values (employees average to it), except where the annual value is a
// listed unit slip; no other firm-year has monthly rows.
func TestMonthlySumsToAnnual(t *testing.T) {
	_, m, d := city(t)
	type key struct{ uscc, year string }
	type sums struct {
		out, rev, elec, emp int64
		months              int
	}
	monthly := map[key]*sums{}
	for i, r := range d.monthly {
		if len(r[1]) != 7 || r[1][4] != '-' {
			t.Fatalf("monthly.csv line %d: month %q is not YYYY-MM", i+2, r[1])
		}
		k := key{r[0], r[1][:4]}
		s := monthly[k]
		if s == nil {
			s = &sums{}
			monthly[k] = s
		}
		o, _ := fixed(t, r[2], 2)
		rv, _ := fixed(t, r[3], 2)
		e, _ := fixed(t, r[4], 0)
		p, _ := fixed(t, r[5], 0)
		s.out += o
		s.rev += rv
		s.elec += e
		s.emp += p
		if mo, _ := strconv.Atoi(r[1][5:]); mo != s.months+1 {
			t.Fatalf("monthly.csv line %d: month %s out of order", i+2, r[1])
		}
		s.months++
	}
	slipped := map[string]bool{}
	for _, s := range m.Imperfection.UnitSlips {
		slipped[fmt.Sprintf("%s/%d/%s", s.USCC, s.Year, s.Field)] = true
	}
	checked := 0
	for i, r := range d.annual {
		k := key{r[aUSCC], r[aYear]}
		s := monthly[k]
		// Software firms (no output) are outside the industrial survey.
		if !boolCell(t, r[aAbove]) || r[aOutput] == "" {
			if s != nil {
				t.Errorf("annual.csv line %d: monthly rows for a firm-year that is not above-size industrial", i+2)
			}
			continue
		}
		if s == nil || s.months != 12 {
			t.Errorf("annual.csv line %d: above-size firm-year without 12 monthly rows", i+2)
			continue
		}
		delete(monthly, k)
		for _, c := range []struct {
			col int
			got int64
			mul int64
		}{{aOutput, s.out, 1}, {aRevenue, s.rev, 1}, {aElec, s.elec, 1}, {aEmp, s.emp, 12}} {
			if r[c.col] == "" || slipped[fmt.Sprintf("%s/%s/%s", r[aUSCC], r[aYear], AnnualHeader[c.col])] {
				continue
			}
			want, _ := fixed(t, r[c.col], annualDecimals[c.col])
			if c.got != want*c.mul {
				t.Errorf("%s %s: months sum %s to %d, annual %s × %d", r[aUSCC], r[aYear], AnnualHeader[c.col], c.got, r[c.col], c.mul)
			}
			checked++
		}
	}
	if len(monthly) != 0 {
		t.Errorf("%d firm-years have monthly rows but no above-size annual row", len(monthly))
	}
	if checked < 100000 {
		t.Errorf("only %d monthly sums checked", checked)
	}
}

func TestSlipsAndImperfections(t *testing.T) {
	_, m, d := city(t)
	annual := map[string][]string{}
	for _, r := range d.annual {
		annual[r[aUSCC]+"/"+r[aYear]] = r
	}
	ent := map[string][]string{}
	for _, r := range d.ent {
		ent[r[0]] = r
	}
	col := map[string]int{}
	for i, h := range AnnualHeader {
		col[h] = i
	}
	var money, land int
	for _, s := range m.Imperfection.UnitSlips {
		var cellValue string
		if s.File == EnterprisesFile {
			cellValue = ent[s.USCC][8]
		} else {
			r := annual[fmt.Sprintf("%s/%d", s.USCC, s.Year)]
			if r == nil {
				t.Fatalf("slip %+v: no such row", s)
			}
			cellValue = r[col[s.Field]]
		}
		if cellValue != s.Written {
			t.Errorf("slip %+v: file holds %q", s, cellValue)
		}
		w, _ := strconv.ParseFloat(s.Written, 64)
		c, _ := strconv.ParseFloat(s.Correct, 64)
		if math.Abs(w-c*s.Factor) > 0.01*s.Factor {
			t.Errorf("slip %+v: written is not correct × factor", s)
		}
		switch s.Kind {
		case "yuan_for_10k_yuan":
			money++
		case "m2_for_mu":
			land++
		default:
			t.Errorf("slip kind %q", s.Kind)
		}
	}
	if money < 5 || land < 5 {
		t.Errorf("%d money and %d land slips: want a few of each", money, land)
	}
	for _, r := range m.Imperfection.Rates {
		want := r.Rate * float64(r.Of)
		sd := math.Sqrt(want * (1 - r.Rate))
		if math.Abs(float64(r.Count)-want) > 5*sd+3 {
			t.Errorf("%s: %d of %d, expected about %.0f at rate %g", r.ID, r.Count, r.Of, want, r.Rate)
		}
	}
}

// TestShape checks the dynamics and industry profiles DOMAIN.md §5 asks for
// from the files: cluster growth paths, seasonality, profiles by division.
func TestShape(t *testing.T) {
	_, m, d := city(t)
	class := map[string]string{}
	for _, r := range d.ent {
		class[r[0]] = r[4]
	}
	clusterYear := map[string]map[string]float64{}
	type agg struct{ out, rev, tax, en, rd, emis, enE float64 }
	byDiv := map[string]*agg{}
	for _, r := range corrected(m, d) {
		if !boolCell(t, r[aAbove]) {
			continue
		}
		cl := class[r[aUSCC]]
		o, _ := strconv.ParseFloat(r[aOutput], 64)
		for _, dc := range domainClusters {
			for _, code := range dc.codes {
				if strings.HasPrefix(cl, code) {
					if clusterYear[dc.id] == nil {
						clusterYear[dc.id] = map[string]float64{}
					}
					clusterYear[dc.id][r[aYear]] += o
				}
			}
		}
		if r[aYear] != "2023" || r[aEnergy] == "" || r[aTax] == "" || r[aRD] == "" {
			continue
		}
		g := cl[:2]
		if cl[:3] == "375" {
			g = "375"
		}
		a := byDiv[g]
		if a == nil {
			a = &agg{}
			byDiv[g] = a
		}
		f := func(c int) float64 { x, _ := strconv.ParseFloat(r[c], 64); return x }
		a.out += o
		a.rev += f(aRevenue)
		a.tax += f(aTax)
		a.en += f(aEnergy)
		a.rd += f(aRD)
		if r[aEmis] != "" {
			a.emis += f(aEmis)
			a.enE += f(aEnergy)
		}
	}
	g := func(id, a, b string) float64 { return clusterYear[id][b] / clusterYear[id][a] }
	if x := g("nev", "2021", "2025"); x < 1.3 {
		t.Errorf("NEV output 2025/2021 = %.2f: want fast growth since 2021", x)
	}
	if x := g("electronics", "2021", "2025"); math.Abs(x-1) > 0.15 {
		t.Errorf("electronics output 2025/2021 = %.2f: want flat-ish", x)
	}
	for _, y := range []int{2020, 2021, 2022, 2023, 2024, 2025} {
		if x := g("food", strconv.Itoa(y-1), strconv.Itoa(y)); x < 0.97 || x > 1.12 {
			t.Errorf("food output %d/%d = %.2f: want steady growth", y, y-1, x)
		}
	}
	ratio := func(div string, f func(*agg) float64) float64 {
		a := byDiv[div]
		if a == nil {
			t.Fatalf("no above-size firms in division %s", div)
		}
		return f(a)
	}
	energy := func(a *agg) float64 { return a.en / a.out }
	taxR := func(a *agg) float64 { return a.tax / a.rev }
	rdR := func(a *agg) float64 { return a.rd / a.rev }
	emisR := func(a *agg) float64 { return a.emis / a.enE }
	if ratio("31", energy) < 5*ratio("39", energy) || ratio("30", energy) < 5*ratio("36", energy) {
		t.Errorf("materials should be far more energy-intensive than electronics and autos")
	}
	if ratio("39", taxR) >= ratio("36", taxR) || ratio("39", taxR) >= ratio("27", taxR) {
		t.Errorf("electronics should pay the thinnest tax: 39 %.4f, 36 %.4f, 27 %.4f", ratio("39", taxR), ratio("36", taxR), ratio("27", taxR))
	}
	if ratio("27", rdR) <= ratio("39", rdR) || ratio("27", rdR) <= ratio("13", rdR) {
		t.Errorf("pharma should lead R&D intensity")
	}
	if ratio("30", emisR) <= ratio("39", emisR) || ratio("26", emisR) <= ratio("36", emisR) {
		t.Errorf("materials should emit most per unit of energy")
	}

	// Seasonality of the monthly survey: the Spring Festival dip and the
	// December peak, in the city total of every year.
	byMonth := map[string]float64{}
	for _, r := range d.monthly {
		o, _ := strconv.ParseFloat(r[2], 64)
		byMonth[r[1]] += o
	}
	for y := 2019; y <= 2025; y++ {
		mo := func(m int) float64 { return byMonth[fmt.Sprintf("%d-%02d", y, m)] }
		if mo(2) >= mo(3) || mo(1)+mo(2) >= 2*mo(3) {
			t.Errorf("%d: no Spring Festival dip (Jan %.0f, Feb %.0f, Mar %.0f)", y, mo(1), mo(2), mo(3))
		}
		if y != 2022 && mo(12) < mo(11) {
			t.Errorf("%d: December %.0f below November %.0f", y, mo(12), mo(11))
		}
	}
}

func TestBadConfigAndDirectory(t *testing.T) {
	for _, c := range []Config{{FromYear: 2025, ToYear: 2019}, {Scale: "world"}, {FromYear: 1990}} {
		_, err := Generate(context.Background(), c, t.TempDir())
		if indus.Code(err) != indus.EInvalid {
			t.Errorf("%+v: got %v, want an invalid-input error", c, err)
		}
	}
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(context.Background(), Config{Seed: 1}, filepath.Join(file, "sub"))
	if indus.Code(err) != indus.EInvalid || !strings.Contains(indus.Message(err), "cannot write the dataset to") {
		t.Errorf("unwritable directory: got %v", err)
	}
}

// failingCtx reports cancellation after a number of checks, to stop
// Generate in the middle of writing.
type failingCtx struct {
	context.Context
	left int
}

func (c *failingCtx) Err() error {
	if c.left--; c.left < 0 {
		return context.Canceled
	}
	return nil
}

// TestFailureLeavesNoHalfDataset: a run stopped halfway leaves the previous
// dataset as it was and no staging directory behind.
func TestFailureLeavesNoHalfDataset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Generate(context.Background(), Config{Seed: 3, FromYear: 2022, ToYear: 2023}, dir); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, n := range []string{EnterprisesFile, AnnualFile, MonthlyFile, ManifestFile} {
		before[n], _ = os.ReadFile(filepath.Join(dir, n))
	}
	_, err := Generate(&failingCtx{Context: context.Background(), left: 3}, Config{Seed: 4, FromYear: 2022, ToYear: 2023}, dir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want cancellation", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v after a failed run", names)
	}
	for n, b := range before {
		now, _ := os.ReadFile(filepath.Join(dir, n))
		if !bytes.Equal(now, b) {
			t.Errorf("%s changed by a failed run", n)
		}
	}
}

// TestOtherYears: a range that excludes the calibration year still
// calibrates (on the virtual 2023) and writes only the years asked for.
func TestOtherYears(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	m, err := Generate(context.Background(), Config{Seed: 1, FromYear: 2024, ToYear: 2025}, dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := readDataset(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.annual {
		if r[aYear] != "2024" && r[aYear] != "2025" {
			t.Fatalf("year %s written for 2024–2025", r[aYear])
		}
	}
	if int64(len(d.monthly)) != m.Counts.MonthlyRows || m.Counts.MonthlyRows != 12*int64(m.Counts.AboveSizeByYear["2024"]+m.Counts.AboveSizeByYear["2025"]) {
		t.Errorf("monthly rows %d, manifest %d, above-size %v", len(d.monthly), m.Counts.MonthlyRows, m.Counts.AboveSizeByYear)
	}
	inBand(t, "per-mu output of the virtual 2023", m.Calibration.PerMu.OutputPerMu, bandOutputPerMu)
}

func sha256Hex(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// The testdata files are real files as analysts send them; gen.py beside
// them wrote them (UTF-8, UTF-8 with BOM, GB18030, UTF-16LE, ; and tab).
func testdata(name string) string { return filepath.Join("testdata", name) }

// The same enterprise list in UTF-8, UTF-8 with BOM and GB18030, CRLF line
// ends, a title row above the header, a 序号 column, Chinese headers, a
// quoted field with a comma, thousands separators, full-width digits,
// district names, and a totals row.
func TestEncodingsReadTheSame(t *testing.T) {
	var first result
	for i, name := range []string{"enterprises_utf8.csv", "enterprises_utf8bom.csv", "enterprises_gb18030.csv"} {
		got := readFile(t, testdata(name), Options{})
		if i == 0 {
			first = got
		} else if !reflect.DeepEqual(got.records, first.records) || !reflect.DeepEqual(got.mapping, first.mapping) {
			t.Errorf("%s reads differently from %s", name, "enterprises_utf8.csv")
		}
		wantFindings(t, got.findings, want{6, "", "合计", SevInfo})
		if len(got.records) != 3 {
			t.Fatalf("%s: %d records", name, len(got.records))
		}
		e := got.records[0].Enterprise
		if got.records[0].Row != 3 || e.USCC != "91500100000000001D" || e.Name != "重庆甲汽车有限公司" || e.UnitCode != "500112" ||
			e.Park != "两江工业园" || !e.AboveSize || *e.LandMu != 120.5 || e.LandSource != indus.LandCertificate {
			t.Errorf("%s row 3: %+v", name, e)
		}
		e = got.records[1].Enterprise
		if e.UnitCode != "LJ" || e.BusinessScope != "电子元件,显示器件" || *e.LandMu != 1234.5 || e.LandSource != indus.LandLease ||
			!e.Founded.Equal(time.Date(2015, 3, 8, 0, 0, 0, 0, time.UTC)) || e.AboveSize {
			t.Errorf("%s row 4: %+v", name, e)
		}
		wantOrig(t, got.records[1], Original{"unit_code", "两江新区", ""}, Original{"founded", "2015/3/8", ""},
			Original{"land_mu", "1,234.5", "亩"}, Original{"land_source", "租赁", ""})
		e = got.records[2].Enterprise
		if e.UnitCode != "500101" || *e.LandMu != 88 || e.LandSource != "" || e.Founded.Format("2006-01-02") != "2008-06-01" {
			t.Errorf("%s row 5: %+v", name, e)
		}
		wantOrig(t, got.records[2], Original{"founded", "2008年6月1日", ""}, Original{"land_mu", "８８", "亩"})
	}
	// The encoding can also be forced; forcing the wrong one breaks the header.
	if got := readFile(t, testdata("enterprises_gb18030.csv"), Options{Encoding: "GBK"}); len(got.records) != 3 {
		t.Errorf("forced GBK: %d records", len(got.records))
	}
	if _, err := Open(testdata("enterprises_gb18030.csv"), Options{Encoding: "utf-8"}); err == nil {
		t.Errorf("GB18030 read as UTF-8 must not find a header")
	}
	if _, err := Open(testdata("enterprises_utf8.csv"), Options{Encoding: "latin1"}); err == nil || !strings.Contains(err.Error(), "unknown encoding") {
		t.Errorf("unknown encoding: %v", err)
	}
}

// ';' and tab delimiters, and UTF-16LE (Excel's "Unicode text"); headers
// with units in （）, 【】 and after a slash, converted to canonical units.
func TestDelimitersAndUnits(t *testing.T) {
	var first result
	for i, name := range []string{"annual_semicolon.csv", "annual_tab.tsv", "annual_utf16.txt"} {
		got := readFile(t, testdata(name), Options{})
		if i == 0 {
			first = got
		} else if !reflect.DeepEqual(got.records, first.records) {
			t.Errorf("%s reads differently from annual_semicolon.csv", name)
		}
		if got.kind != KindAnnual || len(got.records) != 2 || len(got.findings) != 0 {
			t.Fatalf("%s: kind %s, %d records, findings %v", name, got.kind, len(got.records), got.findings)
		}
		a := got.records[0].Annual
		if *a.LandMu != 100.00005 || *a.Revenue != 12345.6789 || *a.OutputValue != 15000 || *a.EnergyTCE != 1500 ||
			*a.ElectricityKWh != 125000 || *a.EmissionsT != 3.2 || *a.Employees != 250 || a.SafetyAccident {
			t.Errorf("%s row 2: %+v", name, a)
		}
		wantOrig(t, got.records[0], Original{"land_mu", "66666.7", "平方米"}, Original{"revenue", "123456789", "元"},
			Original{"energy_tce", "1500000", "千克标准煤"}, Original{"electricity_kwh", "12.5", "万千瓦时"})
		b := got.records[1].Annual
		if b.LandMu != nil || b.Revenue != nil || *b.OutputValue != 12000 || b.Tax != nil || !b.SafetyAccident || b.EnvViolation ||
			b.UnderConstruction || !b.Utility {
			t.Errorf("%s row 3: %+v", name, b)
		}
		wantOrig(t, got.records[1], Original{"land_mu", "—", "平方米"}, Original{"revenue", "-", "元"})
	}
	m := first.mapping
	if m[2].Unit != "平方米" || m[2].Factor != 0.0015 || m[3].Unit != "元" || m[4].Header != "工业总产值/万元" || m[4].Unit != "万元" ||
		m[6].Header != "实缴税金【万元】" || m[6].Column != "tax" || m[8].Factor != 1e4 || m[8].UnitSource != "header" {
		t.Errorf("mapping %+v", m)
	}
}

func TestDefectsEnterprises(t *testing.T) {
	got := readFile(t, testdata("defects_enterprises.csv"), Options{})
	const (
		uscc = "统一社会信用代码"
		unit = "所属区县"
		ind  = "行业代码"
		land = "用地面积(亩)"
		name = "企业名称"
	)
	wantFindings(t, got.findings,
		want{2, uscc, "915001000000000041", SevWarning},      // check character fails: accepted, flagged
		want{3, uscc, "9150010000000000IR", SevError},        // I never occurs
		want{4, uscc, "9.15001000000051E+17", SevError},      // stored as a number: digits lost
		want{5, unit, "火星区", SevError},                       // no such evaluation unit
		want{6, ind, "361", SevError},                        // a group, not a class
		want{7, ind, "36", SevError},                         // a division
		want{8, ind, "610", SevWarning},                      // leading zero lost: read as 0610
		want{9, ind, "111", SevError},                        // group 111, or class 0111? cannot know
		want{10, "是否规上", "也许", SevError},                     // not a yes/no
		want{11, "成立日期", "2010/13/45", SevError},             // not a date
		want{12, land, "-3", SevError},                       // negative land
		want{13, land, "150000", SevWarning},                 // implausible land: m² in a mu column?
		want{14, land, "12%", SevError},                      // a percentage
		want{15, land, "1,23", SevError},                     // not thousands separators
		want{16, land, "#N/A", SevError},                     // spreadsheet error
		want{17, name, "", SevError},                         // required
		want{18, name, `=HYPERLINK("http://x")`, SevWarning}, // formula-like
		want{19, "用地来源", "买的", SevError},                     // unknown land source
		want{21, uscc, "91500100000000021F", SevError},       // duplicate of row 20
		want{22, unit, "", SevError},                         // required
		want{23, name, "@SUM(A1)", SevWarning},
		want{23, "所属园区", "+园区", SevWarning},
		want{23, "经营范围", "-经营", SevWarning},
		want{24, "", "13", SevError}, // unquoted commas: columns shifted
		want{25, "", "3", SevError},  // short row
		want{26, "", "11", SevError}, // an unquoted comma in the name
	)
	rows := []int{}
	for _, r := range got.records {
		rows = append(rows, r.Row)
	}
	if !reflect.DeepEqual(rows, []int{2, 8, 13, 18, 20, 23}) {
		t.Errorf("accepted rows %v", rows)
	}
	if got.records[1].Enterprise.IndustryCode != "0610" {
		t.Errorf("row 8: %+v", got.records[1].Enterprise)
	}
	wantOrig(t, got.records[1], Original{"unit_code", "渝北区", ""}, Original{"industry_code", "610", ""})
	for _, f := range got.findings {
		if f.Row == 21 && !strings.Contains(f.Message, "rows 20 and 21") {
			t.Errorf("a duplicate names both rows: %s", f.Message)
		}
		if f.Row == 9 && !strings.Contains(f.Message, "0111") {
			t.Errorf("the hint names the class: %s", f.Message)
		}
	}
}

func TestDefectsAnnual(t *testing.T) {
	got := readFile(t, testdata("defects_annual.csv"), Options{})
	wantFindings(t, got.findings,
		want{2, "value_added", "1500", SevWarning}, // above output
		want{3, "tax", "-5", SevError},             // negative tax
		want{4, "employees", "0", SevWarning},      // no employees, revenue 5000
		want{5, "tax", "2000", SevWarning},         // tax above revenue
		want{6, "year", "1890", SevError},
		want{11, "value_added", "-20", SevWarning}, // negative value added: a loss year
		want{12, "revenue", "abc", SevError},
		want{14, "value_added", "1500", SevWarning},
		want{14, "uscc+year", "91500100000000001D|2023", SevError}, // duplicate of row 2
		want{16, "revenue", "100吨", SevError},                      // a unit of another quantity
	)
	byRow := map[int]*indus.AnnualFact{}
	for _, r := range got.records {
		byRow[r.Row] = r.Annual
	}
	if v := byRow[7].Revenue; v == nil || *v != 123 {
		t.Errorf("full-width digits: %v", v)
	}
	if v := byRow[8].Revenue; v == nil || *v != 1234.5 {
		t.Errorf("thousands separators: %v", v)
	}
	if v := byRow[9].OutputValue; v == nil || *v != 1200 {
		t.Errorf("scientific notation: %v", v)
	}
	if a := byRow[10]; a.RDSpend != nil || a.EmissionsT != nil || a.EnergyTCE != nil {
		t.Errorf("missing markers: %+v", a)
	}
	if a := byRow[13]; !a.SafetyAccident || a.EnvViolation || a.UnderConstruction || !a.Utility {
		t.Errorf("booleans: %+v", a)
	}
	if v := byRow[15].Revenue; v == nil || *v != 15000 {
		t.Errorf("1.5亿元: %v", v)
	}
	for _, r := range got.records {
		switch r.Row {
		case 7:
			wantOrig(t, r, Original{"revenue", "１２３", "万元"})
		case 10:
			wantOrig(t, r, Original{"energy_tce", "无", "吨标准煤"}, Original{"emissions_t", "/", "吨"}, Original{"rd_spend", "--", "万元"})
		case 15:
			wantOrig(t, r, Original{"revenue", "1.5亿元", "亿元"})
		}
	}
}

// A monthly GB18030 file with separate 年份 and 月份 columns.
func TestMonthlyYearAndMonth(t *testing.T) {
	got := readFile(t, testdata("monthly_year_month_gb18030.csv"), Options{})
	if got.kind != KindMonthly {
		t.Fatalf("kind %s", got.kind)
	}
	wantFindings(t, got.findings,
		want{4, "月份", "2024-05", SevError}, // outside the year 2023
		want{5, "月份", "13", SevError},
		want{7, "统一社会信用代码+月份", "91500100000000001D|2024-03", SevError},
	)
	var months []string
	for _, r := range got.records {
		months = append(months, r.Monthly.Month.String())
	}
	if !reflect.DeepEqual(months, []string{"2024-03", "2024-04", "2024-03"}) {
		t.Errorf("months %v", months)
	}
	wantOrig(t, got.records[0], Original{"month", "3", ""})
	if m := got.records[0].Monthly; *m.ElectricityKWh != 12000 || *m.Employees != 50 {
		t.Errorf("row 2: %+v", m)
	}
}

// NUL bytes and bytes invalid in the encoding are errors; formula-like
// text is kept and flagged; an apostrophe an export put in front of it is
// removed (the cell is kept in Originals).
func TestHostileContent(t *testing.T) {
	for _, enc := range []string{"", "utf-8"} {
		got := readFile(t, testdata("hostile.csv"), Options{Encoding: enc})
		wantFindings(t, got.findings,
			want{2, "企业名称", "甲\x00乙", SevError},
			want{3, "企业名称", "=1+1", SevWarning},
			want{4, "企业名称", "=1+2", SevWarning},
			want{5, "企业名称", "\uFFFD", SevError}, // bytes FF FE FD
		)
		if len(got.records) != 2 || got.records[1].Enterprise.Name != "=1+2" {
			t.Fatalf("encoding %q: records %+v", enc, got.records)
		}
		wantOrig(t, got.records[1], Original{"name", "'=1+2", ""}, Original{"unit_code", "渝北区", ""})
	}
	got := readFile(t, testdata("broken_gb18030.csv"), Options{})
	wantFindings(t, got.findings, want{3, "企业名称", "\uFFFD", SevError}) // 81 20 is no GB18030 character
	if len(got.records) != 1 || got.records[0].Enterprise.Name != "重庆甲" {
		t.Errorf("records %+v", got.records)
	}
}

func TestMalformedCSVStopsWithTheRow(t *testing.T) {
	r, err := OpenReader("bad.csv", strings.NewReader(enterpriseHeader+"91500100000000001D,甲,500112,,3612,,true,,,\n\"unterminated,quote\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Next()
	if err == nil || !strings.Contains(err.Error(), "bad.csv:3") || !strings.Contains(err.Error(), "never closed") {
		t.Errorf("err %v", err)
	}
	if zh := indus.MessageIn(err, "zh-CN"); !strings.Contains(zh, "bad.csv 第 3 行") || !strings.Contains(zh, "没有闭合的引号") {
		t.Errorf("Chinese wording %q", zh)
	}
}

// Row numbers are the rows a spreadsheet shows: a quoted line break stays
// in one row, an empty line is a row.
func TestRowNumbers(t *testing.T) {
	text := enterpriseHeader + "91500100000000001D,\"甲\n有限公司\",500112,,3612,,true,,,\n\n91500100000000002G,乙,500112,,3612,,true,,,\n"
	r, err := OpenReader("rows.csv", strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAllOf(t, r)
	if len(got.records) != 2 || got.records[0].Row != 2 || got.records[1].Row != 4 || got.records[0].Enterprise.Name != "甲\n有限公司" {
		t.Errorf("records %+v %+v", got.records[0], got.records[1])
	}
}

func TestHeaderErrors(t *testing.T) {
	// Each error also reads in Chinese, for the dashboard's import page.
	cases := []struct{ text, want, wantZh string }{
		{"", "empty", "文件为空"},
		{"a,b,c\n1,2,3\n", "no header row", "未找到表头行"},
		{"信用代码号码,企业名称,区县\n1,2,3\n", `closest header: "信用代码号码"`, "企业名录数据缺少必需的列：统一社会信用代码（uscc），最接近的表头：“信用代码号码”"},
		{"统一社会信用代码,营业收入\nx,1\n", "cannot tell what the file holds", "无法从表头"},
		{"统一社会信用代码,年份,营业收入,主营收入(2022年),主营业务收入(2023年)\n", `"主营收入(2022年)" and "主营业务收入(2023年)" all hold revenue`, "“主营收入(2022年)”与“主营业务收入(2023年)”都表示主营业务收入"},
		{"统一社会信用代码,年份,综合能耗(万元)\n", `"万元" is not a unit of energy`, `"万元" 不是能耗的单位`},
		{"统一社会信用代码,工业总产值,用电量\n", "月份", "月度文件的月份应写为 YYYY-MM"},
	}
	for _, c := range cases {
		opts := Options{}
		if strings.HasPrefix(c.text, "统一社会信用代码,工业总产值") {
			opts.Kind = KindMonthly
		}
		_, err := OpenReader("h.csv", strings.NewReader(c.text), opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "h.csv") || indus.Code(err) != indus.EInvalid {
			t.Errorf("%q: err %v, want %q", c.text, err, c.want)
			continue
		}
		if zh := indus.MessageIn(err, "zh-CN"); !strings.Contains(zh, c.wantZh) || !strings.Contains(zh, "h.csv") {
			t.Errorf("%q: Chinese wording %q, want %q", c.text, zh, c.wantZh)
		}
	}
	if _, err := Open(testdata("nope.csv"), Options{}); err == nil {
		t.Error("a missing file must fail")
	}
	if _, err := Open(testdata("enterprises_utf8.csv"), Options{Kind: "weekly"}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("bad kind: %v", err)
	}
}

// Unknown columns, qualifiers that make another figure, a lower-priority
// synonym and an enterprise attribute in an annual file are reported in one
// info finding; units assumed in another.
func TestColumnsNotImportedAndAssumedUnits(t *testing.T) {
	text := "序号,统一社会信用代码,企业名称,年份,营业收入,主营业务收入(万元),营业收入(上年同期),利润总额,研发投入,备 注\n" +
		"1,91500100000000001D,甲,2023,1,100,90,5,3,\n"
	r, err := OpenReader("a.csv", strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAllOf(t, r)
	wantFindings(t, got.findings,
		want{1, "", "企业名称, 营业收入, 营业收入(上年同期), 利润总额, 备 注", SevInfo},
		want{1, "", "研发投入 → 万元", SevInfo},
	)
	if a := got.records[0].Annual; *a.Revenue != 100 || *a.RDSpend != 3 {
		t.Errorf("record %+v", a)
	}
	msg := got.findings[0].Message
	for _, s := range []string{"import the file with --kind enterprises", "revenue is taken from \"主营业务收入(万元)\"", "a derived or comparison figure (上年同期)", "unknown column"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q: %s", s, msg)
		}
	}
	m := got.mapping
	if m[0].Column != "" || m[5].Column != "revenue" || m[8].UnitSource != "assumed" || m[5].UnitSource != "header" {
		t.Errorf("mapping %+v", m)
	}
}

func TestUnitsOption(t *testing.T) {
	text := "统一社会信用代码,年份,营业收入,实缴税金(万元),用地面积,用电量(万千瓦时)\n91500100000000001D,2023,1000000,20,3000,2\n"
	open := func(units map[string]string) (result, error) {
		r, err := OpenReader("u.csv", strings.NewReader(text), Options{Units: units})
		if err != nil {
			return result{}, err
		}
		return readAllOf(t, r), nil
	}
	got, err := open(map[string]string{"money": "元", "营业收入": "千元", "land_mu": "m²", "用电量": "kWh"})
	if err != nil {
		t.Fatal(err)
	}
	a := got.records[0].Annual
	// The column-specific option beats the quantity-wide one; an option
	// beats the header's unit, which is reported.
	if *a.Revenue != 100000 || *a.Tax != 0.002 || *a.LandMu != 4.5 || *a.ElectricityKWh != 2 {
		t.Errorf("record %+v", a)
	}
	wantFindings(t, got.findings,
		want{1, "实缴税金(万元)", "元", SevInfo},
		want{1, "用电量(万千瓦时)", "kWh", SevInfo},
	)
	for _, bad := range []map[string]string{{"revenue": "吨"}, {"profit": "元"}, {"year": "元"}} {
		if _, err := open(bad); err == nil || !strings.Contains(err.Error(), "--units") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// The canonical files the generator writes keep working, extra column
// (annual above_size) included.
func TestCanonicalAnnualWithAboveSize(t *testing.T) {
	text := strings.TrimSuffix(strings.Join(CanonicalColumns[KindAnnual], ","), ",") + ",above_size\n" +
		"91500100000000001D,2023,10,100,120,30,5,12,50000,,1.5,40,false,false,false,false,true\n"
	r, err := OpenReader("annual.csv", strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAllOf(t, r)
	if len(got.findings) != 0 || len(got.records) != 1 || got.records[0].Originals != nil {
		t.Errorf("findings %v records %v", got.findings, got.records)
	}
	for _, m := range got.mapping {
		if m.Column == "" || (m.Unit != "" && m.UnitSource != "canonical") {
			t.Errorf("mapping %+v", m)
		}
	}
}

func TestColumnsForExport(t *testing.T) {
	cols := Columns(KindAnnual)
	// The canonical columns, then the optional yearly above-size status.
	if len(cols) != len(CanonicalColumns[KindAnnual])+1 || cols[len(cols)-1].Name != "above_size" || cols[3].Name != "revenue" || cols[3].HeaderZh != "主营业务收入(万元)" || !cols[0].Required {
		t.Fatalf("%+v", cols)
	}
	// An export with these Chinese headers reads back with canonical units
	// and no findings.
	var hs []string
	for _, c := range Columns(KindEnterprises) {
		hs = append(hs, c.HeaderZh)
	}
	text := strings.Join(hs, ",") + "\n91500100000000001D,甲,500112,,3612,,true,2010-05-01,10,lease\n"
	r, err := OpenReader("x.csv", strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAllOf(t, r)
	if len(got.findings) != 0 || len(got.records) != 1 || got.records[0].Originals != nil || *got.records[0].Enterprise.LandMu != 10 {
		t.Errorf("findings %v records %+v", got.findings, got.records)
	}
}

func TestOpenDetectsFormatByContent(t *testing.T) {
	// An XLSX named .csv is still read as XLSX.
	dir := t.TempDir()
	data, err := os.ReadFile(annualMergedWorkbook(t))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "really.csv")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, p, Options{}); len(got.records) != 3 {
		t.Errorf("records %d", len(got.records))
	}
}

// SourceRow gives, for each accepted record's key as the store writes
// it, the row it was read from; a rejected repeat keeps its first row;
// keys never read, and any key after Close, are unknown.
func TestSourceRow(t *testing.T) {
	a, b := validUSCC(1), validUSCC(2)
	annual := "uscc,year,revenue\n" + a + ",2023,1\n" + a + ",2024,1\n\n" + b + ",2024,1\n" + a + ",2024,2\n"
	monthly := "uscc,month,output_value\n" + a + ",2024-03,1\n" + b + ",2024-03,1\n" + b + ",2024-04,1\n"
	for _, c := range []struct {
		text string
		rows map[string]int
	}{
		{annual, map[string]int{a + "|2023": 2, a + "|2024": 3, b + "|2024": 5, b + "|2023": 0, a: 0, a + "|x": 0}},
		{monthly, map[string]int{a + "|2024-03": 2, b + "|2024-03": 3, b + "|2024-04": 4, a + "|2024-04": 0, b + "|2024": 0}},
	} {
		r, err := OpenReader("f.csv", strings.NewReader(c.text), Options{})
		if err != nil {
			t.Fatal(err)
		}
		readAllOf(t, r)
		for key, want := range c.rows {
			if row, ok := r.SourceRow(key); row != want || ok != (want > 0) {
				t.Errorf("%s: SourceRow(%s) = %d, %v; want %d", r.Kind(), key, row, ok, want)
			}
		}
		r.Close()
		for key := range c.rows {
			if _, ok := r.SourceRow(key); ok {
				t.Errorf("%s: SourceRow(%s) answered after Close", r.Kind(), key)
			}
		}
	}
}

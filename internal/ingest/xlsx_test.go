package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// buildWorkbook saves a workbook that build fills, in the test's temp dir.
func buildWorkbook(t *testing.T, name string, build func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	path := filepath.Join(t.TempDir(), name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func setRow(t *testing.T, f *excelize.File, sheet string, row int, vals ...any) {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// annualMergedWorkbook is an analyst's annual sheet: a title merged across
// the table, a two-row header whose upper row holds merged group labels
// (经济指标 over 营业收入 and 工业增加值, 能耗 over 综合能耗 and 用电量, 用地面积
// over its unit 亩) and vertically merged single labels, numbers formatted
// with thousands separators, a totals row with a formula and styled blank
// rows at the end.
func annualMergedWorkbook(t *testing.T) string {
	return buildWorkbook(t, "annual.xlsx", func(f *excelize.File) {
		s := "Sheet1"
		setRow(t, f, s, 1, "2023年规上工业企业亩均效益评价数据")
		must(t, f.MergeCell(s, "A1", "H1"))
		setRow(t, f, s, 2, "统一社会信用代码", "年份", "经济指标", nil, "能耗", nil, "用地面积", "研发投入（万元）")
		setRow(t, f, s, 3, nil, nil, "营业收入（万元）", "工业增加值（万元）", "综合能耗（吨标准煤）", "用电量（万千瓦时）", "亩", nil)
		for _, m := range [][2]string{{"A2", "A3"}, {"B2", "B3"}, {"C2", "D2"}, {"E2", "F2"}, {"H2", "H3"}} {
			must(t, f.MergeCell(s, m[0], m[1]))
		}
		setRow(t, f, s, 4, validUSCC(1), 2023, 12345.6, 2500.25, 1200.5, 1.5, 30.5, 400)
		setRow(t, f, s, 5, validUSCC(2), 2023, 800, 900, 10, 0.25, 12, nil)
		setRow(t, f, s, 6, validUSCC(3), "2023年", "—", 50, nil, nil, "1,200", 1)
		setRow(t, f, s, 7, "合计")
		must(t, f.SetCellFormula(s, "C7", "SUM(C4:C6)"))
		style, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00: 12345.6 shows as 12,345.60
		must(t, err)
		must(t, f.SetCellStyle(s, "C4", "H30", style))
	})
}

func TestXLSXMergedHeaderAndTrailingRows(t *testing.T) {
	got := readFile(t, annualMergedWorkbook(t), Options{})
	if got.kind != KindAnnual {
		t.Fatalf("kind %s", got.kind)
	}
	wantMap := map[string]string{
		"统一社会信用代码": "uscc", "年份": "year", "营业收入（万元）": "revenue", "工业增加值（万元）": "value_added",
		"综合能耗（吨标准煤）": "energy_tce", "用电量（万千瓦时）": "electricity_kwh", "用地面积 / 亩": "land_mu", "研发投入（万元）": "rd_spend",
	}
	for _, m := range got.mapping {
		if wantMap[m.Header] != m.Column {
			t.Errorf("mapping %+v", m)
		}
	}
	if len(got.mapping) != len(wantMap) {
		t.Errorf("mapping %+v", got.mapping)
	}
	// Raw values, not the displayed "12,345.60"; 万千瓦时 converted to kWh;
	// the totals row (a formula) and the styled blank rows are no data.
	if len(got.records) != 3 {
		t.Fatalf("records %d, findings %v", len(got.records), got.findings)
	}
	a := got.records[0].Annual
	if got.records[0].Row != 4 || *a.Revenue != 12345.6 || *a.ValueAdded != 2500.25 || *a.EnergyTCE != 1200.5 ||
		*a.ElectricityKWh != 15000 || *a.LandMu != 30.5 || *a.RDSpend != 400 || a.Year != 2023 {
		t.Errorf("row 4: %+v", a)
	}
	wantOrig(t, got.records[0], Original{"electricity_kwh", "1.5", "万千瓦时"})
	b := got.records[2].Annual
	if b.Revenue != nil || *b.LandMu != 1200 || b.Year != 2023 || b.EnergyTCE != nil {
		t.Errorf("row 6: %+v", b)
	}
	wantOrig(t, got.records[2], Original{"year", "2023年", ""}, Original{"land_mu", "1,200", "亩"}, Original{"revenue", "—", "万元"})
	wantFindings(t, got.findings, want{7, "", "合计", SevInfo})
}

// enterprisesWorkbook has its data on the third sheet, a hidden first sheet
// and a notes sheet, a date cell, industry codes typed as numbers or with
// their section letter or name, formula-like text and a real formula.
func enterprisesWorkbook(t *testing.T) string {
	return buildWorkbook(t, "enterprises.xlsx", func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "隐藏"))
		_, err := f.NewSheet("说明")
		must(t, err)
		_, err = f.NewSheet("企业名录")
		must(t, err)
		setRow(t, f, "隐藏", 1, "统一社会信用代码", "企业名称", "区县")
		f.SetActiveSheet(1) // the active sheet cannot be hidden
		must(t, f.SetSheetVisible("隐藏", false))
		setRow(t, f, "说明", 1, "本表为示例")
		s := "企业名录"
		setRow(t, f, s, 1, "序号", "统一社会信用代码", "企业名称", "区县", "行业代码", "成立日期", "用地面积(平方米)", "是否规上", "备注")
		setRow(t, f, s, 2, 1, validUSCC(1), "重庆甲有限公司", "Wanzhou", 3612, time.Date(2010, 5, 1, 0, 0, 0, 0, time.UTC), 6666.7, true, "")
		setRow(t, f, s, 3, 2, validUSCC(2), "=1+2", "500112", 610, 40299, nil, "否", "x")
		setRow(t, f, s, 4, 3, validUSCC(3), "@cmd", "两江新区", "C3612", "2015-03-08", 1000, "规上")
		must(t, f.SetCellFormula(s, "G5", "G4*2"))
		setRow(t, f, s, 5, 4, validUSCC(4), "重庆丁有限公司", "万盛经开区", "3612 新能源车整车制造")
		must(t, f.SetCellStr(s, "C6", "   "))
	})
}

func TestXLSXSheetsDatesCodesAndFormulaText(t *testing.T) {
	path := enterprisesWorkbook(t)
	// The first visible sheet is 说明, which has no header.
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "no header row") {
		t.Fatalf("default sheet: %v", err)
	}
	if _, err := Open(path, Options{Sheet: "数据"}); err == nil || !strings.Contains(err.Error(), `"企业名录"`) {
		t.Fatalf("a missing sheet must list the sheets: %v", err)
	}
	got := readFile(t, path, Options{Sheet: "企业名录"})
	if got.kind != KindEnterprises || len(got.records) != 4 {
		t.Fatalf("kind %s records %d findings %v", got.kind, len(got.records), got.findings)
	}
	wantFindings(t, got.findings,
		want{1, "", "备注", SevInfo},
		want{3, "企业名称", "=1+2", SevWarning},
		want{3, "行业代码", "610", SevWarning},
		want{4, "企业名称", "@cmd", SevWarning},
	)
	e := got.records[0].Enterprise
	if e.UnitCode != "500101" || e.IndustryCode != "3612" || !e.Founded.Equal(time.Date(2010, 5, 1, 0, 0, 0, 0, time.UTC)) ||
		*e.LandMu != 10.00005 || !e.AboveSize {
		t.Errorf("row 2: %+v land %v", e, *e.LandMu)
	}
	wantOrig(t, got.records[0], Original{"unit_code", "Wanzhou", ""}, Original{"founded", "40299", ""},
		Original{"land_mu", "6666.7", "平方米"})
	e = got.records[1].Enterprise
	if e.Name != "=1+2" || e.IndustryCode != "0610" || e.Founded.Format("2006-01-02") != "2010-05-01" || e.AboveSize {
		t.Errorf("row 3: %+v", e)
	}
	e = got.records[2].Enterprise
	if e.UnitCode != "LJ" || e.IndustryCode != "3612" || e.Founded.Format("2006-01-02") != "2015-03-08" || *e.LandMu != 1.5 || !e.AboveSize {
		t.Errorf("row 4: %+v", e)
	}
	e = got.records[3].Enterprise
	if e.UnitCode != "WS" || e.IndustryCode != "3612" || e.LandMu != nil {
		t.Errorf("row 5: %+v", e)
	}
}

// An upload is a plain stream: XLSX is spooled to a temporary file that
// Close removes.
func TestOpenReaderXLSXStream(t *testing.T) {
	data, err := os.ReadFile(annualMergedWorkbook(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader("upload.xlsx", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAllOf(t, r)
	tmp := r.(*reader).src.(*xlsxSource).tempPath
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got.records) != 3 {
		t.Fatalf("records %d", len(got.records))
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file %s left behind: %v", tmp, err)
	}
	if _, err := OpenReader("old.xls", bytes.NewReader(oleMagic), Options{}); err == nil || !strings.Contains(err.Error(), ".xlsx") {
		t.Errorf("legacy xls: %v", err)
	}
}

package synth

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/indus-platform/indus/internal/indus"
)

// DefectsDir is the folder, inside the output directory, that `indus gen
// --defects` writes: small files, each with one class of the defects that
// real analysts' files have, and expected.csv naming the finding each must
// produce. The import tests feed them to the real readers.
const DefectsDir = "defects"

// ExpectedFinding is one finding a defect file must produce on import.
type ExpectedFinding struct {
	File     string
	Row      int // spreadsheet row (header = 1)
	Column   string
	Severity string // error or warning
	Class    string // the defect class
}

// defectFile is one file of the defects set.
type defectFile struct {
	name     string
	gb18030  bool
	header   []string
	rows     [][]string
	expected []ExpectedFinding
}

// defectUSCC makes the n-th valid code of the defects set (registered in
// Yubei, 500112).
func defectUSCC(n int) string {
	body := fmt.Sprintf("91500112MA6D%05d", n)
	c, _ := indus.USCCCheckChar(body)
	return body + string(c)
}

var (
	defEntHeader = []string{"统一社会信用代码", "企业名称", "所属区县", "所属园区", "行业代码", "经营范围", "是否规上", "成立日期", "用地面积(亩)", "用地来源"}
	defAnnHeader = []string{"统一社会信用代码", "年份", "用地面积(亩)", "营业收入(万元)", "工业总产值(万元)", "工业增加值(万元)", "实缴税金(万元)",
		"综合能耗(吨标准煤)", "用电量(千瓦时)", "主要污染物排放当量(吨)", "研发经费支出(万元)", "年平均职工人数"}
)

func entRow(n int, unit, code, land string) []string {
	return []string{defectUSCC(n), fmt.Sprintf("重庆测试%02d制造有限公司", n), unit, "", code, "汽车零部件制造", "是", "2015-03-01", land, "certificate"}
}

func annRow(n int, year, revenue, output, va, tax, employees string) []string {
	return []string{defectUSCC(n), year, "20", revenue, output, va, tax, "150", "800000", "3", "45", employees}
}

// defectFiles lists the defect classes of the import issue, one file each.
func defectFiles() []defectFile {
	bad := func(file string, row int, col, sev, class string) ExpectedFinding {
		return ExpectedFinding{File: file, Row: row, Column: col, Severity: sev, Class: class}
	}
	wrongCheck := defectUSCC(9)[:17] + "0"
	if wrongCheck == defectUSCC(9) {
		wrongCheck = defectUSCC(9)[:17] + "1"
	}
	return []defectFile{
		{name: "enterprises_ok.csv", header: defEntHeader, rows: [][]string{
			entRow(1, "500112", "3670", "120"), entRow(2, "万州区", "3974", "45.5"), entRow(3, "两江新区", "1511", "8"), entRow(4, "LJ", "2710", "30"),
		}},
		{name: "enterprises_gb18030.csv", gb18030: true, header: defEntHeader, rows: [][]string{entRow(5, "江北区", "3612", "60")}},
		{name: "required_missing.csv", header: defEntHeader, rows: [][]string{
			{defectUSCC(6), "", "500112", "", "3670", "", "是", "", "10", ""},
		}, expected: []ExpectedFinding{bad("required_missing.csv", 2, "企业名称", "error", "required field missing")}},
		{name: "uscc_check.csv", header: defEntHeader, rows: [][]string{
			append([]string{wrongCheck}, entRow(9, "500112", "3670", "10")[1:]...),
			append([]string{"91500112MA6D0000I" + "X"}, entRow(10, "500112", "3670", "10")[1:]...),
		}, expected: []ExpectedFinding{
			bad("uscc_check.csv", 2, "统一社会信用代码", "warning", "USCC check character"),
			bad("uscc_check.csv", 3, "统一社会信用代码", "error", "USCC impossible character"),
		}},
		{name: "codes.csv", header: defEntHeader, rows: [][]string{
			entRow(11, "500112", "9999", "10"), entRow(12, "火星区", "3670", "10"),
		}, expected: []ExpectedFinding{
			bad("codes.csv", 2, "行业代码", "error", "unknown GB/T 4754 class"),
			bad("codes.csv", 3, "所属区县", "error", "unknown unit"),
		}},
		{name: "duplicates.csv", header: defEntHeader, rows: [][]string{
			entRow(13, "500112", "3670", "10"), entRow(13, "500112", "3670", "12"),
		}, expected: []ExpectedFinding{bad("duplicates.csv", 3, "统一社会信用代码", "error", "duplicate in file")}},
		{name: "formula.csv", header: defEntHeader, rows: [][]string{
			{defectUSCC(14), "=HYPERLINK(\"http://example.invalid\",\"点击\")", "500112", "", "3670", "", "是", "", "10", ""},
		}, expected: []ExpectedFinding{bad("formula.csv", 2, "企业名称", "warning", "formula-like content")}},
		{name: "annual_numbers.csv", header: defAnnHeader, rows: [][]string{
			annRow(1, "2024", "1,234.5", "１５００", "300", "—", "80"),
			annRow(2, "2024", "abc", "1500", "300", "20", "80"),
			annRow(3, "2024", "1000", "1500", "300", "-5", "80"),
		}, expected: []ExpectedFinding{
			bad("annual_numbers.csv", 3, "营业收入(万元)", "error", "not a number"),
			bad("annual_numbers.csv", 4, "实缴税金(万元)", "error", "negative tax"),
		}},
		{name: "annual_ranges.csv", header: defAnnHeader, rows: [][]string{
			annRow(1, "2023", "50000", "60000", "80000", "100", "40"),
			annRow(2, "2023", "50000", "60000", "9000", "100", "0"),
		}, expected: []ExpectedFinding{
			bad("annual_ranges.csv", 2, "工业增加值(万元)", "warning", "value added above output"),
			bad("annual_ranges.csv", 3, "年平均职工人数", "warning", "zero employees with large revenue"),
		}},
		{name: "annual_unknown_enterprise.csv", header: defAnnHeader, rows: [][]string{
			annRow(1, "2022", "100", "120", "30", "5", "10"),
			annRow(99, "2022", "100", "120", "30", "5", "10"),
		}, expected: []ExpectedFinding{bad("annual_unknown_enterprise.csv", 3, "uscc", "error", "facts for an enterprise that does not exist")}},
		{name: "monthly_year.csv", header: []string{"统一社会信用代码", "年份", "月份", "工业总产值(万元)", "营业收入(万元)", "用电量(千瓦时)", "从业人员(人)"}, rows: [][]string{
			{defectUSCC(1), "2024", "2024-03", "100", "110", "5000", "40"},
			{defectUSCC(1), "2024", "2023-04", "100", "110", "5000", "40"},
		}, expected: []ExpectedFinding{bad("monthly_year.csv", 3, "月份", "error", "month outside its year")}},
	}
}

// WriteDefects writes the defects set into dir/defects and returns the
// expected findings (also written as expected.csv).
func WriteDefects(dir string) ([]ExpectedFinding, error) {
	out := filepath.Join(dir, DefectsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, dirError(dir, err)
	}
	var all []ExpectedFinding
	for _, f := range defectFiles() {
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Write(f.header)
		w.WriteAll(f.rows)
		text := b.String()
		if f.gb18030 {
			enc, err := simplifiedchinese.GB18030.NewEncoder().String(text)
			if err != nil {
				return nil, err
			}
			text = enc
		}
		if err := os.WriteFile(filepath.Join(out, f.name), []byte(text), 0o644); err != nil {
			return nil, dirError(dir, err)
		}
		all = append(all, f.expected...)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"file", "row", "column", "severity", "class"})
	for _, e := range all {
		w.Write([]string{e.File, fmt.Sprint(e.Row), e.Column, e.Severity, e.Class})
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(out, "expected.csv"), []byte(b.String()), 0o644); err != nil {
		return nil, dirError(dir, err)
	}
	return all, nil
}

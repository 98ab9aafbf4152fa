package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// Kind is the kind of dataset a file holds.
type Kind = indus.DatasetKind

// The dataset kinds, re-exported for readers of this package.
const (
	KindEnterprises = indus.KindEnterprises
	KindAnnual      = indus.KindAnnual
	KindMonthly     = indus.KindMonthly
)

// CanonicalColumns are the leading columns of Indus's canonical CSV format
// for each kind, in order (money 10k yuan, land mu, booleans true/false,
// missing = empty cell). Further columns may follow and are ignored.
var CanonicalColumns = map[Kind][]string{
	KindEnterprises: {"uscc", "name", "unit_code", "park", "industry_code", "business_scope", "above_size", "founded", "land_mu", "land_source"},
	KindAnnual: {"uscc", "year", "land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce",
		"electricity_kwh", "emissions_t", "rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility"},
	KindMonthly: {"uscc", "month", "output_value", "revenue", "electricity_kwh", "employees"},
}

// DetectCanonicalKind returns the kind whose canonical columns the header
// starts with.
func DetectCanonicalKind(header []string) (Kind, bool) {
	for _, k := range []Kind{KindEnterprises, KindAnnual, KindMonthly} {
		cols := CanonicalColumns[k]
		if len(header) < len(cols) {
			continue
		}
		match := true
		for i, c := range cols {
			if strings.TrimSpace(header[i]) != c {
				match = false
				break
			}
		}
		if match {
			return k, true
		}
	}
	return "", false
}

// Record is one parsed row; exactly one of the pointers is set.
type Record struct {
	Row        int
	Enterprise *indus.Enterprise
	Annual     *indus.AnnualFact
	Monthly    *indus.MonthlyFact
}

// CanonicalReader streams a canonical CSV file.
type CanonicalReader struct {
	file string
	kind Kind
	r    *csv.Reader
	row  int
}

// NewCanonicalReader reads the header row and detects the kind. A header
// that matches no kind is an error naming the columns it expected.
func NewCanonicalReader(file string, r io.Reader) (*CanonicalReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	// Tolerate a UTF-8 byte-order mark, as Excel writes one.
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, indus.Errorf(indus.EInvalid, "%s: the file is empty; expected a header row", file)
	}
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s: cannot read the header row: %v", file, err)
	}
	kind, ok := DetectCanonicalKind(header)
	if !ok {
		return nil, indus.Errorf(indus.EInvalid,
			"%s: the header row (%s) is not a canonical Indus file; it must start with the columns of enterprises.csv (%s), annual.csv (%s) or monthly.csv (%s)",
			file, strings.Join(header, ","),
			strings.Join(CanonicalColumns[KindEnterprises], ","),
			strings.Join(CanonicalColumns[KindAnnual], ","),
			strings.Join(CanonicalColumns[KindMonthly], ","))
	}
	return &CanonicalReader{file: file, kind: kind, r: cr, row: 1}, nil
}

// Kind returns the detected dataset kind.
func (c *CanonicalReader) Kind() Kind { return c.kind }

// Next returns the next record and the findings on its row. A row with an
// error-severity finding comes back with a nil record. At the end it
// returns io.EOF.
func (c *CanonicalReader) Next() (*Record, []Finding, error) {
	fields, err := c.r.Read()
	c.row++
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, indus.Errorf(indus.EInvalid, "%s:%d: malformed CSV: %v", c.file, pe.StartLine, pe.Err)
		}
		return nil, nil, indus.Errorf(indus.EInvalid, "%s:%d: %v", c.file, c.row, err)
	}
	p := rowParser{file: c.file, row: c.row, fields: fields, cols: CanonicalColumns[c.kind]}
	if len(fields) < len(p.cols) {
		p.add("", "", SevError, fmt.Sprintf("the row has %d fields, expected at least %d", len(fields), len(p.cols)),
			fmt.Sprintf("该行有 %d 列，应至少有 %d 列", len(fields), len(p.cols)))
		return nil, p.findings, nil
	}
	rec := &Record{Row: c.row}
	switch c.kind {
	case KindEnterprises:
		rec.Enterprise = p.enterprise()
	case KindAnnual:
		rec.Annual = p.annual()
	case KindMonthly:
		rec.Monthly = p.monthly()
	}
	if p.hasError {
		return nil, p.findings, nil
	}
	return rec, p.findings, nil
}

// rowParser parses the fields of one row and collects its findings.
type rowParser struct {
	file     string
	row      int
	fields   []string
	cols     []string
	findings []Finding
	hasError bool
}

func (p *rowParser) add(col, val string, sev Severity, en, zh string) {
	p.findings = append(p.findings, Finding{File: p.file, Row: p.row, Column: col, Value: val, Severity: sev, Message: en, MessageZh: zh})
	if sev == SevError {
		p.hasError = true
	}
}

func (p *rowParser) field(i int) string { return strings.TrimSpace(p.fields[i]) }

func (p *rowParser) uscc(i int) string {
	raw := p.field(i)
	code := indus.NormalizeUSCC(raw)
	switch prob, msg := indus.CheckUSCC(code); prob {
	case indus.USCCMalformed:
		p.add(p.cols[i], raw, SevError, msg, "统一社会信用代码格式错误（应为18位，不含 I、O、Z、S、V）")
	case indus.USCCCheckFailed:
		p.add(p.cols[i], raw, SevWarning, msg, "统一社会信用代码校验位不符（早期试点代码可能合法，可确认后接受）")
	}
	return code
}

func (p *rowParser) required(i int) string {
	v := p.field(i)
	if v == "" {
		p.add(p.cols[i], v, SevError, "a value is required", "必填项为空")
	}
	return v
}

// number parses an optional number; empty means missing (nil).
func (p *rowParser) number(i int) *float64 {
	v := p.field(i)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.add(p.cols[i], v, SevError, "not a number", "不是有效数字")
		return nil
	}
	if f < 0 {
		p.add(p.cols[i], v, SevError, "must not be negative", "不能为负数")
		return nil
	}
	return &f
}

func (p *rowParser) boolean(i int) bool {
	switch v := p.field(i); v {
	case "true":
		return true
	case "false", "":
		return false
	default:
		p.add(p.cols[i], v, SevError, "must be true or false", "应为 true 或 false")
		return false
	}
}

func (p *rowParser) enterprise() *indus.Enterprise {
	e := &indus.Enterprise{
		USCC:          p.uscc(0),
		Name:          p.required(1),
		UnitCode:      p.required(2),
		Park:          p.field(3),
		IndustryCode:  p.field(4),
		BusinessScope: p.field(5),
		AboveSize:     p.boolean(6),
		LandMu:        p.number(8),
		LandSource:    indus.LandSource(p.field(9)),
	}
	if e.UnitCode != "" {
		if _, ok := refdata.UnitByCode(e.UnitCode); !ok {
			p.add(p.cols[2], e.UnitCode, SevError, "not one of the 41 evaluation unit codes", "不是41个评价单元代码之一")
		}
	}
	if e.IndustryCode != "" {
		if it, ok := refdata.GBT4754().Lookup(e.IndustryCode); !ok || it.Level != refdata.LevelClass {
			p.add(p.cols[4], e.IndustryCode, SevError, "not a GB/T 4754-2017 class code (4 digits)", "不是 GB/T 4754-2017 小类代码（4位）")
		}
	}
	if v := p.field(7); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			p.add(p.cols[7], v, SevError, "not a date; write YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
		}
		e.Founded = t
	}
	if !e.LandSource.Valid() {
		p.add(p.cols[9], string(e.LandSource), SevError, "land source must be certificate, lease or imagery", "用地来源应为 certificate、lease 或 imagery")
	}
	return e
}

func (p *rowParser) year(i int) int {
	v := p.field(i)
	y, err := strconv.Atoi(v)
	if err != nil || y < 1949 || y > 2100 {
		p.add(p.cols[i], v, SevError, "not a year between 1949 and 2100", "年份无效")
	}
	return y
}

func (p *rowParser) annual() *indus.AnnualFact {
	return &indus.AnnualFact{
		USCC: p.uscc(0), Year: p.year(1),
		LandMu: p.number(2), Revenue: p.number(3), OutputValue: p.number(4), ValueAdded: p.number(5),
		Tax: p.number(6), EnergyTCE: p.number(7), ElectricityKWh: p.number(8), EmissionsT: p.number(9),
		RDSpend: p.number(10), Employees: p.number(11),
		SafetyAccident: p.boolean(12), EnvViolation: p.boolean(13), UnderConstruction: p.boolean(14), Utility: p.boolean(15),
	}
}

func (p *rowParser) monthly() *indus.MonthlyFact {
	f := &indus.MonthlyFact{USCC: p.uscc(0),
		OutputValue: p.number(2), Revenue: p.number(3), ElectricityKWh: p.number(4), Employees: p.number(5)}
	v := p.field(1)
	m, err := indus.ParseMonth(v)
	if err != nil {
		p.add(p.cols[1], v, SevError, "not a month; write YYYY-MM", "月份格式应为 YYYY-MM")
	}
	f.Month = m
	return f
}

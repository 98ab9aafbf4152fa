package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// Thresholds of the within-row plausibility checks (warnings).
const (
	// aboveSizeRevenue is the above-designated-size threshold, 20 million
	// yuan in 10k yuan: a firm this large with no employees is suspect.
	aboveSizeRevenue = 2000
	// maxPlausibleLandMu: no single enterprise holds 100,000 mu (66.7 km²);
	// such a value is most likely square metres in a mu column.
	maxPlausibleLandMu = 100000
)

// rowParser parses the cells of one row and collects its findings.
type rowParser struct {
	r        *reader
	row      int
	cells    []string
	findings []Finding
	origs    []Original
	hasError bool
}

func (p *rowParser) header(c colID) string {
	if b := p.r.bind[c]; b != nil {
		return b.header
	}
	return colSpecs[c].name
}

func (p *rowParser) add(c colID, val string, sev Severity, en, zh string) {
	p.addCol(p.header(c), val, sev, en, zh)
}

func (p *rowParser) addCol(col, val string, sev Severity, en, zh string) {
	p.findings = append(p.findings, Finding{File: p.r.file, Row: p.row, Column: col, Value: printable(val),
		Severity: sev, Message: en, MessageZh: zh})
	if sev == SevError {
		p.hasError = true
	}
}

func (p *rowParser) orig(c colID, v, unit string) {
	p.origs = append(p.origs, Original{Column: colSpecs[c].name, Value: v, Unit: unit})
}

// raw returns the trimmed cell of column c, and whether it is clean text.
// A NUL byte or bytes invalid in the file's encoding are an error.
func (p *rowParser) raw(c colID) (string, bool) {
	b := p.r.bind[c]
	if b == nil {
		return "", false
	}
	v := cellAt(p.cells, b.idx)
	t := trimCell(v)
	if t == "" {
		return "", true
	}
	switch cellProblem(t) {
	case "nul":
		p.add(c, t, SevError, "the cell contains a NUL byte; the file is damaged or not a text file",
			"单元格含有 NUL 字节，文件已损坏或不是文本文件")
		return "", false
	case "encoding":
		p.add(c, t, SevError, "the cell holds bytes that are not valid text in the file's encoding; save the file as UTF-8 or GB18030",
			"单元格含有不符合文件编码的字节，请将文件另存为 UTF-8 或 GB18030 编码")
		return "", false
	}
	return t, true
}

// text reads a free-text cell. Formula-like content is kept as data and
// flagged; a leading apostrophe that an export added to neutralise it is
// removed (and the cell kept in Originals).
func (p *rowParser) text(c colID, checkFormula bool) string {
	v, ok := p.raw(c)
	if !ok || v == "" {
		return ""
	}
	if isMissingMarker(v) {
		p.orig(c, v, "")
		return ""
	}
	if checkFormula {
		b := p.r.bind[c]
		cell := cellAt(p.cells, b.idx)
		switch {
		case len(v) > 1 && v[0] == '\'' && strings.IndexByte("=+-@\t\r", v[1]) >= 0:
			p.orig(c, v, "")
			v = v[1:]
			p.formulaWarning(c, v)
		case formulaLike(cell) || formulaLike(v):
			p.formulaWarning(c, v)
		}
	}
	return v
}

func (p *rowParser) formulaWarning(c colID, v string) {
	p.add(c, v, SevWarning,
		"formula-like content (starts with =, +, -, @, tab or CR): kept as text and never evaluated; exports neutralise it",
		"单元格内容形似公式（以 =、+、-、@、制表符或回车开头）：按文本保存，不会执行；导出时将作安全处理")
}

func (p *rowParser) required(c colID) {
	p.add(c, "", SevError, "a value is required", "必填项为空")
}

// number reads an optional quantity, converting it to the canonical unit.
func (p *rowParser) number(c colID, dst *float64) *float64 {
	v, ok := p.raw(c)
	if !ok || v == "" {
		return nil
	}
	b := p.r.bind[c]
	n, prob := parseNumber(v)
	switch prob {
	case npNone:
	case npPercent:
		p.add(c, v, SevError, "a percentage where an amount is expected", "此处应为数量，不应是百分比")
		return nil
	case npGrouping:
		p.add(c, v, SevError, "not a number: the commas are not thousands separators (write 1,234.5 or 1234.5; a decimal comma is not accepted)",
			"不是有效数字：逗号不是千位分隔符（应写作 1,234.5 或 1234.5，不接受逗号作小数点）")
		return nil
	case npSpreadsheetError:
		p.add(c, v, SevError, "the cell holds a spreadsheet error ("+v+"): a formula failed in the source workbook",
			"单元格为表格错误值（"+v+"）：源表公式计算失败")
		return nil
	case npTooLarge:
		p.add(c, v, SevError, "the number is too large", "数值过大")
		return nil
	default:
		p.add(c, v, SevError, "not a number", "不是有效数字")
		return nil
	}
	if n.missing {
		if n.changed {
			p.orig(c, v, b.unit.name)
		}
		return nil
	}
	u := b.unit
	if n.suffix != "" {
		su, ok := lookupUnit(n.suffix)
		if !ok || su.q != colSpecs[c].quantity {
			p.add(c, v, SevError, fmt.Sprintf("not a number: unexpected text %q after it", n.suffix),
				fmt.Sprintf("不是有效数字：数字后有多余内容“%s”", n.suffix))
			return nil
		}
		u, n.changed = su, true
	}
	val := u.convert(n.v)
	if n.changed || u.mul != 1 || u.div != 1 {
		p.orig(c, v, u.name)
	}
	if val < 0 {
		if c == cValueAdded {
			p.add(c, v, SevWarning, "negative value added: possible for a loss-making year, but check it",
				"工业增加值为负：亏损年份可能出现，请核实")
		} else {
			p.add(c, v, SevError, "must not be negative", "不能为负数")
			return nil
		}
	}
	*dst = val
	return dst
}

// flag reads a yes/no cell; blank means no.
func (p *rowParser) flag(c colID) bool {
	v, ok := p.raw(c)
	if !ok || v == "" {
		return false
	}
	b, ok, changed := boolValue(v)
	if !ok {
		p.add(c, v, SevError, "must be yes or no: true/false, 是/否, 1/0, Y/N or √", "应为是或否：true/false、是/否、1/0、Y/N 或 √")
		return false
	}
	if changed {
		p.orig(c, v, "")
	}
	return b
}

func (p *rowParser) uscc() string {
	v, ok := p.raw(cUSCC)
	if !ok {
		return ""
	}
	if v == "" {
		p.required(cUSCC)
		return ""
	}
	if strings.ContainsAny(v, "+.") && strings.ContainsAny(v, "eE") {
		p.add(cUSCC, v, SevError,
			"the code was stored as a number and lost its digits (scientific notation); format the column as text in the spreadsheet and enter the codes again",
			"代码被存为数字并丢失了位数（科学计数法）；请在表格中将该列设为文本格式后重新录入")
		return ""
	}
	code := v
	if !plainCode(v) {
		code = strings.ToUpper(foldWidth(v))
	}
	if strings.ContainsAny(code, " -\u00a0") {
		code = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(code)
	}
	if code != v {
		p.orig(cUSCC, v, "")
	}
	if validUSCCFast(code) {
		return code
	}
	switch prob, msg := indus.CheckUSCC(code); prob {
	case indus.USCCMalformed:
		p.add(cUSCC, v, SevError, msg, "统一社会信用代码格式错误（应为18位，不含 I、O、Z、S、V）")
	case indus.USCCCheckFailed:
		p.add(cUSCC, v, SevWarning, msg, "统一社会信用代码校验位不符（早期试点代码可能合法，可确认后接受）")
	}
	return code
}

func (p *rowParser) unitCode() string {
	v, ok := p.raw(cUnit)
	if !ok {
		return ""
	}
	if v == "" || isMissingMarker(v) {
		p.required(cUnit)
		return ""
	}
	code, ok := unitCode(v)
	if !ok {
		p.add(cUnit, v, SevError, "not one of the 41 evaluation units: write the district or county as its code (500101), its name (万州区) or its English name (Wanzhou); functional zones: 两江新区, 重庆高新区, 万盛经开区",
			"不是41个评价单元之一：请填写区县代码（如 500101）、名称（如 万州区）或英文名（如 Wanzhou）；功能区为 两江新区、重庆高新区、万盛经开区")
		return ""
	}
	if code != v {
		p.orig(cUnit, v, "")
	}
	return code
}

func (p *rowParser) industry() string {
	v, ok := p.raw(cIndustry)
	if !ok || v == "" {
		return ""
	}
	if isMissingMarker(v) {
		p.orig(cIndustry, v, "")
		return ""
	}
	code, changed := industryCode(v)
	ind := refdata.GBT4754()
	it, found := ind.Lookup(code)
	if found && it.Level == refdata.LevelClass {
		if changed {
			p.orig(cIndustry, v, "")
		}
		return code
	}
	// A 4-digit class of divisions 01–09 written as a number loses its
	// leading zero (0610 → 610). Restore it when the 3 digits are no group
	// of their own; when they are, which is meant cannot be known.
	if len(code) == 3 && allDigits(code) {
		if zc, ok := ind.Lookup("0" + code); ok && zc.Level == refdata.LevelClass {
			if !found {
				p.orig(cIndustry, v, "")
				p.add(cIndustry, v, SevWarning,
					fmt.Sprintf("read as class %s (%s): the leading zero was lost, probably because the code was stored as a number", zc.Code, zc.NameZh),
					fmt.Sprintf("按小类 %s（%s）处理：首位 0 丢失，可能是代码被存为数字", zc.Code, zc.NameZh))
				return zc.Code
			}
			p.add(cIndustry, v, SevError,
				fmt.Sprintf("%s is a 3-digit group (%s), not a 4-digit class; if class %s (%s) is meant, its leading zero was lost: store the codes as text",
					code, it.NameZh, zc.Code, zc.NameZh),
				fmt.Sprintf("%s 是中类（%s），不是4位小类；如指小类 %s（%s），则首位 0 已丢失：请将代码存为文本", code, it.NameZh, zc.Code, zc.NameZh))
			return ""
		}
	}
	if found {
		classes := ind.Classes(code)
		hint := strings.Join(firstN(classes, 6), ", ")
		if len(classes) > 6 {
			hint += ", …"
		}
		lv := map[refdata.Level][2]string{refdata.LevelSection: {"a section", "门类"}, refdata.LevelDivision: {"a 2-digit division", "大类"},
			refdata.LevelGroup: {"a 3-digit group", "中类"}}[it.Level]
		p.add(cIndustry, v, SevError,
			fmt.Sprintf("%s is %s (%s), not a 4-digit class; its classes are %s", code, lv[0], it.NameZh, hint),
			fmt.Sprintf("%s 是%s（%s），应填写4位小类代码，如 %s", code, lv[1], it.NameZh, hint))
		return ""
	}
	p.add(cIndustry, v, SevError, "not a GB/T 4754-2017 class code (4 digits)", "不是 GB/T 4754-2017 小类代码（4位）")
	return ""
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (p *rowParser) founded() time.Time {
	v, ok := p.raw(cFounded)
	if !ok || v == "" {
		return time.Time{}
	}
	if isMissingMarker(v) {
		p.orig(cFounded, v, "")
		return time.Time{}
	}
	t, prec, changed, ok := parseDate(v, p.r.date1904)
	if !ok || t.Year() < 1800 {
		p.add(cFounded, v, SevError, "not a date; write YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
		return time.Time{}
	}
	if changed {
		p.orig(cFounded, v, "")
	}
	switch prec {
	case precMonth:
		p.add(cFounded, v, SevWarning, "only the month is given: stored as its first day", "仅有年月：按当月1日保存")
	case precYear:
		p.add(cFounded, v, SevWarning, "only the year is given: stored as 1 January", "仅有年份：按当年1月1日保存")
	}
	if t.After(time.Now()) {
		p.add(cFounded, v, SevWarning, "the date is in the future", "日期晚于今天")
	}
	return t
}

func (p *rowParser) landSource() indus.LandSource {
	v, ok := p.raw(cLandSource)
	if !ok || v == "" {
		return ""
	}
	if isMissingMarker(v) {
		p.orig(cLandSource, v, "")
		return ""
	}
	s, ok := landSourceValue(v)
	if !ok {
		p.add(cLandSource, v, SevError, "land source must be certificate (权证), lease (租赁) or imagery (影像测绘)",
			"用地来源应为 certificate（权证）、lease（租赁）或 imagery（影像测绘）")
		return ""
	}
	if s != v {
		p.orig(cLandSource, v, "")
	}
	return indus.LandSource(s)
}

// year reads the year column; ok is false when it is missing or invalid
// (the finding is added).
func (p *rowParser) year() (int, bool) {
	v, ok := p.raw(cYear)
	if !ok {
		return 0, false
	}
	if v == "" {
		p.required(cYear)
		return 0, false
	}
	y, ok := yearValue(foldWidth(v))
	if !ok || y < 1949 || y > 2100 {
		p.add(cYear, v, SevError, "not a year between 1949 and 2100", "年份无效（应在1949至2100之间）")
		return 0, false
	}
	if len(v) != 4 || !allDigits(v) {
		p.orig(cYear, v, "")
	}
	return y, true
}

// month reads 月份 as YYYY-MM, or as 1–12 with the year column.
func (p *rowParser) month() (indus.Month, bool) {
	v, ok := p.raw(cMonth)
	if !ok {
		return indus.Month{}, false
	}
	if v == "" {
		p.required(cMonth)
		return indus.Month{}, false
	}
	hasYear := p.r.bind[cYear] != nil
	if y, m, changed, ok := fullMonth(v, p.r.date1904); ok {
		if y < 1949 || y > 2100 {
			p.add(cMonth, v, SevError, "not a month between 1949 and 2100", "月份超出1949至2100年范围")
			return indus.Month{}, false
		}
		if hasYear {
			if yv, _ := p.raw(cYear); yv != "" {
				if yy, ok := yearValue(foldWidth(yv)); ok && yy != y {
					p.add(cMonth, v, SevError,
						fmt.Sprintf("the month %04d-%02d is outside the year %d given in column %s", y, m, yy, p.header(cYear)),
						fmt.Sprintf("月份 %04d-%02d 不在“%s”列所填年份 %d 内", y, m, p.header(cYear), yy))
					return indus.Month{}, false
				}
			}
		}
		if changed {
			p.orig(cMonth, v, "")
		}
		return indus.Month{Year: y, Month: time.Month(m)}, true
	}
	if m, ok := monthOnly(foldWidth(v)); ok {
		if !hasYear {
			p.add(cMonth, v, SevError, "a month without a year: write YYYY-MM or add a 年份 (year) column",
				"月份缺少年份：请写作 YYYY-MM，或增加“年份”列")
			return indus.Month{}, false
		}
		y, ok := p.year()
		if !ok {
			return indus.Month{}, false
		}
		p.orig(cMonth, v, "")
		return indus.Month{Year: y, Month: time.Month(m)}, true
	}
	p.add(cMonth, v, SevError, "not a month; write YYYY-MM (e.g. 2024-03), or 1–12 with a 年份 column",
		"月份格式应为 YYYY-MM（如 2024-03），或在有“年份”列时填 1–12")
	return indus.Month{}, false
}

// Row boxes: one allocation per record holds the record, its fact and the
// values its pointers point to.
type enterpriseBox struct {
	rec  Record
	e    indus.Enterprise
	land float64
}

type annualBox struct {
	rec  Record
	f    indus.AnnualFact
	vals [10]float64
}

type monthlyBox struct {
	rec  Record
	f    indus.MonthlyFact
	vals [4]float64
}

// parseRow turns one data row into a record and its findings.
func (r *reader) parseRow(cells []string, row int) (*Record, []Finding) {
	rec, fs, key := r.parseCells(cells, row)
	return r.dedup(rec, fs, key)
}

// parseCells parses and checks one data row on its own: everything but
// the duplicate check, which needs the rows before it. It changes nothing
// in r, so rows can be parsed concurrently. A row with an error comes back
// with a nil record.
func (r *reader) parseCells(cells []string, row int) (*Record, []Finding, [2]uint64) {
	p := rowParser{r: r, row: row, cells: cells}
	if r.csv != nil {
		if len(cells) < r.width {
			p.addCol("", strconv.Itoa(len(cells)), SevError,
				fmt.Sprintf("the row has %d fields, the header has %d: a field is missing or a line was broken", len(cells), r.width),
				fmt.Sprintf("该行有 %d 列，表头有 %d 列：缺少字段或该行被断开", len(cells), r.width))
			return nil, p.findings, [2]uint64{}
		}
		// More fields than the header, even empty ones, mean the columns
		// have shifted (a delimiter inside an unquoted value): every value
		// after it would land in the wrong column.
		if len(cells) > r.width {
			p.addCol("", strconv.Itoa(len(cells)), SevError,
				fmt.Sprintf("the row has %d fields, the header has %d: probably a delimiter inside an unquoted value", len(cells), r.width),
				fmt.Sprintf("该行有 %d 列，表头有 %d 列：可能是未加引号的值中含有分隔符", len(cells), r.width))
			return nil, p.findings, [2]uint64{}
		}
	}
	var rec *Record
	var key [2]uint64
	switch r.kind {
	case KindEnterprises:
		box := &enterpriseBox{}
		e := &box.e
		e.USCC = p.uscc()
		e.Name = p.text(cName, true)
		if e.Name == "" && p.r.bind[cName] != nil && !p.hasErrorOn(cName) {
			p.required(cName)
		}
		e.UnitCode = p.unitCode()
		e.Park = p.text(cPark, true)
		e.IndustryCode = p.industry()
		e.BusinessScope = p.text(cScope, true)
		e.AboveSize = p.flag(cAboveSize)
		e.Founded = p.founded()
		e.LandMu = p.number(cLandMu, &box.land)
		e.LandSource = p.landSource()
		p.checkLand(e.LandMu)
		box.rec.Enterprise = e
		rec = &box.rec
		key = usccKey(e.USCC, 0)
	case KindAnnual:
		box := &annualBox{}
		f := &box.f
		v := &box.vals
		f.USCC = p.uscc()
		f.Year, _ = p.year()
		f.LandMu = p.number(cLandMu, &v[0])
		f.Revenue = p.number(cRevenue, &v[1])
		f.OutputValue = p.number(cOutput, &v[2])
		f.ValueAdded = p.number(cValueAdded, &v[3])
		f.Tax = p.number(cTax, &v[4])
		f.EnergyTCE = p.number(cEnergy, &v[5])
		f.ElectricityKWh = p.number(cElectricity, &v[6])
		f.EmissionsT = p.number(cEmissions, &v[7])
		f.RDSpend = p.number(cRD, &v[8])
		f.Employees = p.number(cEmployees, &v[9])
		f.SafetyAccident = p.flag(cSafety)
		f.EnvViolation = p.flag(cEnv)
		f.UnderConstruction = p.flag(cConstruction)
		f.Utility = p.flag(cUtility)
		if v, ok := p.raw(cAboveSize); ok && v != "" {
			above := p.flag(cAboveSize)
			f.AboveSize = &above
		}
		p.checkLand(f.LandMu)
		p.checkAnnual(f)
		box.rec.Annual = f
		rec = &box.rec
		key = usccKey(f.USCC, uint32(f.Year))
	case KindMonthly:
		box := &monthlyBox{}
		f := &box.f
		v := &box.vals
		f.USCC = p.uscc()
		f.Month, _ = p.month()
		f.OutputValue = p.number(cOutput, &v[0])
		f.Revenue = p.number(cRevenue, &v[1])
		f.ElectricityKWh = p.number(cElectricity, &v[2])
		f.Employees = p.number(cEmployees, &v[3])
		box.rec.Monthly = f
		rec = &box.rec
		key = usccKey(f.USCC, uint32(f.Month.Index()))
	}
	if p.hasError {
		return nil, p.findings, key
	}
	rec.Row = row
	rec.Originals = p.origs
	return rec, p.findings, key
}

// dedup rejects a record whose key an earlier row of the file already
// has; rows must come to it in file order.
func (r *reader) dedup(rec *Record, fs []Finding, key [2]uint64) (*Record, []Finding) {
	if rec == nil {
		return nil, fs
	}
	if first, dup := r.dups.firstOrAdd(key, int32(rec.Row)); dup {
		kt := keyText(rec)
		fs = append(fs, Finding{File: r.file, Row: rec.Row, Column: r.keyHdr, Value: printable(kt), Severity: SevError,
			Message:   fmt.Sprintf("%s appears more than once in the file (rows %d and %d); this row is rejected", kt, first, rec.Row),
			MessageZh: fmt.Sprintf("%s 在文件中重复出现（第 %d 行与第 %d 行）；本行不予导入", kt, first, rec.Row)})
		return nil, fs
	}
	return rec, fs
}

// keyText writes a record's key as the store does: uscc, uscc|year or
// uscc|YYYY-MM.
func keyText(rec *Record) string {
	switch {
	case rec.Annual != nil:
		return rec.Annual.USCC + "|" + strconv.Itoa(rec.Annual.Year)
	case rec.Monthly != nil:
		return rec.Monthly.USCC + "|" + rec.Monthly.Month.String()
	}
	return rec.Enterprise.USCC
}

func (p *rowParser) hasErrorOn(c colID) bool {
	h := p.header(c)
	for _, f := range p.findings {
		if f.Column == h && f.Severity == SevError {
			return true
		}
	}
	return false
}

func (p *rowParser) checkLand(land *float64) {
	if land != nil && *land > maxPlausibleLandMu {
		p.add(cLandMu, p.cellText(cLandMu), SevWarning,
			fmt.Sprintf("%.0f mu is implausible for one enterprise: were square metres entered in a mu column?", *land),
			fmt.Sprintf("单个企业用地 %.0f 亩不合常理：是否将平方米填入了亩的列？", *land))
	}
}

func (p *rowParser) cellText(c colID) string {
	if b := p.r.bind[c]; b != nil {
		return trimCell(cellAt(p.cells, b.idx))
	}
	return ""
}

// checkAnnual flags figures that contradict each other within the row.
func (p *rowParser) checkAnnual(f *indus.AnnualFact) {
	if f.ValueAdded != nil && f.OutputValue != nil && *f.ValueAdded > *f.OutputValue {
		p.add(cValueAdded, p.cellText(cValueAdded), SevWarning,
			"value added is larger than gross output: check both figures and their units",
			"工业增加值大于工业总产值：请核对两项数值及单位")
	}
	// A firm without revenue (in construction, not yet producing) still pays
	// land-use and property tax: only compare when there is revenue.
	if f.Tax != nil && f.Revenue != nil && *f.Revenue > 0 && *f.Tax > *f.Revenue {
		p.add(cTax, p.cellText(cTax), SevWarning,
			"tax paid is larger than revenue: check both figures and their units",
			"实缴税金大于营业收入：请核对两项数值及单位")
	}
	if f.RDSpend != nil && f.Revenue != nil && *f.Revenue > 0 && *f.RDSpend > *f.Revenue {
		p.add(cRD, p.cellText(cRD), SevWarning,
			"R&D expenditure is larger than revenue: check both figures and their units",
			"研发经费支出大于营业收入：请核对两项数值及单位")
	}
	if f.Employees != nil && *f.Employees == 0 && f.Revenue != nil && *f.Revenue >= aboveSizeRevenue {
		p.add(cEmployees, p.cellText(cEmployees), SevWarning,
			fmt.Sprintf("no employees, yet revenue is %g (10k yuan): check the employee count", *f.Revenue),
			fmt.Sprintf("职工人数为 0，但营业收入为 %g 万元：请核对职工人数", *f.Revenue))
	}
}

// usccKey packs a well-formed code (5 bits a character) and a year or month
// index into a map key, so the duplicate check holds no strings: 1 M rows
// take about 40 MB.
func usccKey(code string, extra uint32) [2]uint64 {
	var k [2]uint64
	if len(code) != 18 {
		return k
	}
	for i := 0; i < 12; i++ {
		k[0] = k[0]<<5 | uint64(usccValue[code[i]]&31)
	}
	for i := 12; i < 18; i++ {
		k[1] = k[1]<<5 | uint64(usccValue[code[i]]&31)
	}
	k[1] = k[1]<<32 | uint64(extra)
	return k
}

// plainCode reports a code already in upper-case ASCII letters and digits.
func plainCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// usccValue maps a byte to its value in the USCC alphabet, -1 outside it.
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		t[usccAlphabet[i]] = int8(i)
	}
	return t
}()

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// validUSCCFast is the check of indus.CheckUSCC (GB 32100-2015) with a
// table instead of searches; any code it rejects goes to indus.CheckUSCC
// for the verdict and its message.
func validUSCCFast(code string) bool {
	if len(code) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue[code[i]]
		if v < 0 {
			return false
		}
		sum += int(v) * usccWeights[i]
	}
	return usccValue[code[17]] == int8((31-sum%31)%31)
}

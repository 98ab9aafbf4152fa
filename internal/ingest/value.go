package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/indus-platform/indus/internal/refdata"
)

// numProblem says why a cell is not a number.
type numProblem int

const (
	npNone             numProblem = iota
	npNotNumber                   // no number at all, or text around it
	npPercent                     // a percentage where an amount is expected
	npGrouping                    // commas that are not thousands separators
	npSpreadsheetError            // #N/A, #DIV/0! …: a formula failed in the source workbook
	npTooLarge                    // beyond float64
)

// number is a parsed number cell.
type number struct {
	v       float64
	missing bool   // blank or a missing marker (—, -, /, 无 …)
	changed bool   // the text was normalised: full-width digits, thousands separators, ¥, (123)
	suffix  string // text after the number, which may be a unit ("1.5亿元" → "亿元")
}

// isMissingMarker reports the ways analysts write "no value".
func isMissingMarker(s string) bool {
	switch s {
	case "-", "--", "---", "—", "——", "–", "――", "―", "/", "\\", "无", "空", "null", "NULL", "Null", "n/a", "N/A", "－", "／", "－－":
		return true
	}
	return false
}

var spreadsheetErrors = []string{"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#N/A!"}

// parseNumber reads a number cell as analysts write it: thousands
// separators, full-width digits, scientific notation, a currency sign,
// accounting parentheses for negatives, and a unit after the number. s must
// be trimmed. Missing markers give missing; blank gives missing.
func parseNumber(s string) (number, numProblem) {
	var n number
	if s == "" {
		n.missing = true
		return n, npNone
	}
	// Fast path: plain ASCII decimal, as canonical files and XLSX raw values hold.
	if v, ok := fastDecimal(s); ok {
		n.v = v
		return n, npNone
	}
	if plainDecimal(s) {
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			n.v = v
			return n, npNone
		}
	}
	if isMissingMarker(s) {
		n.missing, n.changed = true, true
		return n, npNone
	}
	t := foldWidth(s)
	if t != s {
		n.changed = true
		if isMissingMarker(t) {
			n.missing = true
			return n, npNone
		}
	}
	if t[0] == '#' {
		for _, e := range spreadsheetErrors {
			if strings.EqualFold(t, e) {
				return n, npSpreadsheetError
			}
		}
		return n, npNotNumber
	}
	neg := false
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") && len(t) > 2 {
		t, neg, n.changed = strings.TrimSpace(t[1:len(t)-1]), true, true
	}
	for _, cur := range []string{"¥", "￥", "RMB", "CNY"} {
		if strings.HasPrefix(t, cur) {
			t, n.changed = strings.TrimSpace(t[len(cur):]), true
			break
		}
	}
	// Scan [+-]digits-and-commas[.digits][e[+-]digits].
	i := 0
	var clean []byte
	var buf [64]byte
	clean = buf[:0]
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		if t[i] == '-' {
			clean = append(clean, '-')
		}
		i++
	}
	intStart := i
	digits := 0
	commas := false
	for i < len(t) && (isDigit(t[i]) || t[i] == ',') {
		if t[i] == ',' {
			commas = true
		} else {
			clean = append(clean, t[i])
			digits++
		}
		i++
	}
	intPart := t[intStart:i]
	if i < len(t) && t[i] == '.' {
		clean = append(clean, '.')
		i++
		for i < len(t) && isDigit(t[i]) {
			clean = append(clean, t[i])
			digits++
			i++
		}
	}
	if digits == 0 {
		return number{}, npNotNumber
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		j := i + 1
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		k := j
		for k < len(t) && isDigit(t[k]) {
			k++
		}
		if k > j {
			clean = append(clean, t[i:k]...)
			i = k
		}
	}
	if commas {
		if !validGrouping(intPart) {
			return number{}, npGrouping
		}
		n.changed = true
	}
	rest := strings.TrimSpace(t[i:])
	if strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, "‰") {
		return number{}, npPercent
	}
	v, err := strconv.ParseFloat(string(clean), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return number{}, npTooLarge
		}
		return number{}, npNotNumber
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return number{}, npTooLarge
	}
	if neg {
		if v < 0 {
			return number{}, npNotNumber
		}
		v = -v
	}
	n.v = v
	n.suffix = rest
	return n, npNone
}

// parseNumberPlain parses a number without a unit suffix.
func parseNumberPlain(s string) (float64, error) {
	n, p := parseNumber(s)
	if p != npNone || n.missing || n.suffix != "" {
		return 0, errors.New("not a number")
	}
	return n.v, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// plainDecimal reports an optional '-' then digits with at most one '.',
// the form that needs no normalisation.
func plainDecimal(s string) bool {
	i := 0
	if s[0] == '-' {
		i = 1
	}
	if i == len(s) {
		return false
	}
	dot, digits := false, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// validGrouping checks thousands separators: 1,234 and 12,345,678 but not
// 1,23 or 1234,5 (a decimal comma, which is ambiguous).
func validGrouping(s string) bool {
	groups := strings.Split(s, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// boolValue reads a yes/no cell; ok is false for text that is neither.
// changed is set for forms other than the usual true/false, 是/否, 1/0.
func boolValue(s string) (v, ok, changed bool) {
	if s == "" {
		return false, true, false
	}
	switch strings.ToLower(foldWidth(s)) {
	case "true", "是", "1", "y", "yes", "t", "√", "✓", "✔", "☑", "有", "规上", "规模以上", "1.0":
		return true, true, false
	case "false", "否", "0", "n", "no", "f", "×", "✗", "✘", "☐", "无", "规下", "规模以下", "0.0", "-", "—", "/", "--":
		return false, true, false
	}
	// A count of events (安全事故: 2) means yes.
	if k, err := strconv.Atoi(s); err == nil && k > 0 {
		return true, true, true
	}
	return false, false, false
}

// Excel serial dates: day 1 is 1900-01-01 and Excel counts a 29 February
// 1900 that never was (day 60, read as 28 February), so from day 61 on
// the epoch is 1899-12-30. In the 1904 system day 0 is 1904-01-01.
func excelSerialDate(serial float64, date1904 bool) (time.Time, bool) {
	if serial < 1 || serial > 2958465 || math.IsNaN(serial) {
		return time.Time{}, false
	}
	days := int(math.Floor(serial))
	if date1904 {
		return time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
	}
	switch {
	case days < 60:
		return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
	case days == 60: // Excel's 29 February 1900
		return time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), true
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days), true
}

var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日", "2006年01月02日",
	"2006-01-02 15:04:05", "2006/1/2 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04", "2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05", "2006-01-02T15:04:05.000", "2006/01/02", "2006.01.02", "2006年1月2号"}

// datePrecision says how much of a date a cell gave.
type datePrecision int

const (
	precDay datePrecision = iota
	precMonth
	precYear
)

// parseDate reads a date as analysts write it, or an Excel serial number.
// changed is false only for YYYY-MM-DD.
func parseDate(s string, date1904 bool) (t time.Time, prec datePrecision, changed, ok bool) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t, precDay, false, true
		}
	}
	f := strings.TrimSpace(foldWidth(s))
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, f); err == nil {
			return t, precDay, true, true
		}
	}
	if allDigits(f) && len(f) == 8 {
		if t, err := time.Parse("20060102", f); err == nil {
			return t, precDay, true, true
		}
	}
	for _, l := range []string{"2006-01", "2006/1", "2006-1", "2006.1", "2006年1月", "2006年01月", "200601"} {
		if t, err := time.Parse(l, f); err == nil {
			return t, precMonth, true, true
		}
	}
	if y, ok := yearValue(f); ok {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), precYear, true, true
	}
	if v, err := parseNumberPlain(f); err == nil && v >= 10000 {
		if t, ok := excelSerialDate(v, date1904); ok {
			return t, precDay, true, true
		}
	}
	return time.Time{}, precDay, false, false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// yearValue reads 2023, 2023年, 2023年度 or 2023.0 as a year (1800–2200;
// the caller checks the narrower range it needs).
func yearValue(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "度"), "年")
	s = strings.TrimSuffix(s, ".0")
	if len(s) != 4 || !allDigits(s) {
		return 0, false
	}
	y, _ := strconv.Atoi(s)
	if y < 1800 || y > 2200 {
		return 0, false
	}
	return y, true
}

var cnMonths = map[string]int{"一月": 1, "二月": 2, "三月": 3, "四月": 4, "五月": 5, "六月": 6, "七月": 7, "八月": 8, "九月": 9,
	"十月": 10, "十一月": 11, "十二月": 12}

// monthOnly reads a month number without a year: 3, 03, 3月, 三月.
func monthOnly(s string) (int, bool) {
	if m, ok := cnMonths[s]; ok {
		return m, true
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "月份"), "月")
	s = strings.TrimSuffix(s, ".0")
	if len(s) == 0 || len(s) > 2 || !allDigits(s) {
		return 0, false
	}
	m, _ := strconv.Atoi(s)
	return m, m >= 1 && m <= 12
}

// fullMonth reads a month with its year: 2024-03, 2024/3, 202403,
// 2024年3月, 2024.03, a date in that month or an Excel serial date.
func fullMonth(s string, date1904 bool) (year, month int, changed, ok bool) {
	if len(s) == 7 && s[4] == '-' {
		if t, err := time.Parse("2006-01", s); err == nil {
			return t.Year(), int(t.Month()), false, true
		}
	}
	f := foldWidth(s)
	for _, l := range []string{"2006-01", "2006/01", "200601", "2006-1", "2006/1", "2006.01", "2006.1", "2006年1月", "2006年01月", "2006年1月份"} {
		if t, err := time.Parse(l, f); err == nil {
			return t.Year(), int(t.Month()), true, true
		}
	}
	if t, prec, _, ok := parseDate(f, date1904); ok && prec != precYear {
		return t.Year(), int(t.Month()), true, true
	}
	return 0, 0, false, false
}

// Unit (evaluation unit) names as analysts write them.
var unitNames map[string]string

func unitLookupKey(s string) string {
	return strings.ToLower(headerKey(s))
}

func init() {
	unitNames = map[string]string{}
	add := func(code string, names ...string) {
		for _, n := range names {
			unitNames[unitLookupKey(n)] = code
		}
	}
	for _, u := range refdata.Units() {
		add(u.Code, u.Code, u.NameZh, u.NameEn, "重庆市"+u.NameZh, "重庆"+u.NameZh)
		zh := u.NameZh
		switch u.Kind {
		case "district":
			short := strings.TrimSuffix(zh, "区")
			add(u.Code, short, u.NameEn+" district", u.NameEn+"qu")
		case "county":
			r := []rune(zh)
			short := strings.TrimSuffix(zh, "县")
			if strings.Contains(zh, "自治县") {
				short = string(r[:2])
			}
			add(u.Code, short, short+"县", u.NameEn+" county", u.NameEn+"xian")
		}
	}
	add("LJ", "两江", "两江新区", "重庆两江新区", "两江新区管委会", "Liangjiang", "Liangjiang New Area", "liangjiang new district")
	add("GX", "高新区", "重庆高新区", "西部科学城重庆高新区", "重庆高新技术产业开发区", "高新技术产业开发区", "西部(重庆)科学城", "High-tech Zone",
		"Chongqing High-tech Zone", "Chongqing Hi-tech Zone", "high tech zone")
	add("WS", "万盛", "万盛经开区", "万盛经济技术开发区", "重庆万盛经济技术开发区", "万盛区", "Wansheng", "Wansheng ED Zone",
		"Wansheng Economic Development Zone")
}

// unitCode maps a 所属区县 cell (code, Chinese or English name) to a unit code.
func unitCode(s string) (string, bool) {
	if _, ok := refdata.UnitByCode(s); ok {
		return s, true
	}
	if c, ok := unitNames[unitLookupKey(s)]; ok {
		return c, true
	}
	if u, ok := refdata.UnitByName(s); ok {
		return u.Code, true
	}
	return "", false
}

// landSourceValue maps a 用地来源 cell to a land source.
func landSourceValue(s string) (string, bool) {
	k := strings.ToLower(headerKey(s))
	switch k {
	case "certificate", "lease", "imagery", "":
		return k, true
	}
	for _, m := range []struct {
		src   string
		words []string
	}{
		{"certificate", []string{"证", "自有", "出让", "划拨", "登记", "certificate", "deed", "title"}},
		{"lease", []string{"租", "lease", "rent"}},
		{"imagery", []string{"卫星", "遥感", "影像", "测绘", "实测", "imagery", "satellite", "survey"}},
	} {
		for _, w := range m.words {
			if strings.Contains(k, w) {
				return m.src, true
			}
		}
	}
	return "", false
}

// industryCode normalises a 行业代码 cell: a section letter in front
// (C3612), or the name after the code (3612 汽柴油车整车制造), is dropped.
func industryCode(s string) (string, bool) {
	f := foldWidth(s)
	changed := f != s
	if len(f) > 1 && f[0] >= 'A' && f[0] <= 'T' && isDigit(f[1]) {
		f, changed = f[1:], true
	}
	i := 0
	for i < len(f) && isDigit(f[i]) {
		i++
	}
	if i > 0 && i < len(f) {
		r, _ := utf8.DecodeRuneInString(f[i:])
		if r >= utf8.RuneSelf || r == ' ' || r == '-' {
			f, changed = f[:i], true
		}
	}
	f = strings.TrimSuffix(f, ".0")
	return f, changed
}

// formulaLike reports text that a spreadsheet would take for a formula.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// pow10tab holds the powers of ten that float64 represents exactly.
var pow10tab = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastDecimal parses [-]digits[.digits] when the digits fit in 2^53 and
// the fraction has at most 22 digits: then mantissa ÷ 10^k is one correctly
// rounded division of exact values, the same result as strconv.ParseFloat
// (its "exact" path), at a fraction of the cost. ok is false otherwise.
func fastDecimal(s string) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if mant > (1<<53)/10 {
				return 0, false
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
			continue
		}
		if c == '.' && frac < 0 {
			frac = 0
			continue
		}
		return 0, false
	}
	if digits == 0 || mant >= 1<<53 || frac > 22 {
		return 0, false
	}
	v := float64(mant)
	if frac > 0 {
		v /= pow10tab[frac]
	}
	if neg {
		v = -v
	}
	return v, true
}

package server

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Number formatting as Chinese analysts read it: thousands separators,
// money in 万元 (10k yuan) or 亿元 (100 million yuan), shares in per cent.
// The same digits serve both languages; only unit labels differ.

// dash stands for a value that was not reported or cannot be computed.
const dash = "—"

// toFloat reads a number from the value kinds pages pass around; ok is
// false for nil, NaN and non-numbers.
func toFloat(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case *float64:
		if x == nil {
			return 0, false
		}
		f = *x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// fmtFloat formats f with dec decimals (dec < 0: as many as needed, up to
// 6) and thousands separators in the integer part.
func fmtFloat(f float64, dec int) string {
	var s string
	if dec < 0 {
		s = strconv.FormatFloat(f, 'f', -1, 64)
		if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 6 {
			s = strconv.FormatFloat(f, 'f', 6, 64)
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	} else {
		s = strconv.FormatFloat(f, 'f', dec, 64)
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if neg && strings.Trim(intPart+frac, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	return b.String()
}

// fmtAny formats a number of any kind; integers ignore dec.
func fmtAny(v any, dec int) string {
	switch x := v.(type) {
	case int:
		return formatInt(int64(x))
	case int64:
		return formatInt(x)
	case int32:
		return formatInt(int64(x))
	}
	f, ok := toFloat(v)
	if !ok {
		return dash
	}
	return fmtFloat(f, dec)
}

// fmtMoney formats an amount given in 10k yuan: in 亿元 with two decimals
// from one 亿 up, else in 万元 with one decimal; t translates the unit.
func fmtMoney(lang string, v any, t func(string) string) string {
	f, ok := toFloat(v)
	if !ok {
		return dash
	}
	sep := " "
	if lang == "en" {
		sep = " × " // "8,231.29 × 100 M yuan"
	}
	if math.Abs(f) >= 1e4 {
		return fmtFloat(f/1e4, 2) + sep + t("unit.yi")
	}
	return fmtFloat(f, 1) + sep + t("unit.wan")
}

// fmtPct formats a fraction as a percentage; signed adds + to gains.
func fmtPct(v any, dec int, signed bool) string {
	f, ok := toFloat(v)
	if !ok {
		return dash
	}
	s := fmtFloat(f*100, dec) + "%"
	if signed && f > 0 && s != fmtFloat(0, dec)+"%" {
		s = "+" + s
	}
	return s
}

// fmtDate formats a day as YYYY-MM-DD.
func fmtDate(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return dash
		}
		return x.Format("2006-01-02")
	case *time.Time:
		if x == nil || x.IsZero() {
			return dash
		}
		return x.Format("2006-01-02")
	case string:
		if x == "" {
			return dash
		}
		return x
	}
	return dash
}

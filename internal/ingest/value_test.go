package ingest

import (
	"math"
	"strconv"
	"testing"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in      string
		v       float64
		missing bool
		changed bool
		suffix  string
		prob    numProblem
	}{
		{"1234.5", 1234.5, false, false, "", npNone},
		{"-0.25", -0.25, false, false, "", npNone},
		{"1,234.5", 1234.5, false, true, "", npNone},
		{"12,345,678", 12345678, false, true, "", npNone},
		{"１２３", 123, false, true, "", npNone},
		{"１，２３４．５", 1234.5, false, true, "", npNone},
		{"1.2E+05", 120000, false, false, "", npNone},
		{"3e-2", 0.03, false, false, "", npNone},
		{"+7", 7, false, false, "", npNone},
		{"¥1,000", 1000, false, true, "", npNone},
		{"(123)", -123, false, true, "", npNone},
		{"1.5亿元", 1.5, false, false, "亿元", npNone},
		{"120 人", 120, false, false, "人", npNone},
		{"", 0, true, false, "", npNone},
		{"—", 0, true, true, "", npNone},
		{"-", 0, true, true, "", npNone},
		{"--", 0, true, true, "", npNone},
		{"/", 0, true, true, "", npNone},
		{"无", 0, true, true, "", npNone},
		{"N/A", 0, true, true, "", npNone},
		{"－", 0, true, true, "", npNone},
		{"12%", 0, false, false, "", npPercent},
		{"12 ％", 0, false, false, "", npPercent},
		{"1,23", 0, false, false, "", npGrouping},
		{"1234,5", 0, false, false, "", npGrouping},
		{",123", 0, false, false, "", npGrouping},
		{"#N/A", 0, false, false, "", npSpreadsheetError},
		{"#DIV/0!", 0, false, false, "", npSpreadsheetError},
		{"#foo", 0, false, false, "", npNotNumber},
		{"abc", 0, false, false, "", npNotNumber},
		{"约100", 0, false, false, "", npNotNumber},
		{"0x1p3", 0, false, false, "x1p3", npNone},
		{"NaN", 0, false, false, "", npNotNumber},
		{"Inf", 0, false, false, "", npNotNumber},
		{"1e400", 0, false, false, "", npTooLarge},
		{".5", 0.5, false, false, "", npNone},
		{"((1))", 0, false, false, "", npNotNumber},
	}
	for _, c := range cases {
		n, p := parseNumber(c.in)
		if p != c.prob {
			t.Errorf("%q: problem %d, want %d", c.in, p, c.prob)
			continue
		}
		if p != npNone {
			continue
		}
		if n.v != c.v || n.missing != c.missing || n.changed != c.changed || n.suffix != c.suffix {
			t.Errorf("%q: %+v, want v=%v missing=%v changed=%v suffix=%q", c.in, n, c.v, c.missing, c.changed, c.suffix)
		}
	}
}

// fastDecimal must agree with strconv.ParseFloat bit for bit.
func TestFastDecimalAgreesWithStrconv(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "0.1", "0.3", "123456789012345", "9007199254740991", "9007199254740993", "1.7976931348623157",
		"0.0000000000000000000001", "0.00000000000000000000001", "66666.7", "12345.6789", "-1234.5", "1.", ".5", "00012"} {
		want, werr := strconv.ParseFloat(s, 64)
		got, ok := fastDecimal(s)
		if ok && (werr != nil || math.Float64bits(got) != math.Float64bits(want)) {
			t.Errorf("%q: fast %v, strconv %v (%v)", s, got, want, werr)
		}
	}
}

func TestBoolsDatesMonthsUnitsAndCodes(t *testing.T) {
	for s, want := range map[string]bool{"true": true, "是": true, "1": true, "Y": true, "√": true, "TRUE": true, "有": true,
		"false": false, "否": false, "0": false, "n": false, "×": false, "": false, "无": false, "规下": false} {
		if v, ok, _ := boolValue(s); !ok || v != want {
			t.Errorf("bool %q: %v %v", s, v, ok)
		}
	}
	for _, s := range []string{"maybe", "2.5", "-1"} {
		if _, ok, _ := boolValue(s); ok {
			t.Errorf("bool %q accepted", s)
		}
	}
	for s, want := range map[string]string{"2010-05-01": "2010-05-01", "2010/5/1": "2010-05-01", "2010年5月1日": "2010-05-01",
		"20100501": "2010-05-01", "2010.5.1": "2010-05-01", "2010-05-01 00:00:00": "2010-05-01", "40299": "2010-05-01",
		"2010-05": "2010-05-01", "2010年": "2010-01-01", "2010": "2010-01-01"} {
		d, _, _, ok := parseDate(s, false)
		if !ok || d.Format("2006-01-02") != want {
			t.Errorf("date %q: %v %v", s, d, ok)
		}
	}
	if d, _, _, _ := parseDate("38837", true); d.Format("2006-01-02") != "2010-05-01" {
		t.Errorf("1904 date system: %v", d)
	}
	if d, ok := excelSerialDate(60, false); !ok || d.Format("2006-01-02") != "1900-02-28" {
		t.Errorf("serial 60 (the phantom 29 February): %v", d)
	}
	for s, want := range map[string][2]int{"2024-03": {2024, 3}, "2024/3": {2024, 3}, "202403": {2024, 3}, "2024年3月": {2024, 3},
		"2024.03": {2024, 3}, "2024-03-31": {2024, 3}, "45352": {2024, 3}} {
		y, m, _, ok := fullMonth(s, false)
		if !ok || y != want[0] || m != want[1] {
			t.Errorf("month %q: %d-%d %v", s, y, m, ok)
		}
	}
	for s, want := range map[string]int{"3": 3, "03": 3, "3月": 3, "十二月": 12, "12.0": 12} {
		if m, ok := monthOnly(s); !ok || m != want {
			t.Errorf("month only %q: %d %v", s, m, ok)
		}
	}
	for s, want := range map[string]string{"万州区": "500101", "万州": "500101", "500101": "500101", "Wanzhou": "500101",
		"wanzhou district": "500101", "重庆市万州区": "500101", "两江新区": "LJ", "两江": "LJ", "LJ": "LJ", "高新区": "GX",
		"西部科学城重庆高新区": "GX", "万盛经开区": "WS", "石柱县": "500240", "石柱土家族自治县": "500240", "Nan'an": "500108",
		"忠县": "500233", "渝 北 区": "500112"} {
		if c, ok := unitCode(s); !ok || c != want {
			t.Errorf("unit %q: %q %v", s, c, ok)
		}
	}
	for s, want := range map[string]string{"不动产权证": "certificate", "自有": "certificate", "租赁合同": "lease", "卫星影像": "imagery",
		"lease": "lease", "Certificate": "certificate"} {
		if v, ok := landSourceValue(s); !ok || v != want {
			t.Errorf("land source %q: %q", s, v)
		}
	}
	for s, want := range map[string]string{"3612": "3612", "C3612": "3612", "3612汽柴油车整车制造": "3612", "3612 新能源车": "3612",
		"３６１２": "3612", "3612.0": "3612"} {
		if c, _ := industryCode(s); c != want {
			t.Errorf("industry %q: %q", s, c)
		}
	}
}

func TestUnitConversion(t *testing.T) {
	for _, c := range []struct {
		unit string
		in   float64
		want float64
	}{
		{"元", 123456789, 12345.6789}, {"千元", 1234, 123.4}, {"亿元", 1.5, 15000}, {"m²", 6666.7, 10.00005},
		{"公顷", 2, 30}, {"万千瓦时", 1.25, 12500}, {"kgce", 1500, 1.5}, {"万吨标准煤", 0.3, 3000}, {"kg", 2500, 2.5},
		{"平方米", 666.6666666667, 1}, {"hectare", 1, 15}, {"10k yuan", 7, 7}, {"万kWh", 2, 20000},
	} {
		u, ok := lookupUnit(c.unit)
		if !ok {
			t.Errorf("unit %q unknown", c.unit)
			continue
		}
		if got := u.convert(c.in); got != c.want {
			t.Errorf("%v %s = %v, want %v", c.in, c.unit, got, c.want)
		}
	}
}

func TestUSCCFastAgreesWithDomainCheck(t *testing.T) {
	for _, c := range []string{"91350100M000100Y43", "91110000600037341L", "914403001922038216", "91350100M000100Y44", "91350100M000100YI3", "abc"} {
		if validUSCCFast(c) != validDomainUSCC(c) {
			t.Errorf("%s disagrees", c)
		}
	}
}

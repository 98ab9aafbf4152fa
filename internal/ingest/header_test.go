package ingest

import (
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

func validDomainUSCC(c string) bool {
	p, _ := indus.CheckUSCC(c)
	return p == indus.USCCValid
}

func TestParseHeader(t *testing.T) {
	cases := []struct {
		header, col, unit string
	}{
		{"统一社会信用代码", "uscc", ""},
		{"  统一社会 信用代码 ", "uscc", ""},
		{"*统一社会信用代码", "uscc", ""},
		{"1、企业名称", "name", ""},
		{"企业（单位）名称", "name", ""},
		{"所属区县", "unit_code", ""},
		{"区县（功能区）", "unit_code", ""},
		{"所属园区", "park", ""},
		{"国民经济行业代码", "industry_code", ""},
		{"是否规上", "above_size", ""},
		{"成立日期", "founded", ""},
		{"用地面积(亩)", "land_mu", "亩"},
		{"用地面积（亩）", "land_mu", "亩"},
		{"用地面积【平方米】", "land_mu", "平方米"},
		{"用地面积/公顷", "land_mu", "公顷"},
		{"用地面积亩", "land_mu", "亩"},
		{"用地面积(m²)", "land_mu", "平方米"},
		{"营业收入(万元)", "revenue", "万元"},
		{"营业收入／万元", "revenue", "万元"},
		{"主营业务收入（千元）", "revenue", "千元"},
		{"营业收入(单位：元)", "revenue", "元"},
		{"工业总产值(当年价)", "output_value", ""},
		{"工业总产值（现价，万元）", "output_value", "万元"},
		{"工业增加值", "value_added", ""},
		{"实缴税金", "tax", ""},
		{"税收", "tax", ""},
		{"实缴税收(万元)", "tax", "万元"},
		{"综合能耗(吨标准煤)", "energy_tce", "吨标准煤"},
		{"综合能耗（当量值）(吨标准煤)", "energy_tce", "吨标准煤"},
		{"综合能耗(等价值)", "", ""},
		{"用电量(万千瓦时)", "electricity_kwh", "万千瓦时"},
		{"用电量(千瓦时)", "electricity_kwh", "千瓦时"},
		{"用电量(万kW·h)", "electricity_kwh", "万千瓦时"},
		{"主要污染物排放当量(吨)", "emissions_t", "吨"},
		{"研发经费支出", "rd_spend", ""},
		{"R&D经费支出（万元）", "rd_spend", "万元"},
		{"研发投入", "rd_spend", ""},
		{"年平均职工人数", "employees", ""},
		{"从业人员平均人数(人)", "employees", "人"},
		{"年份", "year", ""},
		{"月份", "month", ""},
		{"安全事故", "safety_accident", ""},
		{"环境违法", "env_violation", ""},
		{"在建", "under_construction", ""},
		{"公用事业", "utility", ""},
		{"Revenue (10k yuan)", "revenue", "万元"},
		{"REVENUE", "revenue", ""},
		{"Land_mu", "land_mu", ""},
		{"land_m2", "land_mu", "平方米"},
		{"Electricity (MWh)", "electricity_kwh", "兆瓦时"},
		{"R&D spend", "rd_spend", ""},
		{"营业收入(上年同期)", "", ""},
		{"营业收入增速(%)", "", ""},
		{"亩均税收", "", ""},
		{"工业总产值(1-3月累计)", "", ""},
		{"利润总额", "", ""},
	}
	for _, c := range cases {
		hp := parseHeader(c.header)
		col := ""
		if hp.ok {
			col = colSpecs[hp.col].name
		}
		unit := ""
		if hp.hasUnit {
			unit = hp.unit.name
		}
		if col != c.col || unit != c.unit {
			t.Errorf("%q: column %q unit %q, want %q %q", c.header, col, unit, c.col, c.unit)
		}
	}
}

func TestHeaderBlock(t *testing.T) {
	rows := []bufferedRow{
		{1, []string{"2023年数据"}},
		{2, []string{"统一社会信用代码", "年份", "能耗", "", "研发", "用地面积"}},
		{3, []string{"", "", "综合能耗(吨标准煤)", "用电量(万千瓦时)", "经费支出", "亩"}},
		{4, []string{"甲", "乙", "1", "2", "3", "4"}},
		{5, []string{"91500100000000001D", "2023", "1", "2", "3", "4"}},
	}
	hb, idx, ok := findHeader(rows)
	if !ok || idx != 2 || hb.first != 2 || hb.last != 3 || hb.skipAfter != 4 {
		t.Fatalf("block %+v idx %d", hb, idx)
	}
	want := []string{"统一社会信用代码", "年份", "综合能耗(吨标准煤)", "用电量(万千瓦时)", "研发 / 经费支出", "用地面积 / 亩"}
	for i, w := range want {
		if hb.labels[i] != w {
			t.Errorf("label %d: %q, want %q", i, hb.labels[i], w)
		}
	}
	if hp := parseCombined(hb.labels[4]); !hp.ok || hp.col != cRD {
		t.Errorf("研发 / 经费支出: %+v", hp)
	}
	if hp := parseCombined(hb.labels[5]); !hp.ok || hp.col != cLandMu || hp.unit.name != "亩" {
		t.Errorf("用地面积 / 亩: %+v", hp)
	}
	// A data row under a one-row header is not a continuation.
	hb, idx, _ = findHeader([]bufferedRow{{1, []string{"uscc", "name", "unit_code"}}, {2, []string{"91500100000000001D", "甲", "500112"}}})
	if idx != 0 || hb.last != 1 {
		t.Errorf("one-row header: %+v", hb)
	}
}

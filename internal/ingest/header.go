package ingest

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An alias is one way analysts write a column's header. Where a file has
// two columns for the same canonical column, the one with the higher
// priority is imported and the other is reported as not imported; equal
// priorities are an error, because which one is meant cannot be known.
type alias struct {
	col  colID
	prio int
}

// Priorities: the canonical name beats the exact statistical term, which
// beats a looser synonym.
const (
	prioLoose     = 1
	prioExact     = 2
	prioCanonical = 3
)

var aliasTable = map[string]alias{}

func addAliases(c colID, prio int, names ...string) {
	for _, n := range names {
		k := headerKey(n)
		if old, dup := aliasTable[k]; dup {
			if old.col != c {
				panic("ingest: header alias " + n + " maps to two columns")
			}
			if old.prio >= prio {
				continue
			}
		}
		aliasTable[k] = alias{c, prio}
	}
}

func init() {
	for i, s := range colSpecs {
		addAliases(colID(i), prioCanonical, s.name)
	}
	addAliases(cUSCC, prioExact, "统一社会信用代码", "社会信用代码", "统一信用代码", "信用代码", "统一代码", "统一社会信用代码证号",
		"unified social credit code", "social credit code", "credit code", "uscc code", "usci")
	addAliases(cUSCC, prioLoose, "纳税人识别号", "税号", "企业代码", "tax id", "taxpayer id")
	addAliases(cName, prioExact, "企业名称", "单位名称", "公司名称", "企业(单位)名称", "单位详细名称", "企业全称", "纳税人名称",
		"enterprise name", "company name", "firm name", "enterprise", "company", "firm")
	addAliases(cName, prioLoose, "名称", "企业", "公司")
	addAliases(cUnit, prioExact, "所属区县", "区县", "所在区县", "区县名称", "所属区县(功能区)", "区县(功能区)", "所属区县功能区",
		"区县功能区", "评价单元", "所属评价单元", "区县代码", "行政区划代码", "所属区县代码",
		"district", "county", "district or county", "evaluation unit", "unit", "district code")
	addAliases(cUnit, prioLoose, "所属区域", "所在地区", "地区", "区域", "辖区", "行政区划", "所属地区", "所属区", "区")
	addAliases(cPark, prioExact, "所属园区", "园区", "所在园区", "园区名称", "所属工业园区", "工业园区", "产业园区", "industrial park")
	addAliases(cIndustry, prioExact, "行业代码", "国民经济行业代码", "行业小类代码", "国民经济行业分类代码", "行业分类代码", "所属行业代码",
		"行业类别代码", "国标行业代码", "gb/t4754", "gbt4754", "gb4754", "industry code", "industry class", "sector code")
	addAliases(cIndustry, prioLoose, "国民经济行业分类", "行业代码及名称", "行业分类")
	addAliases(cScope, prioExact, "经营范围", "business scope", "scope")
	addAliases(cScope, prioLoose, "主营业务", "主要产品", "主营产品", "main products", "main business")
	addAliases(cAboveSize, prioExact, "是否规上", "规上企业", "是否规上企业", "是否规模以上", "规模以上", "是否规模以上企业", "规上",
		"规模以上工业企业", "是否规模以上工业企业", "above size", "above designated size", "above-scale")
	addAliases(cFounded, prioExact, "成立日期", "成立时间", "注册日期", "注册时间", "设立日期", "成立年月", "开业日期", "成立年份",
		"founded", "established", "date founded", "founding date", "date of establishment", "registration date")
	addAliases(cLandMu, prioExact, "用地面积", "占地面积", "土地面积", "实际用地面积", "土地使用面积", "总用地面积", "用地规模",
		"land", "land area", "land use", "site area")
	addAliases(cLandMu, prioLoose, "用地", "面积")
	addAliases(cLandSource, prioExact, "用地来源", "土地来源", "面积来源", "用地面积来源", "用地数据来源", "土地权属", "用地方式",
		"land source", "land data source")
	addAliases(cYear, prioExact, "年份", "年度", "统计年度", "数据年份", "统计年份", "所属年度", "year", "fiscal year")
	addAliases(cYear, prioLoose, "年")
	addAliases(cMonth, prioExact, "月份", "统计月份", "数据月份", "报告月份", "所属月份", "年月", "month", "period")
	addAliases(cMonth, prioLoose, "月")
	addAliases(cRevenue, prioExact, "主营业务收入", "主营收入", "main business revenue", "main revenue")
	addAliases(cRevenue, prioLoose, "营业收入", "营业总收入", "销售收入", "营收", "收入", "operating revenue", "sales", "turnover")
	addAliases(cOutput, prioExact, "工业总产值", "工业总产值(当年价)", "gross industrial output", "gross output", "output value", "industrial output")
	addAliases(cOutput, prioLoose, "总产值", "产值", "output")
	addAliases(cValueAdded, prioExact, "工业增加值", "industrial value added", "value added")
	addAliases(cValueAdded, prioLoose, "增加值", "va")
	addAliases(cTax, prioExact, "实缴税金", "实缴税收", "实缴税费", "税收实缴", "实际缴纳税收", "实际入库税收", "入库税收", "已缴税金",
		"纳税总额", "税收", "税金", "tax paid", "taxes paid", "tax")
	addAliases(cTax, prioLoose, "税收收入", "纳税额", "税费", "taxes")
	addAliases(cEnergy, prioExact, "综合能耗", "综合能源消费量", "能源消费总量", "综合能源消耗量", "综合能耗当量值", "energy consumption",
		"total energy consumption", "energy")
	addAliases(cEnergy, prioLoose, "能耗", "能源消耗")
	addAliases(cElectricity, prioExact, "用电量", "全年用电量", "总用电量", "年用电量", "电力消费量", "耗电量", "electricity",
		"electricity consumption", "power consumption")
	addAliases(cElectricity, prioLoose, "工业用电量", "用电")
	addAliases(cEmissions, prioExact, "主要污染物排放当量", "污染物排放当量", "主要污染物排放量", "排放当量", "主要污染物排放总当量",
		"emissions", "pollutant emissions", "main pollutant emissions")
	addAliases(cEmissions, prioLoose, "污染物排放量", "排污当量", "排放量")
	addAliases(cRD, prioExact, "研发经费支出", "研发投入", "研发费用", "研发经费", "r&d经费支出", "r&d经费内部支出", "研究与试验发展经费支出",
		"研究与试验发展(r&d)经费支出", "r&d投入", "r&d", "r&d spend", "r&d expenditure", "rd spend", "research and development")
	addAliases(cRD, prioLoose, "科技活动经费支出", "研发支出")
	addAliases(cEmployees, prioExact, "年平均职工人数", "从业人员平均人数", "平均从业人员", "从业人员年平均人数", "平均职工人数",
		"全部从业人员年平均人数", "年平均从业人员", "average employees", "employees")
	addAliases(cEmployees, prioLoose, "从业人员", "职工人数", "员工人数", "从业人员数", "职工人数合计", "年末从业人员", "从业人数",
		"staff", "headcount", "workers")
	addAliases(cSafety, prioExact, "安全事故", "是否发生安全事故", "安全生产事故", "发生安全事故", "重大安全事故", "是否发生安全生产事故",
		"safety accident")
	addAliases(cEnv, prioExact, "环境违法", "是否环境违法", "环境违法行为", "环保违法", "是否发生环境违法", "重大环境事件", "环境违法违规",
		"environmental violation", "env violation")
	addAliases(cConstruction, prioExact, "在建", "是否在建", "在建企业", "在建项目", "是否在建项目", "under construction")
	addAliases(cUtility, prioExact, "公用事业", "是否公用事业", "公用事业企业", "公用事业单位", "utility", "public utility")
}

// quietHeaders are columns analysts add for their own use; they are not
// imported and not reported.
var quietHeaders = map[string]bool{"序号": true, "no": true, "#": true, "行次": true, "序": true, "": true}

// blockedQualifiers mark a header as a different figure from the column its
// base names: last year's value, a growth rate, a cumulative or planned
// figure, a per-mu or per-person ratio. Such columns are not imported.
var blockedQualifiers = []string{"上年", "去年", "同期", "同比", "环比", "增长", "增速", "增幅", "增减", "累计", "预计", "计划", "目标",
	"占比", "比重", "强度", "亩均", "人均", "等价值", "不变价", "率", "%", "yoy", "growth", "lastyear", "prioryear",
	"cumulative", "ytd", "share", "ratio", "intensity", "permu", "per", "plan", "target"}

// headerKey normalises a header (or alias) for comparison: width-folded,
// lower-case, without spaces, separators and markers.
func headerKey(s string) string {
	s = foldWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case isSpace(r), r == '_', r == '-', r == '.', r == '·', r == '*', r == '★', r == '※', r == ':', r == '&', r == '、', r == '"', r == '\'':
			continue
		case r < utf8.RuneSelf:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headerParse is what one header cell says.
type headerParse struct {
	col       colID // valid when ok
	ok        bool
	prio      int
	unit      unitDef // valid when hasUnit
	hasUnit   bool
	unitText  string // the unit as written
	badUnit   string // text in the unit position that is no unit of the column's quantity
	qualifier string // a bracketed qualifier that is kept (e.g. 当量值)
	blocked   string // a qualifier that makes it a different figure
	quiet     bool   // a column such as 序号
}

// splitHeader separates a header into its base text and the contents of
// its bracketed groups: "营业收入（万元）" → "营业收入", ["万元"].
func splitHeader(s string) (string, []string) {
	s = foldWidth(s)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	// Leading markers and enumerations: "*企业名称", "1、企业名称", "(一)企业名称".
	for {
		t := strings.TrimLeft(s, "*★※# ")
		if n := enumPrefix(t); n > 0 {
			t = t[n:]
		}
		if t == s {
			break
		}
		s = t
	}
	var groups []string
	var base strings.Builder
	for len(s) > 0 {
		open := strings.IndexAny(s, "([")
		if open < 0 {
			base.WriteString(s)
			break
		}
		closer := ")"
		if s[open] == '[' {
			closer = "]"
		}
		end := strings.Index(s[open+1:], closer)
		if end < 0 {
			base.WriteString(s)
			break
		}
		base.WriteString(s[:open])
		groups = append(groups, strings.TrimSpace(s[open+1:open+1+end]))
		s = s[open+1+end+1:]
	}
	b := strings.TrimSpace(base.String())
	// A unit after a slash or colon: "营业收入/万元", "营业收入：万元".
	for _, sep := range []string{"/", ":"} {
		if i := strings.LastIndex(b, sep); i > 0 {
			if _, ok := lookupUnit(b[i+len(sep):]); ok {
				groups = append(groups, strings.TrimSpace(b[i+len(sep):]))
				b = strings.TrimSpace(b[:i])
			}
		}
	}
	return b, groups
}

// enumPrefix returns the length of a leading enumeration such as "1、",
// "12." or "一、" when text follows it.
func enumPrefix(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r >= '0' && r <= '9') || strings.ContainsRune("一二三四五六七八九十", r) {
			i += n
			continue
		}
		break
	}
	if i == 0 || i == len(s) {
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == '、' || r == '.' || r == ')' {
		if i+n < len(s) {
			return i + n
		}
	}
	return 0
}

// parseHeader maps one header cell to a canonical column, with its unit.
func parseHeader(raw string) headerParse {
	var hp headerParse
	base, groups := splitHeader(raw)
	key := headerKey(base)
	if quietHeaders[key] && len(groups) == 0 {
		hp.quiet = true
		return hp
	}
	a, ok := aliasTable[key]
	if !ok {
		// Whole header, groups included, as an alias: "工业总产值(当年价)".
		if a, ok = aliasTable[headerKey(raw)]; ok {
			groups = nil
		}
	}
	if !ok {
		// A unit written straight after the name: "用地面积亩", "land_m2".
		r := []rune(key)
		for n := min(len(r)-1, 8); n >= 1 && !ok; n-- {
			if _, isUnit := lookupUnit(string(r[len(r)-n:])); !isUnit {
				continue
			}
			if a, ok = aliasTable[string(r[:len(r)-n])]; ok {
				groups = append(groups, string(r[len(r)-n:]))
			}
		}
	}
	if !ok {
		return hp
	}
	hp.col, hp.ok, hp.prio = a.col, true, a.prio
	q := colSpecs[a.col].quantity
	var parts []string
	for _, g := range groups {
		// "(现价,万元)": a qualifier and a unit in one bracket.
		parts = append(parts, strings.FieldsFunc(g, func(r rune) bool { return r == ',' || r == ';' || r == '，' || r == '；' || r == '、' })...)
	}
	for _, g := range parts {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if u, isUnit := lookupUnit(g); isUnit {
			if q == qNone || u.q != q {
				if hp.badUnit == "" {
					hp.badUnit = g
				}
				continue
			}
			if hp.hasUnit && (hp.unit.factor() != u.factor()) {
				hp.badUnit = g
				continue
			}
			hp.unit, hp.hasUnit, hp.unitText = u, true, g
			continue
		}
		gk := headerKey(g)
		for _, b := range blockedQualifiers {
			if strings.Contains(gk, b) {
				hp.blocked = g
				break
			}
		}
		if hp.qualifier == "" {
			hp.qualifier = g
		}
	}
	if hp.blocked != "" {
		hp.ok = false
	}
	return hp
}

// headerScore counts the distinct canonical columns a row's cells name.
func headerScore(cells []string) int {
	seen := map[colID]bool{}
	for _, c := range cells {
		if trimCell(c) == "" {
			continue
		}
		if hp := parseHeader(c); hp.ok {
			seen[hp.col] = true
		}
	}
	return len(seen)
}

// isUnitOnly reports a header cell that is just a unit, as in a unit row
// under the header of statistical tables.
func isUnitOnly(s string) bool {
	s = strings.Trim(strings.TrimSpace(foldWidth(s)), "()[]")
	_, ok := lookupUnit(s)
	return ok && s != ""
}

// looksLikeData reports a cell that a header row would not hold: a
// unified social credit code or a number (other than a column number).
func looksLikeData(s string) bool {
	s = trimCell(s)
	if len(s) == 18 {
		if p, _ := checkUSCCShape(strings.ToUpper(s)); p {
			return true
		}
	}
	if _, err := parseNumberPlain(s); err == nil && len(s) > 3 {
		return true
	}
	return false
}

func checkUSCCShape(s string) (bool, int) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return false, i
		}
	}
	return true, -1
}

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// headerBlock is the header as found: the row numbers of its rows and one
// combined label per column.
type headerBlock struct {
	first, last int      // spreadsheet rows of the header (equal for one row)
	labels      []string // per column: the header as written (combined)
	skipAfter   int      // a numbering row right after the header to skip (its row number), 0 if none
}

// bufferedRow is a row read ahead while looking for the header.
type bufferedRow struct {
	row   int
	cells []string
}

// maxHeaderScan bounds how far down the header may be.
const maxHeaderScan = 30

// findHeader picks the header among the first rows: the first row whose
// cells name at least two known columns (or, failing that, the row naming
// the most), joined with a group-label row above it or a continuation row
// (names, units) below it. ok is false when no row names any column.
func findHeader(rows []bufferedRow) (headerBlock, int, bool) {
	best, bestScore := -1, 0
	for i, r := range rows {
		s := headerScore(r.cells)
		if s >= 2 {
			best, bestScore = i, s
			break
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		return headerBlock{}, -1, false
	}
	lower := rows[best]
	var upper *bufferedRow
	idx := best
	// A continuation row below: it names columns or units and holds no data.
	if best+1 < len(rows) && rows[best+1].row == lower.row+1 && isHeaderContinuation(lower.cells, rows[best+1].cells) {
		upper, lower = &rows[best], rows[best+1]
		idx = best + 1
	} else if best > 0 && rows[best-1].row == lower.row-1 && !isBlankRow(rows[best-1].cells) {
		upper = &rows[best-1]
	}
	hb := headerBlock{first: lower.row, last: lower.row}
	if upper != nil {
		hb.first = upper.row
	}
	n := len(lower.cells)
	if upper != nil && len(upper.cells) > n {
		n = len(upper.cells)
	}
	hb.labels = make([]string, n)
	group := ""
	for j := 0; j < n; j++ {
		lo := cellAt(lower.cells, j)
		up := ""
		if upper != nil {
			up = cellAt(upper.cells, j)
			if up != "" {
				group = up
			}
		}
		hb.labels[j] = combineHeader(group, up, lo)
	}
	// A numbering row (甲 乙 1 2 3 …) right after the header is skipped.
	if idx+1 < len(rows) && rows[idx+1].row == lower.row+1 && isNumberingRow(rows[idx+1].cells) {
		hb.skipAfter = rows[idx+1].row
	}
	return hb, idx, true
}

// combineHeader builds one column's label from a group label (the nearest
// non-empty cell of the upper row at or left of the column), the upper
// cell of the same column and the lower cell.
func combineHeader(group, up, lo string) string {
	lo, up, group = strings.TrimSpace(lo), strings.TrimSpace(up), strings.TrimSpace(group)
	switch {
	case lo == "":
		return up // merged vertically: the label sits in the upper cell
	case group == "":
		return lo
	}
	if hp := parseHeader(lo); hp.ok || hp.quiet {
		if !isUnitOnly(lo) {
			return lo
		}
	}
	for _, c := range []string{group + "(" + lo + ")", group + lo} {
		if hp := parseHeader(c); hp.ok {
			return group + " / " + lo
		}
	}
	return lo
}

// parseCombined parses a label made by combineHeader.
func parseCombined(label string) headerParse {
	if i := strings.Index(label, " / "); i >= 0 {
		group, lo := label[:i], label[i+3:]
		for _, c := range []string{group + "(" + lo + ")", group + lo} {
			if hp := parseHeader(c); hp.ok {
				return hp
			}
		}
	}
	return parseHeader(label)
}

func isHeaderContinuation(upper, lower []string) bool {
	named := 0
	for j, c := range lower {
		c = trimCell(c)
		if c == "" {
			continue
		}
		if looksLikeData(c) {
			return false
		}
		if isUnitOnly(c) {
			named++
			continue
		}
		hp := parseHeader(c)
		if hp.ok || hp.quiet {
			named++
			continue
		}
		// A sub-label that completes the group label above: 用地面积 / 亩.
		group := ""
		for k := min(j, len(upper)-1); k >= 0; k-- {
			if g := trimCell(upper[k]); g != "" {
				group = g
				break
			}
		}
		// Only a concatenation counts (研发 + 经费支出): any text in brackets
		// after a known group label would parse as a qualifier.
		if group != "" && !parseHeader(group).ok {
			if hp := parseHeader(group + c); hp.ok {
				named++
			}
		}
	}
	return named > 0
}

func isNumberingRow(cells []string) bool {
	n := 0
	for _, c := range cells {
		c = trimCell(c)
		if c == "" {
			continue
		}
		n++
		if strings.ContainsAny(c, "甲乙丙丁戊己庚辛壬癸") && utf8.RuneCountInString(c) == 1 {
			continue
		}
		if len(c) <= 3 && strings.Trim(c, "0123456789") == "" {
			continue
		}
		return false
	}
	return n >= 2
}

func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// closestAlias finds, among the headers found, the one nearest to any alias
// of col (by edit distance), for the message when col is missing.
func closestAlias(col colID, headers []string) (header, alias string, dist int) {
	dist = 1 << 30
	var names []string
	for k, a := range aliasTable {
		if a.col == col {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, h := range headers {
		base, _ := splitHeader(h)
		hk := headerKey(base)
		if hk == "" {
			continue
		}
		for _, n := range names {
			if d := levenshtein(hk, n); d < dist {
				header, alias, dist = h, n, d
			}
		}
	}
	return header, alias, dist
}

// suggestFor returns the canonical column whose alias is nearest a header
// that maps to nothing, when it is near enough to be a likely typo.
func suggestFor(h string) (string, bool) {
	base, _ := splitHeader(h)
	hk := headerKey(base)
	if hk == "" {
		return "", false
	}
	best, bestD := "", 1<<30
	var keys []string
	for k := range aliasTable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d := levenshtein(hk, k); d < bestD {
			best, bestD = k, d
		}
	}
	limit := 1
	if utf8.RuneCountInString(hk) >= 6 {
		limit = 2
	}
	if bestD > limit {
		return "", false
	}
	return fmt.Sprintf("%s (%s)", best, colSpecs[aliasTable[best].col].name), true
}

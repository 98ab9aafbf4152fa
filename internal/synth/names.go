package synth

import (
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// brandChars are characters for trade names (字号), as Chinese firms choose
// them: auspicious, local (渝, 巴, 嘉陵) or technical.
var brandChars = []rune("长安华盛鑫恒宏达瑞丰博创远通嘉和信泰兴隆金宇天海新力德凯旭佳美诚智科联腾飞顺成航星明光辉耀峰源川江山巴渝蜀陵龙凤鹏中东西南北致晨阳正元亨利宝玉晶鼎立方圆融汇聚合众康福祥吉庆润泽清雅尚品卓越优精锐迅捷睿思慧英杰豪雄威坤乾骏驰帆舟林森松柏梅兰春秋永久益宁锦铭欣悦弘毅恩普万合际创昌茂")

// suffixes are the legal forms, with their frequency.
var suffixes = []struct {
	s string
	w float64
}{{"有限公司", 0.72}, {"有限责任公司", 0.14}, {"股份有限公司", 0.10}, {"集团有限公司", 0.04}}

var suffixCum = func() []float64 {
	w := make([]float64, len(suffixes))
	for i, s := range suffixes {
		w[i] = s.w
	}
	return cumulative(w)
}()

// brand draws a two- or three-character trade name.
func brand(r *rng) string {
	n := 2
	if r.chance(0.15) {
		n = 3
	}
	var b strings.Builder
	prev := rune(0)
	for i := 0; i < n; {
		c := brandChars[r.intn(len(brandChars))]
		if c == prev {
			continue
		}
		b.WriteRune(c)
		prev = c
		i++
	}
	return b.String()
}

// industryWord picks the word that says what a firm does, preferring the
// most specific class-level words of its sector.
func industryWord(s *sector, class string, r *rng) string {
	for n := len(class); n >= 2; n-- {
		if ws, ok := s.classWords[class[:n]]; ok {
			return ws[r.intn(len(ws))]
		}
	}
	return s.words[r.intn(len(s.words))]
}

// companyName builds a plausible registered name: 重庆XX汽车零部件有限公司,
// 重庆市璧山区XX机械有限公司 (unitZh is the district or county, empty for
// the functional zones), or for foreign-invested firms XX（重庆）电子有限公司.
func companyName(s *sector, class string, unitZh string, big bool, r *rng) string {
	word := industryWord(s, class, r)
	suffix := suffixes[r.pick(suffixCum)].s
	if big && r.chance(0.5) {
		suffix = "股份有限公司"
		if r.chance(0.4) {
			suffix = "集团有限公司"
		}
	}
	if !big && suffix == "集团有限公司" {
		suffix = "有限公司"
	}
	b := brand(r)
	u := r.float()
	switch {
	case (s.id == "electronics" || s.id == "nev") && u < 0.15:
		return b + "（重庆）" + word + suffix
	case u < 0.12 && unitZh != "":
		return "重庆市" + unitZh + b + word + suffix
	}
	return "重庆" + b + word + suffix
}

// businessScope builds the 经营范围 text from the class name and the
// sector's phrases; it carries the keywords that cluster rules look for.
func businessScope(s *sector, className string, founded int, r *rng) string {
	stem := className
	for _, suf := range []string{"制造", "加工", "生产", "业"} {
		stem = strings.TrimSuffix(stem, suf)
	}
	var parts []string
	if s.kind == kindSoftware {
		parts = append(parts, stem)
	} else {
		parts = append(parts, stem+"的研发、生产、销售")
	}
	n := 1 + r.intn(3)
	used := map[int]bool{}
	for i := 0; i < n; i++ {
		j := r.intn(len(s.scope))
		if used[j] || s.scope[j] == parts[0] {
			continue // a repeat: one phrase fewer
		}
		used[j] = true
		parts = append(parts, s.scope[j])
	}
	generic := []string{"货物进出口", "技术进出口", "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "机械设备租赁", "普通货物仓储服务（不含危险化学品等需许可审批的项目）", "非居住房地产租赁"}
	if r.chance(0.6) {
		parts = append(parts, generic[r.intn(len(generic))])
	}
	text := strings.Join(parts, "；")
	if founded >= 2020 {
		return "一般项目：" + text + "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
	}
	return text + "。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
}

// orgCodeChars are the characters of a GB 11714 organisation code that are
// also allowed in a USCC.
const orgCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// orgCodeCheck computes the GB 11714 check character of an 8-character
// organisation code body (weights 3,7,9,10,5,8,4,2; letters A=10 … Z=35).
func orgCodeCheck(body string) byte {
	w := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * w[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// makeUSCC builds a valid 18-character code: 9 (market regulator) 1
// (enterprise), the registering division, a GB 11714 organisation code
// (codes issued since the 2015 reform start with MA), and the GB 32100 check
// character.
func makeUSCC(division string, founded int, r *rng) string {
	var b [18]byte
	b[0], b[1] = '9', '1'
	copy(b[2:8], division)
	if founded >= 2016 {
		b[8], b[9] = 'M', 'A'
		for i := 10; i < 16; i++ {
			b[i] = orgCodeChars[r.intn(len(orgCodeChars))]
		}
	} else {
		for i := 8; i < 16; i++ {
			b[i] = byte('0' + r.intn(10))
		}
	}
	b[16] = orgCodeCheck(string(b[8:16]))
	c, err := indus.USCCCheckChar(string(b[:17]))
	if err != nil {
		panic("synth: generated an impossible USCC body: " + err.Error())
	}
	b[17] = c
	return string(b[:])
}

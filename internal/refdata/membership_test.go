package refdata

import (
	"strings"
	"testing"
)

// memberships renders a Match result as "cluster(rule)" items, primary
// first, with a * on the primary, e.g. "new_displays*(code 3974) electronics(code 39)".
func memberships(ms []Membership) string {
	var parts []string
	for _, m := range ms {
		p := m.ClusterID
		if m.Primary {
			p += "*"
		}
		parts = append(parts, p+"("+m.Rule()+")")
	}
	return strings.Join(parts, " ")
}

// The expected results follow from DOMAIN.md's mapping and the primary rule
// (depth, code length, tier order, id), worked out by hand.
func TestMatchDefault(t *testing.T) {
	m := DefaultClusterSystem().Matcher()
	cases := []struct {
		code, scope, want string
	}{
		{"3612", "", "nev*(code 361)"},
		// Nested: the display cluster is more specific than electronics.
		{"3974", "", "new_displays*(code 3974) electronics(code 39)"},
		// Power batteries feed two top-level clusters; the tie on depth and code
		// length goes to the higher tier. Intelligent equipment excludes 384.
		{"3841", "", "nev*(code 3841) new_energy_storage(code 3841)"},
		{"6511", "", "software*(code 65)"},
		{"1311", "", "food*(code 13)"},
		{"9999", "", ""},
		{"", "", ""},
		{"", "卫星通信", ""},
		{"0111", "", ""}, // rice farming is in no cluster
		// Service robots: nested robots first, then by code length.
		{"3964", "", "ai_robots*(code 3964) intelligent_equipment(code 3964) smart_home(code 396) electronics(code 39)"},
		// Depth beats code length: wind turbines go to power equipment first.
		{"3415", "", "power_equipment*(code 341) new_energy_storage(code 3415) intelligent_equipment(code 34)"},
		// Household appliances are carved out of intelligent equipment.
		{"3851", "", "smart_home*(code 385)"},
		// Communication equipment joins satellite internet only by keyword.
		{"3921", "", "electronics*(code 39)"},
		{"3921", "卫星通信地面设备制造；通信设备销售", "satellite_internet*(keyword 卫星) electronics(code 39)"},
		{"6511", "卫星导航软件开发", "software*(code 65)"}, // 65 is outside satellite internet's keyword scope
		{"3612", "汽车制造；飞行汽车研发", "nev*(code 361) low_altitude(keyword 飞行汽车)"},
		{"3612", "EVTOL研发", "nev*(code 361) low_altitude(keyword eVTOL)"}, // Latin letters ignore case
		{" 3612 ", "", "nev*(code 361)"},
		// A coarse code matches only clusters that take it whole.
		{"397", "", "electronics*(code 39)"},
		{"7340", "", "life_sciences*(code 7340)"},
	}
	for _, tc := range cases {
		got := memberships(m.Match(tc.code, tc.scope))
		if got != tc.want {
			t.Errorf("Match(%q, %q) = %s, want %s", tc.code, tc.scope, got, tc.want)
		}
	}
}

const rulesSystem = smallSystem + `  - id: equip
    name_zh: 装备
    name_en: equipment
    tier: big
    verified: true
    rules:
      include: ["34", "35"]
      exclude: ["3491"]
      exclude_keywords: [维修]
  - id: robots
    name_zh: 机器人
    name_en: robots
    tier: small
    parent: equip
    verified: true
    rules:
      include: ["3492"]
  - id: beta
    name_zh: 乙
    name_en: beta
    tier: small
    verified: true
    rules:
      include: ["3441"]
  - id: alpha
    name_zh: 甲
    name_en: alpha
    tier: small
    verified: true
    rules:
      include: ["3441"]
  - id: zeta
    name_zh: 泽
    name_en: zeta
    tier: big
    verified: true
    rules:
      include: ["3441"]
  - id: sat
    name_zh: 卫星
    name_en: satellites
    tier: small
    verified: false
    rules:
      keywords: [卫星]
      keyword_codes: ["392"]
  - id: anywhere
    name_zh: 芯片
    name_en: chips anywhere
    tier: small
    verified: false
    rules:
      keywords: [AI芯片]
`

func TestMatchRules(t *testing.T) {
	cs, findings, err := ParseClusterSystem("rules.yaml", []byte(rulesSystem))
	if err != nil {
		t.Fatalf("%v\n%s", err, findingList(findings))
	}
	m := cs.Matcher()
	cases := []struct {
		name, code, scope, want string
	}{
		{"exclude code beats include", "3491", "", ""},
		{"nested first", "3492", "", "robots*(code 3492) equip(code 34)"},
		{"exclude keyword vetoes a code match", "3492", "机器人维修", "robots*(code 3492)"},
		{"tier order, then id, breaks ties", "3441", "", "zeta*(code 3441) alpha(code 3441) beta(code 3441) equip(code 34)"},
		{"keyword needs its scope", "3921", "", ""},
		{"keyword inside its scope", "3921", "卫星导航设备", "sat*(keyword 卫星)"},
		{"keyword outside its scope", "6511", "卫星", ""},
		{"unscoped keyword, any code", "3921", "研发ai芯片", "anywhere*(keyword AI芯片)"},
		{"unscoped keyword, unknown code", "X1", "研发AI芯片", "anywhere*(keyword AI芯片)"},
		{"unscoped keyword, no code", "", "AI芯片设计", "anywhere*(keyword AI芯片)"},
		{"nothing", "", "", ""},
	}
	for _, tc := range cases {
		if got := memberships(m.Match(tc.code, tc.scope)); got != tc.want {
			t.Errorf("%s: Match(%q, %q) = %s, want %s", tc.name, tc.code, tc.scope, got, tc.want)
		}
	}
	if got := m.Match("3921", "卫星")[0].Code; got != "392" {
		t.Errorf("keyword match should name its scope code 392, got %q", got)
	}

	// The scope-free result is shared; appending to it must not change what
	// the next caller sees.
	first := m.Match("3492", "")
	_ = append(first, Membership{ClusterID: "intruder"})
	if got := memberships(m.Match("3492", "")); got != "robots*(code 3492) equip(code 34)" {
		t.Errorf("shared result was modified: %s", got)
	}
	if cs.Matcher() != m {
		t.Error("Matcher must be built once per system")
	}
}

// BenchmarkMatch runs Match over every manufacturing and software class
// with three kinds of business scope: none (the map look-up alone), an
// ordinary one that names no keyword (the scan that finds nothing) and one
// that names keywords (the scan that adds clusters).
func BenchmarkMatch(b *testing.B) {
	m := DefaultClusterSystem().Matcher()
	ind := GBT4754()
	var codes []string
	for _, it := range ind.All() {
		if it.Level == LevelClass && (ind.IsManufacturing(it.Code) || ind.Division(it.Code) == "65") {
			codes = append(codes, it.Code)
		}
	}
	scopes := []struct{ name, scope string }{
		{"no_scope", ""},
		{"plain_scope", "一般项目：汽车零部件及配件制造；机械零件、零部件加工；金属材料销售；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；货物进出口"},
		{"keyword_scope", "一般项目：通信设备制造；卫星通信服务；无人机研发；软件开发；信息系统集成服务；数字孪生技术服务；货物进出口"},
	}
	for _, sc := range scopes {
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Match(codes[i%len(codes)], sc.scope)
				i++
			}
		})
	}
}

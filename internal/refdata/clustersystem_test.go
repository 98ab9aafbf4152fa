package refdata

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func readDefaultYAML(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("data/chongqing-33618.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDefaultClusterSystemParsesClean(t *testing.T) {
	cs, findings, err := ParseClusterSystem("chongqing-33618.yaml", readDefaultYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	// The shipped file should not even carry warnings: a warning there would
	// be noise in every `indus clusters validate` a user runs on a copy.
	for _, f := range findings {
		t.Errorf("finding in the default system: %s", f)
	}
	if cs.ID != DefaultClusterSystemID || cs.BaseYear != 2022 || cs.EffectiveFrom.String() != "2023-06-05" {
		t.Errorf("identity: id %q, base year %d, from %s", cs.ID, cs.BaseYear, cs.EffectiveFrom)
	}
	if !strings.Contains(cs.Source, "not an official concordance") {
		t.Error("source must say the code mapping is not an official concordance")
	}
	if DefaultClusterSystem() != DefaultClusterSystem() {
		t.Error("DefaultClusterSystem must be parsed once and shared")
	}
	if got := len(ClusterSystems()); got < 1 {
		t.Errorf("ClusterSystems() lists %d systems", got)
	}
}

func TestDefaultClusterSystemMembers(t *testing.T) {
	cs := DefaultClusterSystem()
	if len(cs.Clusters) != 30 {
		t.Fatalf("%d clusters, want 30 (3+3+6+18)", len(cs.Clusters))
	}
	// The members named in DOMAIN.md §1, by tier.
	want := map[string][]string{
		"leading":        {"advanced_materials", "electronics", "nev"},
		"pillar":         {"food", "intelligent_equipment", "software"},
		"characteristic": {"biomedicine", "light_alloys", "light_textiles", "motorcycles", "new_displays", "new_energy_storage"},
		"new_star": {
			"agricultural_machinery", "ai_robots", "bio_manufacturing", "fibre_composites", "frontier_materials",
			"intelligent_manufacturing_equipment", "life_sciences", "low_altitude", "medical_devices", "metaverse",
			"modern_chinese_medicine", "power_equipment", "power_semiconductors", "satellite_internet", "sensors_instruments",
			"servers", "smart_home", "synthetic_materials",
		},
	}
	for tier, ids := range want {
		var got []string
		for _, c := range cs.ClustersInTier(tier) {
			got = append(got, c.ID)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, ids) {
			t.Errorf("tier %s: got %v, want %v", tier, got, ids)
		}
	}

	// Only three new-star members are confirmed; every other tier is official.
	confirmedStars := map[string]bool{"ai_robots": true, "satellite_internet": true, "low_altitude": true}
	for _, c := range cs.Clusters {
		wantVerified := c.Tier != "new_star" || confirmedStars[c.ID]
		if c.Verified != wantVerified {
			t.Errorf("%s: verified = %v, want %v", c.ID, c.Verified, wantVerified)
		}
		if c.NameZh == "" || c.NameEn == "" {
			t.Errorf("%s: missing a name", c.ID)
		}
	}
	if n := len(cs.Unverified()); n != 15 {
		t.Errorf("%d unverified clusters, want the 15 likely new-star members", n)
	}

	parents := map[string]string{
		"new_displays":                        "electronics",
		"power_semiconductors":                "electronics",
		"servers":                             "electronics",
		"light_alloys":                        "advanced_materials",
		"fibre_composites":                    "advanced_materials",
		"synthetic_materials":                 "advanced_materials",
		"ai_robots":                           "intelligent_equipment",
		"agricultural_machinery":              "intelligent_equipment",
		"power_equipment":                     "intelligent_equipment",
		"sensors_instruments":                 "intelligent_equipment",
		"intelligent_manufacturing_equipment": "intelligent_equipment",
		"modern_chinese_medicine":             "biomedicine",
		"medical_devices":                     "biomedicine",
	}
	for _, c := range cs.Clusters {
		if c.Parent != parents[c.ID] {
			t.Errorf("%s: parent %q, want %q", c.ID, c.Parent, parents[c.ID])
		}
	}
	var kids []string
	for _, c := range cs.Children("electronics") {
		kids = append(kids, c.ID)
	}
	if !reflect.DeepEqual(kids, []string{"new_displays", "power_semiconductors", "servers"}) {
		t.Errorf("Children(electronics) = %v", kids)
	}
}

func TestDefaultClusterSystemCodes(t *testing.T) {
	ind := GBT4754()
	cs := DefaultClusterSystem()
	for _, c := range cs.Clusters {
		r := c.Rules
		for _, list := range [][]string{r.Include, r.Exclude, r.KeywordCodes} {
			for _, code := range list {
				if _, ok := ind.Lookup(code); !ok {
					t.Errorf("%s: code %s is not in GB/T 4754-2017", c.ID, code)
				}
			}
		}
		if len(r.Include) == 0 && len(r.Keywords) == 0 {
			t.Errorf("%s has no rules", c.ID)
		}
	}
	// Nested clusters stay inside their parents, checked here class by class
	// without the validator's helpers.
	for _, c := range cs.Clusters {
		if c.Parent == "" {
			continue
		}
		p, _ := cs.Cluster(c.Parent)
		in := map[string]bool{}
		for _, code := range p.Rules.Include {
			for _, cl := range ind.Classes(code) {
				in[cl] = true
			}
		}
		for _, code := range p.Rules.Exclude {
			for _, cl := range ind.Classes(code) {
				in[cl] = false
			}
		}
		for _, code := range append(append([]string{}, c.Rules.Include...), c.Rules.KeywordCodes...) {
			for _, cl := range ind.Classes(code) {
				if !in[cl] {
					t.Errorf("%s: class %s (from %s) is outside parent %s", c.ID, cl, code, p.ID)
				}
			}
		}
	}
	// Spot checks of DOMAIN.md's mapping.
	checks := []struct {
		cluster string
		include []string
	}{
		{"nev", []string{"361", "362", "363", "365", "366", "367", "3841"}},
		{"electronics", []string{"39"}},
		{"software", []string{"64", "65"}},
		{"food", []string{"13", "14", "15"}},
		{"new_displays", []string{"3974", "3976"}},
		{"new_energy_storage", []string{"3825", "3415", "3841", "3849"}},
	}
	for _, ck := range checks {
		c, ok := cs.Cluster(ck.cluster)
		if !ok {
			t.Errorf("no cluster %s", ck.cluster)
			continue
		}
		if !reflect.DeepEqual(c.Rules.Include, ck.include) {
			t.Errorf("%s include = %v, want %v", ck.cluster, c.Rules.Include, ck.include)
		}
	}
}

func TestDefaultClusterSystemTargets(t *testing.T) {
	cs := DefaultClusterSystem()
	// 2027 targets published in DOMAIN.md §1, in 100 million yuan.
	want := map[string]struct {
		metric Metric
		value  float64
	}{
		"nev":                   {MetricOutputValue, 10000},
		"electronics":           {MetricRevenue, 10000},
		"advanced_materials":    {MetricOutputValue, 10000},
		"intelligent_equipment": {MetricRevenue, 5000},
		"food":                  {MetricOutputValue, 5000},
		"software":              {MetricRevenue, 7000},
		"smart_home":            {MetricOutputValue, 800},
		"fibre_composites":      {MetricOutputValue, 500},
	}
	for id, w := range want {
		c, _ := cs.Cluster(id)
		if c == nil || c.Target == nil {
			t.Errorf("%s: no target", id)
			continue
		}
		tg := c.Target
		if tg.Metric != w.metric || tg.Value != w.value || tg.Unit != "100m_yuan" || tg.Year != 2027 {
			t.Errorf("%s target = %+v, want %s %g 100m_yuan 2027", id, *tg, w.metric, w.value)
		}
	}
	if c, _ := cs.Cluster("electronics"); c.Target.BaseValue == nil || *c.Target.BaseValue != 7356 || c.Target.BaseYear != 2022 {
		t.Errorf("electronics base = %v/%d, want 7356 in 2022", c.Target.BaseValue, c.Target.BaseYear)
	}
	// Every characteristic cluster carries at least the tier floor.
	floor, _ := cs.Tier("characteristic")
	for _, c := range cs.ClustersInTier("characteristic") {
		if c.Target == nil || c.Target.Value < floor.ScaleFloor.Value {
			t.Errorf("%s: target %+v below the tier floor %g", c.ID, c.Target, floor.ScaleFloor.Value)
		}
	}
	if len(cs.Targets) != 8 {
		t.Errorf("%d city targets, want 8", len(cs.Targets))
	}
	byID := map[string]CityTarget{}
	for _, tg := range cs.Targets {
		byID[tg.ID] = tg
	}
	cityWant := map[string]struct {
		value float64
		unit  string
	}{
		"above_size_revenue":       {40000, "100m_yuan"}, // 4 trillion yuan
		"rd_intensity":             {2, "percent"},
		"labour_productivity":      {50, "10k_yuan_per_person"}, // 500,000 yuan/person
		"energy_intensity":         {-13, "percent"},
		"manufacturing_va_share":   {28, "percent"},
		"strategic_emerging_share": {36, "percent"},
		"high_tech_share":          {22, "percent"},
		"rd_spending":              {800, "100m_yuan"},
	}
	for id, w := range cityWant {
		tg, ok := byID[id]
		if !ok || tg.Value != w.value || tg.Unit != w.unit || tg.Year != 2027 {
			t.Errorf("city target %s = %+v, want %g %s in 2027", id, tg, w.value, w.unit)
		}
	}
	if e := byID["energy_intensity"]; e.Direction != AtMost || e.BaseYear != 2022 {
		t.Errorf("energy_intensity: direction %q base %d, want at_most against 2022", e.Direction, e.BaseYear)
	}
}

func TestClusterSystemJSON(t *testing.T) {
	b, err := json.Marshal(DefaultClusterSystem())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"effective_from":"2023-06-05"`, `"effective_to":"2027-12-31"`, `"id":"new_displays"`, `"parent":"electronics"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	var d struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2024-02-29"}`), &d); err != nil || d.D.String() != "2024-02-29" {
		t.Errorf("Date round trip: %v %v", d.D, err)
	}
	if b, _ := json.Marshal(struct {
		D Date `json:"d,omitzero"`
	}{}); string(b) != "{}" {
		t.Errorf("zero Date with omitzero = %s", b)
	}
}

func TestStatusAndEffectiveDates(t *testing.T) {
	cs := DefaultClusterSystem()
	for _, tc := range []struct {
		ratio float64
		want  string
	}{
		{1.2, "on_track"}, {1.0, "on_track"}, {0.999, "at_risk"}, {0.9, "at_risk"},
		{0.899, "off_track"}, {0, "off_track"}, {-3, "off_track"}, {math.NaN(), "off_track"},
	} {
		if got := cs.Status(tc.ratio).Status; got != tc.want {
			t.Errorf("Status(%g) = %s, want %s", tc.ratio, got, tc.want)
		}
	}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2023-06-04", false}, {"2023-06-05", true}, {"2025-01-01", true}, {"2027-12-31", true}, {"2028-01-01", false},
	} {
		if got := cs.EffectiveOn(day(tc.day)); got != tc.want {
			t.Errorf("EffectiveOn(%s) = %v", tc.day, got)
		}
	}
}

// Every bad file must give exactly the listed errors, at the listed lines.
// The lines were read off the files (each file's first comment names them),
// not copied from the validator's output.
func TestBadClusterFiles(t *testing.T) {
	type want struct {
		line int
		msg  string
	}
	cases := []struct {
		file string
		want []want
	}{
		{"duplicate_id.yaml", []want{{30, `duplicate cluster id "electronics" (first defined at line 16)`}}},
		{"unknown_code.yaml", []want{{24, `code "3999" is not in GB/T 4754-2017`}}},
		{"cycle.yaml", []want{{21, "parent links form a cycle: a → c → b → a"}}},
		{"nested_outside.yaml", []want{
			{33, `code 3964 of cluster "robots" lies outside its parent "equipment"`},
			{42, `code 396 of cluster "home" lies outside its parent "equipment"`},
		}},
		{"syntax.yaml", []want{{19, "YAML syntax error"}}},
		{"unknown_field.yaml", []want{{22, `unknown field "inculde" in clusters[0].rules`}}},
		{"unknown_tier.yaml", []want{{19, `unknown tier "leadin"`}}},
		{"unknown_parent.yaml", []want{{20, `unknown parent "electronic"`}}},
		{"missing_field.yaml", []want{{16, `missing required field "tier" in clusters[0]`}}},
		{"dates.yaml", []want{
			{7, "effective_to 2023-12-31 is before effective_from 2024-01-01"},
			{23, "target year 2020 is before its base year 2023"},
		}},
		{"bad_date.yaml", []want{{6, `"2024-02-30" is not a valid date`}}},
		{"alias.yaml", []want{{29, "aliases"}}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "clusters", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cs, findings, err := ParseClusterSystem(path, data)
			if err == nil || cs != nil {
				t.Fatalf("want an error and no system, got err=%v cs=%v", err, cs != nil)
			}
			var errs []ClusterFinding
			for _, f := range findings {
				if f.Severity == SeverityError {
					errs = append(errs, f)
				}
				if f.File != path || f.Message == "" || f.MessageZh == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
			for _, w := range tc.want {
				found := false
				for _, f := range errs {
					if f.Line == w.line && strings.Contains(f.Message, w.msg) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error %q at line %d; got:\n%s", w.msg, w.line, findingList(errs))
				}
			}
			if len(errs) != len(tc.want) {
				t.Errorf("%d errors, want %d:\n%s", len(errs), len(tc.want), findingList(errs))
			}
		})
	}
	// A bad file added without a case here would test nothing.
	files, _ := filepath.Glob(filepath.Join("testdata", "clusters", "*.yaml"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no test case", f)
		}
	}
}

func findingList(fs []ClusterFinding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

func TestClusterFindingString(t *testing.T) {
	for _, tc := range []struct {
		f    ClusterFinding
		want string
	}{
		{ClusterFinding{File: "a.yaml", Line: 24, Column: 11, Severity: SeverityError, Message: "boom"}, "a.yaml:24:11: error: boom"},
		{ClusterFinding{File: "a.yaml", Line: 19, Severity: SeverityError, Message: "syntax"}, "a.yaml:19: error: syntax"},
		{ClusterFinding{File: "a.yaml", Severity: SeverityWarning, Message: "w"}, "a.yaml: warning: w"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// smallSystem is a valid system for edits in tests; clusters go at the end.
const smallSystem = `id: small
name_zh: 小
name_en: small
version: "1"
effective_from: 2024-01-01
base_year: 2023
source: test
status_thresholds:
  - {status: on_track, name_zh: 正常, name_en: on track, min_ratio: 1}
tiers:
  - {id: big, name_zh: 大, name_en: big, order: 1, scale_floor: {value: 1000, unit: 100m_yuan}}
  - {id: small, name_zh: 小, name_en: small, order: 2}
clusters:
`

func parseErrors(t *testing.T, text string) (*ClusterSystem, []ClusterFinding, []string) {
	t.Helper()
	cs, findings, err := ParseClusterSystem("t.yaml", []byte(text))
	var msgs []string
	for _, f := range findings {
		if f.Severity == SeverityError {
			msgs = append(msgs, f.Message)
		}
	}
	if (err != nil) != (len(msgs) > 0) || (err != nil) != (cs == nil) {
		t.Errorf("err = %v with %d error findings and system %v", err, len(msgs), cs != nil)
	}
	return cs, findings, msgs
}

func TestParseEdgeCases(t *testing.T) {
	cluster := func(body string) string {
		return smallSystem + "  - id: c\n    name_zh: 丙\n    name_en: c\n    tier: big\n    verified: true\n" + body
	}
	cases := []struct {
		name, text string
		want       string // substring of an error; "" means no error
	}{
		{"empty file", "", "the file is empty"},
		{"root is a list", "- a\n- b\n", "the file: want a mapping"},
		{"verified: yes", strings.Replace(cluster("    rules: {include: [\"39\"]}\n"), "verified: true", "verified: yes", 1), `"yes" is not true or false`},
		{"order not a number", strings.Replace(smallSystem, "order: 2", "order: second", 1) + "", `"second" is not a whole number`},
		{"empty cluster list", smallSystem + "  []\n", `required field "clusters" in the top level is empty`},
		{"duplicate key", cluster("    rules: {include: [\"39\"]}\n    tier: small\n"), `field "tier" is given twice (first at line 17)`},
		{"bad metric", cluster("    target: {metric: profit, value: 2000, unit: 100m_yuan, year: 2027}\n    rules: {include: [\"39\"]}\n"), `metric "profit"`},
		{"non-money target", cluster("    target: {metric: revenue, value: 20, unit: percent, year: 2027}\n    rules: {include: [\"39\"]}\n"), `unit "percent" is not a money unit`},
		{"bad id", strings.Replace(cluster("    rules: {include: [\"39\"]}\n"), "id: c", "id: Big Cluster", 1), `id "Big Cluster"`},
		{"self parent", cluster("    parent: c\n    rules: {include: [\"39\"]}\n"), "parent links form a cycle: c → c"},
		{"thresholds ascending", strings.Replace(smallSystem, "min_ratio: 1}", "min_ratio: 1}\n  - {status: at_risk, name_zh: 风险, name_en: at risk, min_ratio: 1.5}", 1) + "  - {id: c, name_zh: 丙, name_en: c, tier: big, verified: true, rules: {include: [\"39\"]}}\n", "highest min_ratio down"},
		{"section and division codes, unquoted 0111", cluster("    rules: {include: [C, 39, 0111]}\n"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, findings, msgs := parseErrors(t, tc.text)
			if tc.want == "" {
				if len(msgs) > 0 {
					t.Errorf("unexpected errors: %v", msgs)
				}
				return
			}
			for _, m := range msgs {
				if strings.Contains(m, tc.want) {
					return
				}
			}
			t.Errorf("no error containing %q; findings:\n%s", tc.want, findingList(findings))
		})
	}
}

func TestParseWarningsKeepTheSystem(t *testing.T) {
	text := smallSystem + `  - id: c
    name_zh: 丙
    name_en: c
    tier: big
    verified: false
    target: {metric: revenue, value: 500, unit: 100m_yuan, year: 2027}
    rules:
      include: ["39"]
      exclude: ["13"]
      keywords: [芯片]
`
	cs, findings, msgs := parseErrors(t, text)
	if cs == nil || len(msgs) > 0 {
		t.Fatalf("warnings must not reject the system: %v", msgs)
	}
	wantWarnings := []string{
		"below the \"big\" tier's floor of 1000", // target 500 < floor 1000
		"exclude 13",                             // outside include 39
		"apply in every industry",                // keywords without keyword_codes
	}
	for _, w := range wantWarnings {
		found := false
		for _, f := range findings {
			if f.Severity == SeverityWarning && strings.Contains(f.Message, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning containing %q; findings:\n%s", w, findingList(findings))
		}
	}
	if n := len(cs.Unverified()); n != 1 {
		t.Errorf("Unverified() = %d, want 1", n)
	}
}

// FuzzParseClusterSystem checks that no input makes the parser panic and
// that its three results always agree.
func FuzzParseClusterSystem(f *testing.F) {
	f.Add(readDefaultYAML(f))
	f.Add([]byte(smallSystem))
	f.Add([]byte("a: &x [*x]\n"))
	files, _ := filepath.Glob(filepath.Join("testdata", "clusters", "*.yaml"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, findings, err := ParseClusterSystem("fuzz.yaml", data)
		nerr := 0
		for _, fd := range findings {
			if fd.Severity == SeverityError {
				nerr++
			} else if fd.Severity != SeverityWarning {
				t.Fatalf("bad severity %q", fd.Severity)
			}
			if fd.Message == "" || fd.MessageZh == "" || fd.File != "fuzz.yaml" {
				t.Fatalf("incomplete finding %+v", fd)
			}
		}
		if (err != nil) != (nerr > 0) || (cs == nil) != (err != nil) {
			t.Fatalf("err=%v, %d errors, system %v", err, nerr, cs != nil)
		}
		if cs != nil {
			m := cs.Matcher()
			m.Match("3974", "卫星")
			m.Match("", "")
			cs.Status(0.5)
		}
	})
}

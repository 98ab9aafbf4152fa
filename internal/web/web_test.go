package web

import (
	"html/template"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestCatalogueIsComplete(t *testing.T) {
	c, err := LoadCatalogue(Files(""))
	if err != nil {
		t.Fatal(err)
	}
	if c.T("zh-CN", "nav.home") != "总览" || c.T("en", "nav.home") != "Overview" {
		t.Errorf("nav.home = %q / %q", c.T("zh-CN", "nav.home"), c.T("en", "nav.home"))
	}
	if got := c.T("en", "no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key shows as %q", got)
	}
}

func TestCatalogueRejectsMissingKeys(t *testing.T) {
	files := fstest.MapFS{
		"messages/zh-CN.json": {Data: []byte(`{"a": "甲", "b": "乙"}`)},
		"messages/en.json":    {Data: []byte(`{"a": "A"}`)},
	}
	if _, err := LoadCatalogue(files); err == nil {
		t.Fatal("a language without key b was accepted")
	}
}

// stubFuncs stand for the server's template functions (internal/server
// render.go), which this package cannot import.
var stubFuncs = template.FuncMap{
	"t": func(string) string { return "" }, "tf": func(string, ...any) string { return "" }, "num": func(any) string { return "" },
	"fnum": func(any, int) string { return "" }, "money": func(any) string { return "" }, "yi": func(any) string { return "" },
	"pct": func(any, int) string { return "" }, "growth": func(any) string { return "" }, "pick": func(string, string) string { return "" },
	"lang": func() string { return "" }, "nav": func() []struct{ ID, Href, Label string } { return nil }, "add": func(int, int) int { return 0 },
	"deref": func(*float64) float64 { return 0 }, "isnil": func(any) bool { return false },
}

func TestTemplatesParse(t *testing.T) {
	pages, err := ParseTemplates(Files(""), stubFuncs)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"page_home.html", "page_enterprises.html", "page_enterprise.html", "page_import.html", "page_tracks.html",
		"page_clusters.html", "page_cluster.html", "page_units.html", "page_unit.html", "page_warnings.html", "page_evaluation.html",
		"page_pending.html", "page_error.html"} {
		set, ok := pages[p]
		if !ok {
			t.Errorf("no page %s", p)
			continue
		}
		for _, name := range []string{"content", "table", "chart", "period"} {
			if set.Lookup(name) == nil {
				t.Errorf("%s lacks the template %q", p, name)
			}
		}
	}
}

func TestStaticFilesPresent(t *testing.T) {
	static, err := Static(Files(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"app.css", "app.js", "favicon.svg", "vendor/htmx.min.js", "vendor/echarts.min.js"} {
		if _, err := fs.Stat(static, f); err != nil {
			t.Errorf("%s: %v (run make assets for the vendor files)", f, err)
		}
	}
}

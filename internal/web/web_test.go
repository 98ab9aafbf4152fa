package web

import (
	"html/template"
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

func TestTemplatesParse(t *testing.T) {
	pages, err := ParseTemplates(Files(""), template.FuncMap{"t": func(string) string { return "" }, "num": func(int64) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pages["page_home.html"]; !ok {
		t.Errorf("pages: %v", pages)
	}
}

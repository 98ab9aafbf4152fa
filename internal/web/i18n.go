package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// Languages the dashboard speaks; the first is the default.
var Languages = []string{"zh-CN", "en"}

// Catalogue maps a message key to its text in each language.
type Catalogue struct {
	messages map[string]map[string]string // lang → key → text
}

// LoadCatalogue reads messages/<lang>.json for every language and checks
// that each language has exactly the same keys.
func LoadCatalogue(files fs.FS) (*Catalogue, error) {
	c := &Catalogue{messages: map[string]map[string]string{}}
	for _, lang := range Languages {
		b, err := fs.ReadFile(files, "messages/"+lang+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("messages/%s.json: %w", lang, err)
		}
		c.messages[lang] = m
	}
	base := c.messages[Languages[0]]
	for _, lang := range Languages[1:] {
		if missing := diffKeys(base, c.messages[lang]); len(missing) > 0 {
			return nil, fmt.Errorf("messages/%s.json lacks keys %v", lang, missing)
		}
		if extra := diffKeys(c.messages[lang], base); len(extra) > 0 {
			return nil, fmt.Errorf("messages/%s.json lacks keys %v", Languages[0], extra)
		}
	}
	return c, nil
}

func diffKeys(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// T returns the text of key in lang; a missing key shows as the key itself
// in brackets so it is noticed, never as an empty label.
func (c *Catalogue) T(lang, key string) string {
	if m, ok := c.messages[lang]; ok {
		if s, ok := m[key]; ok {
			return s
		}
	}
	return "[" + key + "]"
}

// Has reports whether the key exists (in every language, as loading checks).
func (c *Catalogue) Has(key string) bool {
	_, ok := c.messages[Languages[0]][key]
	return ok
}

// SupportedLanguage returns lang if the dashboard speaks it, else "".
func SupportedLanguage(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return ""
}

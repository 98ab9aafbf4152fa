package refdata

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed data/gbt4754_2017.csv
var gbt4754CSV string

// Level is a level of the GB/T 4754 hierarchy.
type Level string

// The four levels, from the top: 门类, 大类, 中类, 小类.
const (
	LevelSection  Level = "section"  // letter A–T
	LevelDivision Level = "division" // 2 digits
	LevelGroup    Level = "group"    // 3 digits
	LevelClass    Level = "class"    // 4 digits
)

// Industry is one code of GB/T 4754-2017.
type Industry struct {
	Code   string
	NameZh string
	Parent string // code of the parent; empty for sections
	Level  Level
}

// Industries is the whole classification with look-ups by code.
type Industries struct {
	all      []Industry
	byCode   map[string]int
	children map[string][]string
}

var (
	industriesOnce sync.Once
	industries     *Industries
)

// GBT4754 returns the embedded GB/T 4754-2017 classification.
func GBT4754() *Industries {
	industriesOnce.Do(func() {
		var err error
		industries, err = parseIndustries(gbt4754CSV)
		if err != nil {
			panic("refdata: embedded GB/T 4754 is corrupt: " + err.Error())
		}
	})
	return industries
}

func parseIndustries(text string) (*Industries, error) {
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		return nil, err
	}
	ind := &Industries{byCode: map[string]int{}, children: map[string][]string{}}
	for i, r := range rows[1:] {
		if len(r) != 4 {
			return nil, fmt.Errorf("row %d has %d fields", i+2, len(r))
		}
		it := Industry{Code: r[0], NameZh: r[1], Parent: r[2], Level: Level(r[3])}
		if _, dup := ind.byCode[it.Code]; dup {
			return nil, fmt.Errorf("duplicate code %s", it.Code)
		}
		ind.byCode[it.Code] = len(ind.all)
		ind.all = append(ind.all, it)
		if it.Parent != "" {
			ind.children[it.Parent] = append(ind.children[it.Parent], it.Code)
		}
	}
	for _, it := range ind.all {
		if it.Parent != "" {
			if _, ok := ind.byCode[it.Parent]; !ok {
				return nil, fmt.Errorf("code %s has unknown parent %s", it.Code, it.Parent)
			}
		}
	}
	return ind, nil
}

// All returns every code in the file's order (each parent before its children).
func (ind *Industries) All() []Industry { return ind.all }

// Lookup returns the industry with the given code.
func (ind *Industries) Lookup(code string) (Industry, bool) {
	i, ok := ind.byCode[code]
	if !ok {
		return Industry{}, false
	}
	return ind.all[i], true
}

// Chain returns the code and its ancestors, from the section down to the code
// itself; nil for an unknown code.
func (ind *Industries) Chain(code string) []Industry {
	var chain []Industry
	for code != "" {
		it, ok := ind.Lookup(code)
		if !ok {
			return nil
		}
		chain = append(chain, it)
		code = it.Parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// Children returns the codes directly below code.
func (ind *Industries) Children(code string) []string { return ind.children[code] }

// Classes returns the 4-digit classes at or below code, sorted.
func (ind *Industries) Classes(code string) []string {
	var out []string
	var walk func(string)
	walk = func(c string) {
		if it, ok := ind.Lookup(c); ok && it.Level == LevelClass {
			out = append(out, c)
			return
		}
		for _, ch := range ind.children[c] {
			walk(ch)
		}
	}
	walk(code)
	sort.Strings(out)
	return out
}

// Contains reports whether code equals ancestor or lies below it.
func (ind *Industries) Contains(ancestor, code string) bool {
	for code != "" {
		if code == ancestor {
			return true
		}
		it, ok := ind.Lookup(code)
		if !ok {
			return false
		}
		code = it.Parent
	}
	return false
}

// Division returns the 2-digit division a code belongs to, "" for sections
// and unknown codes.
func (ind *Industries) Division(code string) string {
	for _, it := range ind.Chain(code) {
		if it.Level == LevelDivision {
			return it.Code
		}
	}
	return ""
}

// IsManufacturing reports whether code lies in section C (divisions 13–43),
// the scope of the per-mu evaluation of industrial enterprises.
func (ind *Industries) IsManufacturing(code string) bool { return ind.Contains("C", code) }

// CountByLevel counts the codes of each level.
func (ind *Industries) CountByLevel() map[Level]int {
	n := map[Level]int{}
	for _, it := range ind.all {
		n[it.Level]++
	}
	return n
}

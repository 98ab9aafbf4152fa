package refdata

import (
	"sort"
	"strings"
)

// Membership says that an enterprise belongs to a cluster and by which rule.
type Membership struct {
	ClusterID string `json:"cluster_id"`
	// Primary marks the one membership used where an enterprise must be
	// counted once; see Matcher.Match for the rule.
	Primary bool `json:"primary"`
	// Code is the include code that matched; for a keyword match, the
	// keyword_codes entry the enterprise's code falls in ("" when the
	// cluster's keywords apply in every industry).
	Code string `json:"code"`
	// Keyword is the business-scope keyword that matched; empty for a match
	// by code.
	Keyword string `json:"keyword,omitempty"`
}

// Rule describes the matching rule in a few words: "code 361" or
// "keyword 卫星".
func (m Membership) Rule() string {
	if m.Keyword != "" {
		return "keyword " + m.Keyword
	}
	return "code " + m.Code
}

// Matcher places enterprises in the clusters of one system. It is built
// once per system and is safe for concurrent use.
//
// Everything that depends only on the industry code is worked out in
// advance for every code of GB/T 4754-2017, so Match is one map look-up,
// plus a scan of the business scope only where a cluster has keywords or
// exclude_keywords that apply to that code.
type Matcher struct {
	byCode  map[string]*matchEntry
	unknown *matchEntry // codes not in GB/T 4754 and the empty code
	words   []clusterWords
}

// matchEntry is what one industry code can lead to.
type matchEntry struct {
	// noScope is the result when the business scope cannot change it (or
	// is empty): the code matches that no exclude keyword can veto.
	noScope []Membership
	// cands, most specific first, need the business scope; nil when
	// noScope is the answer for every scope.
	cands []candidate
}

type candidate struct {
	m       Membership
	cluster int
	keyword bool // a keyword must occur in the scope
}

type clusterWords struct {
	keywords, keywordsLower []string
	excludeLower            []string
}

// Matcher returns the system's matcher, built on first use.
func (cs *ClusterSystem) Matcher() *Matcher {
	cs.matcherOnce.Do(func() { cs.matcher = newMatcher(cs) })
	return cs.matcher
}

func newMatcher(cs *ClusterSystem) *Matcher {
	m := &Matcher{byCode: map[string]*matchEntry{}, words: make([]clusterWords, len(cs.Clusters))}

	// Index every rule code once, so each GB/T code needs only a walk up
	// its chain (at most four codes) instead of a probe per cluster.
	const (
		hitInclude = iota
		hitExclude
		hitScope
	)
	type hit struct{ cluster, kind int }
	hits := map[string][]hit{}
	for i, c := range cs.Clusters {
		for kind, codes := range [][]string{hitInclude: c.Rules.Include, hitExclude: c.Rules.Exclude, hitScope: c.Rules.KeywordCodes} {
			for _, code := range codes {
				hits[code] = append(hits[code], hit{i, kind})
			}
		}
		w := clusterWords{keywords: c.Rules.Keywords}
		for _, k := range c.Rules.Keywords {
			w.keywordsLower = append(w.keywordsLower, lowerASCII(k))
		}
		for _, k := range c.Rules.ExcludeKeywords {
			w.excludeLower = append(w.excludeLower, lowerASCII(k))
		}
		m.words[i] = w
	}

	// Clusters whose keywords apply in every industry are candidates for
	// every code, including unknown ones.
	var anywhere []candidate
	for i, c := range cs.Clusters {
		if len(c.Rules.Keywords) > 0 && len(c.Rules.KeywordCodes) == 0 {
			anywhere = append(anywhere, candidate{m: Membership{ClusterID: c.ID}, cluster: i, keyword: true})
		}
	}

	ind := GBT4754()
	include := make([]string, len(cs.Clusters)) // most specific include code per cluster
	scope := make([]string, len(cs.Clusters))
	excluded := make([]bool, len(cs.Clusters))
	for _, it := range ind.All() {
		clear(include)
		clear(scope)
		clear(excluded)
		// From the code itself up to its section, so the first code seen
		// for a cluster is its most specific one.
		for code := it.Code; code != ""; {
			for _, h := range hits[code] {
				switch {
				case h.kind == hitExclude:
					excluded[h.cluster] = true
				case h.kind == hitInclude && include[h.cluster] == "":
					include[h.cluster] = code
				case h.kind == hitScope && scope[h.cluster] == "":
					scope[h.cluster] = code
				}
			}
			up, _ := ind.Lookup(code)
			code = up.Parent
		}
		var cands []candidate
		for i, c := range cs.Clusters {
			switch {
			case excluded[i]: // excludes win over includes and keywords
			case include[i] != "":
				cands = append(cands, candidate{m: Membership{ClusterID: c.ID, Code: include[i]}, cluster: i})
			case scope[i] != "" && len(c.Rules.Keywords) > 0:
				cands = append(cands, candidate{m: Membership{ClusterID: c.ID, Code: scope[i]}, cluster: i, keyword: true})
			}
		}
		for _, a := range anywhere {
			if !excluded[a.cluster] && include[a.cluster] == "" {
				cands = append(cands, a)
			}
		}
		m.byCode[it.Code] = m.entry(cs, cands)
	}
	m.unknown = m.entry(cs, append([]candidate(nil), anywhere...))
	return m
}

// entry orders the candidates of one code, most specific first, and
// precomputes the scope-free answer.
func (m *Matcher) entry(cs *ClusterSystem, cands []candidate) *matchEntry {
	sort.Slice(cands, func(a, b int) bool {
		ca, cb := cands[a], cands[b]
		if da, db := cs.depth[ca.cluster], cs.depth[cb.cluster]; da != db {
			return da > db
		}
		if la, lb := len(ca.m.Code), len(cb.m.Code); la != lb {
			return la > lb
		}
		ta, tb := tierOrder(cs, ca.cluster), tierOrder(cs, cb.cluster)
		if ta != tb {
			return ta < tb
		}
		return ca.m.ClusterID < cb.m.ClusterID
	})
	e := &matchEntry{}
	needScope := false
	for _, c := range cands {
		if c.keyword || len(m.words[c.cluster].excludeLower) > 0 {
			needScope = true
		}
		if !c.keyword {
			e.noScope = append(e.noScope, c.m)
		}
	}
	if len(e.noScope) > 0 {
		e.noScope[0].Primary = true
		// A full slice expression, so that a caller's append copies
		// instead of writing into the shared array.
		e.noScope = e.noScope[:len(e.noScope):len(e.noScope)]
	}
	if needScope {
		e.cands = cands
	}
	return e
}

func tierOrder(cs *ClusterSystem, cluster int) int {
	if t, ok := cs.Tier(cs.Clusters[cluster].Tier); ok {
		return t.Order
	}
	return 0
}

// Match returns the clusters an enterprise belongs to, given its GB/T
// 4754-2017 industry code (normally a 4-digit class; a coarser code matches
// the clusters that include it whole) and its business scope (经营范围,
// may be empty).
//
// A cluster takes the enterprise when the code lies at or below one of its
// include codes, or when the scope contains one of its keywords and the
// code lies within its keyword_codes; exclude codes and exclude_keywords
// veto both. Membership is many-to-many: 3974 (display devices) is in
// electronics and in new displays.
//
// Memberships come most specific first, and the first is Primary:
//  1. deepest nesting (a nested cluster before its parent),
//  2. then the longest matching code (class before group before division),
//  3. then the higher tier (lower Tier.Order),
//  4. then the cluster id, so the choice never depends on file order.
//
// The result is nil when nothing matches. It may be shared between calls:
// do not modify its elements.
func (m *Matcher) Match(industryCode, businessScope string) []Membership {
	e, ok := m.byCode[industryCode]
	if !ok {
		if trimmed := strings.TrimSpace(industryCode); trimmed != industryCode {
			e, ok = m.byCode[trimmed]
		}
		if !ok {
			e = m.unknown
		}
	}
	if e.cands == nil || businessScope == "" {
		return e.noScope
	}
	scope := lowerASCII(businessScope)
	out := make([]Membership, 0, len(e.cands))
	for _, c := range e.cands {
		w := &m.words[c.cluster]
		if containsAny(scope, w.excludeLower) >= 0 {
			continue
		}
		mm := c.m
		if c.keyword {
			k := containsAny(scope, w.keywordsLower)
			if k < 0 {
				continue
			}
			mm.Keyword = w.keywords[k]
		}
		out = append(out, mm)
	}
	if len(out) == 0 {
		return nil
	}
	out[0].Primary = true
	return out
}

// lowerASCII folds Latin capitals only. Business scopes are Chinese text
// with the odd Latin abbreviation (AI, eVTOL); folding just ASCII keeps
// Match from decoding every rune, and returns s itself, without
// allocating, when there is nothing to fold.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// containsAny returns the index of the first word found in s, or -1.
func containsAny(s string, words []string) int {
	for i, w := range words {
		if strings.Contains(s, w) {
			return i
		}
	}
	return -1
}

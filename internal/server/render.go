package server

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/web"
)

const langCookie = "indus_lang"

// language picks the page language: ?lang= (remembered in a cookie), then
// the cookie, then Chinese, the default for the commission's staff.
func (s *Server) language(w http.ResponseWriter, r *http.Request) string {
	if l := web.SupportedLanguage(r.URL.Query().Get("lang")); l != "" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := web.SupportedLanguage(c.Value); l != "" {
			return l
		}
	}
	return web.Languages[0]
}

// page is what every page template receives; Data is the page's own view.
type page struct {
	Lang      string
	OtherLang string
	// LangURL is the current page in the other language (the query kept).
	LangURL string
	Title   string
	Nav     string
	Version string
	// Charts loads ECharts and the chart script; pages without charts
	// skip the 1 MB library.
	Charts bool
	Data   any
	// The signed-in user (empty on the sign-in page), the items of the top
	// bar their role may use, and the session's CSRF token for forms.
	User     string
	RoleKey  string
	NavItems []navItem
	CSRF     string
	// Aggregates: the role may open the city's analytical pages, so pages
	// link to them (an enterprise user's page does not).
	Aggregates bool
}

// navItem is one entry of the top bar; the role must allow Needs.
type navItem struct {
	ID, Href, Label string
	Needs           indus.Action
}

// navItems are the top bar's entries in order.
var navItems = []navItem{
	{"home", "/", "nav.home", ""},
	{"clusters", "/clusters", "nav.clusters", indus.ActViewAggregates},
	{"units", "/units", "nav.units", indus.ActViewAggregates},
	{"enterprises", "/enterprises", "nav.enterprises", indus.ActViewEnterprises},
	{"evaluation", "/evaluation", "nav.evaluation", indus.ActViewAggregates},
	{"tracks", "/tracks", "nav.tracks", indus.ActViewAggregates},
	{"warnings", "/warnings", "nav.warnings", indus.ActViewAggregates},
	{"import", "/import", "nav.import", indus.ActImport},
	{"users", "/admin/users", "nav.users", indus.ActAdmin},
	{"audit", "/admin/audit", "nav.audit", indus.ActAdmin},
}

// navFor returns the items the role may use.
func navFor(role indus.Role) []navItem {
	var out []navItem
	for _, n := range navItems {
		if n.Needs == "" || role.Allows(n.Needs) {
			out = append(out, n)
		}
	}
	return out
}

// chartPage is implemented by page views that draw charts.
type chartPage interface{ hasCharts() bool }

// templateFuncs are the functions templates may call. "t" and the number
// formatters that print units are rebound per request to the request's
// language in render; these defaults only serve parsing.
func (s *Server) templateFuncs() template.FuncMap {
	return s.langFuncs(web.Languages[0])
}

// langFuncs are the template functions for one language.
func (s *Server) langFuncs(lang string) template.FuncMap {
	t := func(key string) string { return s.catalogue.T(lang, key) }
	return template.FuncMap{
		"t": t,
		// tf fills {name} placeholders: tf "key" "name" value "name2" value2.
		"tf": func(key string, kv ...any) string {
			msg := s.catalogue.T(lang, key)
			for i := 0; i+1 < len(kv); i += 2 {
				msg = strings.ReplaceAll(msg, "{"+toString(kv[i])+"}", toString(kv[i+1]))
			}
			return msg
		},
		"num": func(v any) string { return fmtAny(v, 0) },
		// fnum formats a number (float64, *float64 or int) with a fixed
		// number of decimals and thousands separators; nil shows a dash.
		"fnum": func(v any, dec int) string { return fmtAny(v, dec) },
		// money formats an amount in 10k yuan in 亿元 (≥ 1亿) or 万元, with
		// its unit in the page language.
		"money": func(v any) string { return fmtMoney(lang, v, t) },
		// yi formats an amount in 10k yuan as a number of 亿元 (no unit).
		"yi": func(v any) string {
			f, ok := toFloat(v)
			if !ok {
				return dash
			}
			return fmtFloat(f/1e4, 2)
		},
		"pct":    func(v any, dec int) string { return fmtPct(v, dec, false) },
		"growth": func(v any) string { return fmtPct(v, 1, true) },
		// pick returns the Chinese or the English text for the page.
		"pick": func(zh, en string) string {
			if lang == "en" && en != "" {
				return en
			}
			return zh
		},
		"lang": func() string { return lang },
		"nav":  func() []navItem { return navItems },
		"add":  func(a, b int) int { return a + b },
		"deref": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"isnil": func(v any) bool {
			_, ok := toFloat(v)
			return !ok
		},
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return fmtFloat(x, -1)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// otherLangURL is the current URL with ?lang= set to the other language.
func otherLangURL(r *http.Request, other string) string {
	q := r.URL.Query()
	q.Set("lang", other)
	return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

// execute runs a template of a page's set in the request's language.
func (s *Server) execute(w http.ResponseWriter, r *http.Request, lang, set, name string, data any) ([]byte, error) {
	tmpl, ok := s.pages[set]
	if !ok {
		return nil, indus.Errorf(indus.EInternal, "no template %s", set)
	}
	t, err := tmpl.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(s.langFuncs(lang))
	var buf bytes.Buffer
	if name == "" {
		err = t.Execute(&buf, data)
	} else {
		err = t.ExecuteTemplate(&buf, name, data)
	}
	return buf.Bytes(), err
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name, nav, titleKey string, data any) {
	s.renderStatus(w, r, http.StatusOK, name, nav, s.catalogue.T(s.language(w, r), titleKey), data)
}

// renderStatus renders a full page with a status code and a literal title.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name, nav, title string, data any) {
	lang := s.language(w, r)
	other := "en"
	if lang == "en" {
		other = "zh-CN"
	}
	p := page{Lang: lang, OtherLang: other, LangURL: otherLangURL(r, other), Title: title, Nav: nav, Version: s.version, Data: data}
	if requestSessionKey(r) != "" { // signed in (the guard ran)
		who := indus.PrincipalFrom(r.Context())
		p.User, p.RoleKey, p.NavItems, p.CSRF = who.Name, "role."+string(who.Role), navFor(who.Role), requestCSRF(r)
		p.Aggregates = who.Role.Allows(indus.ActViewAggregates)
	}
	if c, ok := data.(chartPage); ok {
		p.Charts = c.hasCharts()
	}
	b, err := s.execute(w, r, lang, name, "", p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// htmx asks for fragments of the same URLs: caches must tell them apart.
	h.Add("Vary", "HX-Request")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// renderFragment renders one named template (a table, a report) for an
// htmx request; the set is any page that includes it.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, set, name string, data any) {
	lang := s.language(w, r)
	b, err := s.execute(w, r, lang, set, name, data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "HX-Request")
	h.Set("Cache-Control", "no-cache")
	w.Write(b)
}

// errorView is the error page's view.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// pageError answers a page request that failed: domain errors (not found,
// invalid parameters) with their message in a page, anything else as an
// internal error whose details go only to the log.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := indus.Code(err)
	lang := s.language(w, r)
	status := statusOf(code)
	v := errorView{Status: status, Message: indus.MessageIn(err, lang)}
	switch code {
	case indus.ENotFound:
		v.Heading = s.catalogue.T(lang, "error.not_found")
	case indus.EInvalid:
		v.Heading = s.catalogue.T(lang, "error.invalid")
	case indus.EConflict:
		v.Heading = s.catalogue.T(lang, "error.conflict")
	case indus.EForbidden:
		v.Heading, v.Message = s.catalogue.T(lang, "error.forbidden"), s.catalogue.T(lang, "error.forbidden_detail")
	case indus.EUnauthenticated:
		v.Heading = s.catalogue.T(lang, "login.title")
	default:
		s.log.Error("page failed", "path", r.URL.Path, "err", err)
		v.Heading = s.catalogue.T(lang, "error.internal")
		v.Message = s.catalogue.T(lang, "error.internal_detail")
	}
	s.renderStatus(w, r, status, "page_error.html", "", v.Heading, v)
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, indus.Errorf(indus.ENotFound, "no such API route: %s %s", r.Method, r.URL.Path))
		return
	}
	lang := s.language(w, r)
	s.renderStatus(w, r, http.StatusNotFound, "page_error.html", "", s.catalogue.T(lang, "error.not_found"),
		errorView{Status: http.StatusNotFound, Heading: s.catalogue.T(lang, "error.not_found"), Message: s.catalogue.T(lang, "error.not_found_detail")})
}

// statusOf maps domain error codes to HTTP status codes, in one place.
func statusOf(code indus.ErrorCode) int {
	switch code {
	case indus.EInvalid:
		return http.StatusBadRequest
	case indus.ENotFound:
		return http.StatusNotFound
	case indus.EConflict:
		return http.StatusConflict
	case indus.EForbidden:
		return http.StatusForbidden
	case indus.EUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	code := indus.Code(err)
	writeJSON(w, statusOf(code), map[string]any{"error": map[string]string{"code": string(code), "message": indus.Message(err)}})
}

// formatInt writes an integer with thousands separators.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

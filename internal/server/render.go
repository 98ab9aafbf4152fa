package server

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
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
	Title     string
	Nav       string
	Version   string
	Data      any
}

// templateFuncs are the functions templates may call. "t" is rebound per
// request to the request's language in render.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"t":   func(key string) string { return s.catalogue.T(web.Languages[0], key) },
		"num": formatInt,
	}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name, nav, titleKey string, data any) {
	lang := s.language(w, r)
	tmpl, ok := s.pages[name]
	if !ok {
		s.serverError(w, r, indus.Errorf(indus.EInternal, "no template %s", name))
		return
	}
	t, err := tmpl.Clone()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	t.Funcs(template.FuncMap{"t": func(key string) string { return s.catalogue.T(lang, key) }})
	other := "en"
	if lang == "en" {
		other = "zh-CN"
	}
	var buf bytes.Buffer
	p := page{Lang: lang, OtherLang: other, Title: s.catalogue.T(lang, titleKey), Nav: nav, Version: s.version, Data: data}
	if err := t.Execute(&buf, p); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
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
	http.Error(w, s.catalogue.T(s.language(w, r), "error.not_found"), http.StatusNotFound)
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

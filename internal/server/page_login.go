package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
)

// The sign-in page. A failed sign-in says the same thing whatever went
// wrong (see access.Service.Login); too many attempts from one address get
// 429 before any password is checked.

// loginView is the sign-in page's view.
type loginView struct {
	Next  string
	Name  string
	Error string
}

// safeNext keeps a return path on this site: a path, not "//host" or a URL.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, _, err := s.access.Session(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, "page_login.html", "", "login.title", loginView{Next: next})
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	// Login CSRF (signing a victim in as the attacker) is refused by the
	// same-origin check; there is no session yet to hold a token.
	if !sameOrigin(r) {
		s.pageError(w, r, indus.Errorf(indus.EForbidden, "%s", s.catalogue.T(lang, "login.cross_site")))
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	v := loginView{Next: safeNext(r.PostFormValue("next")), Name: name}
	if !s.logins.allow(clientIP(r)) {
		s.audit(indus.WithPrincipal(r.Context(), indus.Principal{Name: name, Remote: clientIP(r)}), "login_failed", name, access.OutcomeDenied, "rate limited")
		w.Header().Set("Retry-After", "60")
		v.Error = s.catalogue.T(lang, "login.too_many")
		s.renderStatus(w, r, http.StatusTooManyRequests, "page_login.html", "", s.catalogue.T(lang, "login.title"), v)
		return
	}
	cookie, _, _, err := s.access.Login(r.Context(), name, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		if indus.Code(err) != indus.EUnauthenticated {
			s.pageError(w, r, err)
			return
		}
		v.Error = s.catalogue.T(lang, "login.failed")
		s.renderStatus(w, r, http.StatusUnauthorized, "page_login.html", "", s.catalogue.T(lang, "login.title"), v)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(s.access.Policy().SessionTTL / time.Second)})
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.access.Logout(r.Context(), c.Value); err != nil {
			s.log.Error("logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// me is who the caller is, for scripts and the page header.
type me struct {
	Name     string     `json:"name"`
	Role     indus.Role `json:"role"`
	Units    []string   `json:"units,omitempty"`
	Park     string     `json:"park,omitempty"`
	USCC     string     `json:"uscc,omitempty"`
	TokenID  int64      `json:"token_id,omitempty"`
	ReadOnly bool       `json:"read_only,omitempty"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := indus.PrincipalFrom(r.Context())
	writeJSON(w, http.StatusOK, me{Name: p.Name, Role: p.Role, Units: p.Units, Park: p.Park, USCC: p.USCC, TokenID: p.TokenID, ReadOnly: p.ReadOnly})
}

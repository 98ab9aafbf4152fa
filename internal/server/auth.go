package server

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// Who may reach what. Every route in routes.go names an accessRule; the
// guard authenticates the caller (session cookie or API token), checks the
// role's actions, CSRF and read-only tokens, and puts the principal in the
// request's context. Territory is not checked here: the store filters every
// enterprise row by the principal's scope.

const (
	sessionCookie = "indus_session"
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "csrf"
)

// accessRule is the door policy of one route.
type accessRule struct {
	name    string         // for the access-matrix test and the logs
	public  bool           // no sign-in needed
	actions []indus.Action // the role must allow every one
}

// The rules routes use.
var (
	rulePublic     = accessRule{name: "public", public: true}
	ruleSignedIn   = accessRule{name: "signed-in"}
	ruleAggregates = accessRule{name: "aggregates", actions: []indus.Action{indus.ActViewAggregates}}
	ruleRows       = accessRule{name: "enterprise-rows", actions: []indus.Action{indus.ActViewEnterprises}}
	// ruleAggregateRows: analytical views that list enterprises (cluster
	// members, unassigned firms, movers between runs).
	ruleAggregateRows = accessRule{name: "aggregate-rows", actions: []indus.Action{indus.ActViewAggregates, indus.ActViewEnterprises}}
	ruleImport        = accessRule{name: "import", actions: []indus.Action{indus.ActImport}}
	ruleAdmin         = accessRule{name: "admin", actions: []indus.Action{indus.ActAdmin}}
)

type ctxKey int

const (
	csrfKey ctxKey = iota
	sessionKeyKey
)

// requestCSRF returns the CSRF token of the request's session ("" for
// token callers), for forms and the page's meta tag.
func requestCSRF(r *http.Request) string {
	v, _ := r.Context().Value(csrfKey).(string)
	return v
}

// requestSessionKey identifies the caller's session or token: the page
// cache keeps pages per session, because a page carries its CSRF token and
// the user's name.
func requestSessionKey(r *http.Request) string {
	v, _ := r.Context().Value(sessionKeyKey).(string)
	return v
}

// stateChanging reports whether a method may change state.
func stateChanging(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// guard wraps a route's handler with its access rule.
func (s *Server) guard(pattern string, rule accessRule, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rule.public {
			h(w, r)
			return
		}
		p, csrf, key, err := s.authenticate(r)
		if err != nil {
			s.unauthenticated(w, r, err)
			return
		}
		ctx := indus.WithPrincipal(r.Context(), p)
		for _, a := range rule.actions {
			if !p.Role.Allows(a) {
				s.deny(ctx, w, r, pattern, "the role "+string(p.Role)+" may not "+string(a))
				return
			}
		}
		if stateChanging(r.Method) {
			switch {
			case p.TokenID > 0 && p.ReadOnly:
				s.deny(ctx, w, r, pattern, "read-only token")
				return
			case p.TokenID == 0 && !s.csrfOK(r, csrf):
				s.deny(ctx, w, r, pattern, "missing or wrong CSRF token")
				return
			}
		}
		ctx, notes := indus.WithAccessNotes(ctx)
		if !stateChanging(r.Method) {
			ctx = store.WithDataStampOnce(ctx)
		}
		ctx = context.WithValue(ctx, csrfKey, csrf)
		ctx = context.WithValue(ctx, sessionKeyKey, key)
		h(w, r.WithContext(ctx))
		s.writeNotes(ctx, r, notes)
	}
}

// authenticate finds the caller: a bearer token, else a session cookie.
func (s *Server) authenticate(r *http.Request) (p indus.Principal, csrf, key string, err error) {
	if s.access == nil {
		return p, "", "", indus.Errorf(indus.EInternal, "the server has no access service")
	}
	if h := r.Header.Get("Authorization"); h != "" {
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return p, "", "", indus.Errorf(indus.EUnauthenticated, "the Authorization header must be \"Bearer TOKEN\"")
		}
		p, err = s.access.Token(r.Context(), strings.TrimSpace(bearer))
		if err != nil {
			// A bad token is an attempt worth recording.
			s.audit(indus.WithPrincipal(r.Context(), indus.Principal{Name: "(invalid token)", Remote: clientIP(r)}), "denied", r.Method+" "+r.URL.Path, access.OutcomeDenied, indus.Message(err))
			return p, "", "", err
		}
		p.Remote = clientIP(r)
		return p, "", "t" + strconv.FormatInt(p.TokenID, 10), nil
	}
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" {
		return p, "", "", indus.Errorf(indus.EUnauthenticated, "please sign in")
	}
	p, csrf, err = s.access.Session(r.Context(), c.Value)
	if err != nil {
		return p, "", "", err
	}
	p.Remote = clientIP(r)
	return p, csrf, "s" + access.SessionKey(c.Value), nil
}

// csrfOK checks a state-changing request from a browser session: the
// session's token must come back in the X-CSRF-Token header (htmx, fetch),
// a form field (plain forms) or the query (multipart forms, whose body the
// handler streams), and a cross-site Origin is refused outright.
func (s *Server) csrfOK(r *http.Request, want string) bool {
	if !sameOrigin(r) {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.URL.Query().Get(csrfField)
	}
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		got = r.PostFormValue(csrfField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin reports whether a request is not from another site: browsers
// send Origin with every cross-site POST; no Origin (or "null") passes.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// unauthenticated answers a request without a valid session or token:
// pages go to the sign-in page, the API gets 401.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	if indus.Code(err) == indus.EInternal {
		s.log.Error("authentication", "path", r.URL.Path, "err", err)
	}
	if wantsHTML(r) {
		if r.Header.Get("HX-Request") != "" {
			// htmx follows a redirect inside a fragment; make it load the
			// sign-in page as a whole page instead.
			w.Header().Set("HX-Redirect", loginURL(r))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="indus"`)
	if indus.Code(err) != indus.EUnauthenticated {
		err = indus.Errorf(indus.EUnauthenticated, "please sign in")
	}
	writeError(w, err)
}

// wantsHTML tells page requests from API requests.
func wantsHTML(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && r.Header.Get("Authorization") == ""
}

// loginURL is the sign-in page, returning to the current page after.
func loginURL(r *http.Request) string {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	return "/login?" + url.Values{"next": {next}}.Encode()
}

// deny answers 403 and records the attempt.
func (s *Server) deny(ctx context.Context, w http.ResponseWriter, r *http.Request, pattern, why string) {
	s.audit(ctx, "denied", r.Method+" "+r.URL.Path, access.OutcomeDenied, why)
	err := indus.Errorf(indus.EForbidden, "you are not allowed to do this")
	if wantsHTML(r) {
		s.pageError(w, r.WithContext(ctx), err)
		return
	}
	writeError(w, err)
}

// writeNotes records what the request read or was refused (see
// indus.AccessNotes).
func (s *Server) writeNotes(ctx context.Context, r *http.Request, n *indus.AccessNotes) {
	route := r.Method + " " + r.URL.Path
	for _, u := range n.Denied {
		s.audit(ctx, "denied", u, access.OutcomeDenied, "outside the caller's territory: "+route)
	}
	for _, u := range n.Viewed {
		s.audit(ctx, "view_enterprise", u, access.OutcomeOK, route)
	}
}

// audit appends to the audit log; a failure to do so is logged loudly
// (the request itself has already been answered).
func (s *Server) audit(ctx context.Context, action, target, outcome, detail string) {
	if err := access.Record(ctx, s.store, action, target, outcome, detail); err != nil {
		s.log.Error("audit log write failed", "action", action, "target", target, "err", err)
	}
}

// clientIP is the peer's address. X-Forwarded-For is not trusted: Indus is
// served directly, and a header anyone can set must not decide what the
// audit log says.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter allows each client address a burst of sign-in attempts and
// then one every refill interval: a token bucket per address.
type loginLimiter struct {
	mu      sync.Mutex
	burst   float64
	refill  time.Duration
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLoginLimiter(burst int, refill time.Duration) *loginLimiter {
	return &loginLimiter{burst: float64(burst), refill: refill, buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes one attempt from the address's bucket.
func (l *loginLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 10000 { // bound memory: forget full buckets
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()/l.refill.Seconds() >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[addr]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()/l.refill.Seconds())
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

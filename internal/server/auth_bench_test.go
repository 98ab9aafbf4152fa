package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
)

// BenchmarkAuthorization measures what the guard adds to a request: the
// same trivial handler with no guard, behind the guard with an API token,
// and with a session cookie (both checked against the database once, then
// trusted from memory for Policy.CacheFor), with the scope in the context.
// Target: under 1 ms per request.
func BenchmarkAuthorization(b *testing.B) {
	f := newSessionFixture(b)
	tok := addTestUser(b, f.acc, access.NewUser{Name: "unit-official", Role: indus.RoleUnit, Units: []string{"500112"}})
	cookie, _, _, err := f.acc.Login(b.Context(), "unit-official", testPassword, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Store: f.st, Access: f.acc, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		if indus.ScopeFrom(r.Context()).None() {
			w.WriteHeader(500)
		}
	}
	guarded := srv.guard("GET /x", ruleRows, handler)
	for _, c := range []struct {
		name string
		h    http.HandlerFunc
		auth func(*http.Request)
	}{
		{"none", handler, func(*http.Request) {}},
		{"token", guarded, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }},
		{"session", guarded, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/x", nil)
			c.auth(req)
			for b.Loop() {
				w := httptest.NewRecorder()
				c.h(w, req)
				if w.Code != 200 {
					b.Fatalf("HTTP %d", w.Code)
				}
			}
		})
	}
}

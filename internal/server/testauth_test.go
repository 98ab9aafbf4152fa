package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// testPolicy is the sign-in policy of the tests: no failure delay, a small
// lockout threshold.
var testPolicy = access.Policy{SessionTTL: time.Hour, LockAfter: 3, LockFor: time.Minute, FailDelay: 0, CacheFor: time.Minute}

// testPassword is every test account's password.
const testPassword = "correct horse battery"

// addTestUser adds an account and returns an API token for it.
func addTestUser(t testing.TB, acc *access.Service, nu access.NewUser) string {
	t.Helper()
	ctx := context.Background()
	if nu.Password == "" {
		nu.Password = testPassword
	}
	if _, err := acc.AddUser(ctx, nu); err != nil {
		t.Fatalf("add user %s: %v", nu.Name, err)
	}
	tok, _, err := acc.NewToken(ctx, nu.Name, "test", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// withToken sends every request that carries no credentials of its own
// with the token: the page and API tests of the other files exercise
// their handlers as a signed-in analyst through the real guard.
func withToken(h http.Handler, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); r.Header.Get("Authorization") == "" && err != nil {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		h.ServeHTTP(w, r)
	})
}

// newAnalystHandler is the server over st as an analyst sees it.
func newAnalystHandler(t testing.TB, st *store.Store, version string) http.Handler {
	t.Helper()
	acc := access.New(st, testPolicy)
	srv, err := New(Config{Store: st, Access: acc, Version: version})
	if err != nil {
		t.Fatal(err)
	}
	tok := addTestUser(t, acc, access.NewUser{Name: "test-analyst", Role: indus.RoleAnalyst})
	return withToken(srv.Handler(), tok)
}

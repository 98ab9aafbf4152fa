package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

var shownPassword = regexp.MustCompile(`<code class="password" id="new-password">([^<]+)</code>`)

// An administrator manages accounts in the browser while the server runs:
// adds one (its generated password works at once), resets its password
// (the old one stops working), disables it (sign-in refused) and enables
// it again; each change is in the audit log, a bad form says what is wrong
// and keeps what was typed, and the form needs the CSRF token.
func TestUsersPageManagesAccounts(t *testing.T) {
	f := newSessionFixture(t)
	addTestUser(t, f.acc, access.NewUser{Name: "root", Role: indus.RoleAdmin})
	admin := f.browser(t)
	if resp := f.login(t, admin, "root", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", resp.StatusCode)
	}
	_, page := send(t, admin, "GET", f.ts.URL+"/admin/users", nil, nil)
	token := csrfMeta.FindStringSubmatch(page)[1]
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	post := func(path string, v url.Values) (*http.Response, string) {
		t.Helper()
		v.Set("csrf", token)
		return send(t, admin, "POST", f.ts.URL+path, strings.NewReader(v.Encode()), form)
	}
	signsIn := func(name, password string) bool {
		t.Helper()
		resp := f.login(t, f.browser(t), name, password)
		return resp.StatusCode == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/login")
	}

	// Without the CSRF token nothing happens.
	if resp, _ := send(t, admin, "POST", f.ts.URL+"/admin/users", strings.NewReader("name=x1&role=analyst"), form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("add without CSRF: %d", resp.StatusCode)
	}
	// A unit official without a unit: refused, with the reason and the form kept.
	resp, body := post("/admin/users", url.Values{"name": {"yubei-li"}, "role": {"unit"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "区县用户至少需要选择一个区县") || !strings.Contains(body, `value="yubei-li"`) {
		t.Fatalf("add without a unit: HTTP %d\n%.400s", resp.StatusCode, body)
	}
	// Added with a unit: the password is shown once and works.
	resp, body = post("/admin/users", url.Values{"name": {"yubei-li"}, "role": {"unit"}, "unit": {"500112"}})
	m := shownPassword.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("add: HTTP %d, no password shown\n%.400s", resp.StatusCode, body)
	}
	first := m[1]
	if !signsIn("yubei-li", first) {
		t.Fatal("the new account cannot sign in with the password shown")
	}
	if _, list := send(t, admin, "GET", f.ts.URL+"/admin/users", nil, nil); !strings.Contains(list, "yubei-li") || !strings.Contains(list, "渝北区") || strings.Contains(list, first) {
		t.Errorf("the list must show the account and its unit, and never the password")
	}
	u, err := f.st.UserByName(context.Background(), "yubei-li")
	if err != nil || u.Role != indus.RoleUnit || len(u.Units) != 1 || u.Units[0] != "500112" {
		t.Fatalf("stored account %+v, %v", u, err)
	}
	// A new password replaces the old one.
	_, body = post("/admin/users/change", url.Values{"user": {"yubei-li"}, "action": {"reset"}})
	m = shownPassword.FindStringSubmatch(body)
	if m == nil || m[1] == first {
		t.Fatalf("reset showed no new password\n%.400s", body)
	}
	if signsIn("yubei-li", first) || !signsIn("yubei-li", m[1]) {
		t.Error("after a reset the old password must fail and the new one work")
	}
	// Disabled: sign-in refused; enabled again: it works.
	if resp, _ := post("/admin/users/change", url.Values{"user": {"yubei-li"}, "action": {"disable"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if signsIn("yubei-li", m[1]) {
		t.Error("a disabled account signed in")
	}
	post("/admin/users/change", url.Values{"user": {"yubei-li"}, "action": {"enable"}})
	if !signsIn("yubei-li", m[1]) {
		t.Error("an enabled account cannot sign in")
	}
	// The last administrator cannot be disabled.
	if resp, body := post("/admin/users/change", url.Values{"user": {"root"}, "action": {"disable"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "root") {
		t.Errorf("disabling the last administrator: HTTP %d", resp.StatusCode)
	}
	// Every change is audited, as the administrator.
	entries, _, err := f.st.Audit(context.Background(), store.AuditQuery{Target: "yubei-li"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		if e.User == "root" {
			got[e.Action] = true
		}
	}
	for _, a := range []string{"user_add", "user_passwd", "user_disable", "user_enable"} {
		if !got[a] {
			t.Errorf("no %s entry by root in the audit log (%v)", a, got)
		}
	}
}

var shownToken = regexp.MustCompile(`<code class="password" id="new-token">([^<]+)</code>`)

// An administrator creates an API token for an account in the browser: it
// works at once with the account's rights (read-only when asked), is
// listed without its secret, and stops working when revoked.
func TestUsersPageManagesTokens(t *testing.T) {
	f := newSessionFixture(t)
	addTestUser(t, f.acc, access.NewUser{Name: "root", Role: indus.RoleAdmin})
	admin := f.browser(t)
	f.login(t, admin, "root", testPassword)
	_, page := send(t, admin, "GET", f.ts.URL+"/admin/users", nil, nil)
	token := csrfMeta.FindStringSubmatch(page)[1]
	post := func(path string, v url.Values) (*http.Response, string) {
		t.Helper()
		v.Set("csrf", token)
		return send(t, admin, "POST", f.ts.URL+path, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	bearer := func(method, path, tok string) int {
		t.Helper()
		resp, _ := send(t, http.DefaultClient, method, f.ts.URL+path, nil, map[string]string{"Authorization": "Bearer " + tok})
		return resp.StatusCode
	}
	if resp, _ := post("/admin/tokens", url.Values{"user": {"ana"}, "label": {"x"}, "days": {"-1"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("negative validity: HTTP %d, want 400", resp.StatusCode)
	}
	resp, body := post("/admin/tokens", url.Values{"user": {"ana"}, "label": {"nightly export"}, "days": {"30"}, "read_only": {"1"}})
	m := shownToken.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("new token: HTTP %d, none shown\n%.400s", resp.StatusCode, body)
	}
	secret := m[1]
	if got := bearer("GET", "/api/v1/me", secret); got != http.StatusOK {
		t.Fatalf("the new token: HTTP %d on /api/v1/me", got)
	}
	if got := bearer("POST", "/api/v1/imports?check=true", secret); got != http.StatusForbidden {
		t.Errorf("a read-only token posted an import: HTTP %d", got)
	}
	_, list := send(t, admin, "GET", f.ts.URL+"/admin/users", nil, nil)
	if !strings.Contains(list, "nightly export") || strings.Contains(list, secret) {
		t.Error("the token list must show the token's label and never its secret")
	}
	tokens, err := f.acc.Tokens(context.Background(), "ana")
	if err != nil {
		t.Fatal(err)
	}
	var made *store.Token
	for i := range tokens {
		if tokens[i].Label == "nightly export" {
			made = &tokens[i]
		}
	}
	if made == nil || !made.ReadOnly || made.ExpiresAt == nil || made.ExpiresAt.Sub(made.CreatedAt).Hours() != 30*24 {
		t.Fatalf("stored tokens %+v", tokens)
	}
	if resp, _ := post("/admin/tokens/revoke", url.Values{"token": {strconv.FormatInt(made.ID, 10)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: HTTP %d", resp.StatusCode)
	}
	if got := bearer("GET", "/api/v1/me", secret); got != http.StatusUnauthorized {
		t.Errorf("a revoked token: HTTP %d, want 401", got)
	}
	entries, _, err := f.st.Audit(context.Background(), store.AuditQuery{User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Action] = true
	}
	if !got["token_create"] || !got["token_revoke"] {
		t.Errorf("audit actions by root: %v", got)
	}
}

package server

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// sessionFixture is an empty store with an analyst account, served.
type sessionFixture struct {
	ts  *httptest.Server
	st  *store.Store
	acc *access.Service
	now time.Time
}

func newSessionFixture(t testing.TB) *sessionFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &sessionFixture{st: st, acc: access.New(st, testPolicy), now: time.Now()}
	f.acc.SetClock(func() time.Time { return f.now })
	srv, err := New(Config{Store: st, Access: f.acc, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	addTestUser(t, f.acc, access.NewUser{Name: "ana", Role: indus.RoleAnalyst})
	return f
}

// browser is a client with a cookie jar that does not follow redirects.
func (f *sessionFixture) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (f *sessionFixture) login(t *testing.T, c *http.Client, name, password string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(f.ts.URL+"/login", url.Values{"name": {name}, "password": {password}, "next": {"/import"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func send(t *testing.T, c *http.Client, method, u string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func TestLoginSessionCookieAndLogout(t *testing.T) {
	f := newSessionFixture(t)
	c := f.browser(t)
	// Without a session every page sends the browser to the sign-in page.
	resp, _ := send(t, c, "GET", f.ts.URL+"/import", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fimport" {
		t.Fatalf("unauthenticated page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = f.login(t, c, "ana", testPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/import" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || sc.MaxAge != int(testPolicy.SessionTTL/time.Second) {
		t.Fatalf("session cookie: %+v", sc)
	}
	resp, body := send(t, c, "GET", f.ts.URL+"/import", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "ana") || !csrfMeta.MatchString(body) {
		t.Fatalf("signed-in page: %d", resp.StatusCode)
	}
	// The cookie value is not what the database holds.
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM sessions WHERE id_sha256 = ?`, sc.Value).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the session id is stored in clear: %d %v", n, err)
	}
	token := csrfMeta.FindStringSubmatch(body)[1]
	resp, _ = send(t, c, "POST", f.ts.URL+"/logout", strings.NewReader(url.Values{"csrf": {token}}.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old cookie no longer opens anything, even when replayed.
	old := &http.Client{CheckRedirect: c.CheckRedirect}
	resp, _ = send(t, old, "GET", f.ts.URL+"/api/v1/me", nil, map[string]string{"Cookie": sessionCookie + "=" + sc.Value})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed cookie after logout: %d", resp.StatusCode)
	}
	// Expiry: a new session stops working after the TTL.
	f.login(t, c, "ana", testPassword)
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/me", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("me: %d", resp.StatusCode)
	}
	f.now = f.now.Add(testPolicy.SessionTTL + time.Minute)
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/me", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired session: %d", resp.StatusCode)
	}
}

func TestCSRFRejected(t *testing.T) {
	f := newSessionFixture(t)
	c := f.browser(t)
	f.login(t, c, "ana", testPassword)
	_, body := send(t, c, "GET", f.ts.URL+"/import", nil, nil)
	token := csrfMeta.FindStringSubmatch(body)[1]
	form := func(csrf string) io.Reader {
		return strings.NewReader(url.Values{"batch": {"1"}, "csrf": {csrf}}.Encode())
	}
	formType := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for name, tc := range map[string]struct {
		body   io.Reader
		header map[string]string
	}{
		"no token":    {strings.NewReader("batch=1"), formType},
		"wrong token": {form("x" + token), formType},
		"cross-site":  {form(token), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}},
		"other field": {strings.NewReader("batch=1"), map[string]string{"Content-Type": "application/x-www-form-urlencoded", csrfHeader: token + "x"}},
	} {
		resp, _ := send(t, c, "POST", f.ts.URL+"/import/undo", tc.body, tc.header)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: HTTP %d, want 403", name, resp.StatusCode)
		}
	}
	// With the token (form field, header or query) the request goes through
	// to the handler, which answers on the batch (none exists: 404).
	for name, tc := range map[string]struct {
		url    string
		body   io.Reader
		header map[string]string
	}{
		"field":  {"/import/undo", form(token), formType},
		"header": {"/import/undo", strings.NewReader("batch=1"), map[string]string{"Content-Type": "application/x-www-form-urlencoded", csrfHeader: token}},
		"query":  {"/import/undo?csrf=" + url.QueryEscape(token), strings.NewReader("batch=1"), formType},
	} {
		resp, _ := send(t, c, "POST", f.ts.URL+tc.url, tc.body, tc.header)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d, want 404 from the handler", name, resp.StatusCode)
		}
	}
	entries, _, _ := f.st.Audit(context.Background(), store.AuditQuery{Action: "denied"})
	if len(entries) != 4 {
		t.Errorf("denied entries: %d, want 4", len(entries))
	}
}

func TestLockoutAndGenericFailure(t *testing.T) {
	f := newSessionFixture(t)
	c := f.browser(t)
	var bodies []string
	for i := 0; i < testPolicy.LockAfter; i++ {
		resp, body := send(t, c, "POST", f.ts.URL+"/login", strings.NewReader(url.Values{"name": {"ana"}, "password": {"wrong password"}}.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: HTTP %d", i, resp.StatusCode)
		}
		bodies = append(bodies, body)
	}
	// Locked: the right password fails too, with the same answer as for a
	// user who does not exist.
	if resp := f.login(t, c, "ana", testPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("locked account signed in: %d", resp.StatusCode)
	}
	_, ghost := send(t, c, "POST", f.ts.URL+"/login", strings.NewReader(url.Values{"name": {"nobody"}, "password": {"whatever123"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	strip := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "nobody", "NAME"), "ana", "NAME")
	}
	if strip(ghost) != strip(bodies[0]) {
		t.Errorf("the answer for an unknown user differs from a wrong password")
	}
	// After the lock expires, the right password works.
	f.now = f.now.Add(testPolicy.LockFor + time.Second)
	if resp := f.login(t, c, "ana", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock: %d", resp.StatusCode)
	}
	failed, _, _ := f.st.Audit(context.Background(), store.AuditQuery{Action: "login_failed"})
	if len(failed) != testPolicy.LockAfter+2 {
		t.Errorf("failed logins logged: %d, want %d", len(failed), testPolicy.LockAfter+2)
	}
	if !strings.Contains(failed[testPolicy.LockAfter].Detail, "locked") || failed[len(failed)-1].Detail != "no such user" {
		t.Errorf("failure reasons: %q, %q", failed[testPolicy.LockAfter].Detail, failed[len(failed)-1].Detail)
	}
	ok, _, _ := f.st.Audit(context.Background(), store.AuditQuery{Action: "login", Outcome: access.OutcomeOK})
	if len(ok) != 1 || ok[0].User != "ana" || ok[0].Remote != "127.0.0.1" {
		t.Errorf("login entries: %+v", ok)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newSessionFixture(t)
	c := f.browser(t)
	codes := map[int]int{}
	for i := 0; i < 12; i++ {
		resp, _ := send(t, c, "POST", f.ts.URL+"/login", strings.NewReader("name=x&password=y"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		codes[resp.StatusCode]++
	}
	if codes[http.StatusTooManyRequests] != 2 || codes[http.StatusUnauthorized] != 10 {
		t.Errorf("12 attempts from one address: %v, want 10 × 401 then 2 × 429", codes)
	}
}

func TestTokenRevocationAndReadOnly(t *testing.T) {
	f := newSessionFixture(t)
	ctx := context.Background()
	tok, rec, err := f.acc.NewToken(ctx, "ana", "script", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM api_tokens WHERE secret_sha256 LIKE ?`, "%"+tok[len(tok)-20:]+"%").Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in clear")
	}
	c := &http.Client{}
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/imports", nil, bearer); resp.StatusCode != 200 {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	// A token needs no CSRF token (no cookie is involved).
	if resp, _ := send(t, c, "POST", f.ts.URL+"/api/v1/imports?check=true", nil, bearer); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("token POST: %d", resp.StatusCode)
	}
	if err := f.acc.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/imports", nil, bearer); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
	// A tampered secret with a valid id fails as well.
	ro, _, err := f.acc.NewToken(ctx, "ana", "reader", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/imports", nil, map[string]string{"Authorization": "Bearer " + ro + "x"}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tampered token: %d", resp.StatusCode)
	}
	roh := map[string]string{"Authorization": "Bearer " + ro}
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/imports", nil, roh); resp.StatusCode != 200 {
		t.Fatalf("read-only GET: %d", resp.StatusCode)
	}
	if resp, _ := send(t, c, "POST", f.ts.URL+"/api/v1/imports?check=true", nil, roh); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("read-only POST: %d", resp.StatusCode)
	}
	// Disabling the user ends its tokens.
	addTestUser(t, f.acc, access.NewUser{Name: "root", Role: indus.RoleAdmin})
	if err := f.acc.SetDisabled(ctx, "ana", true); err != nil {
		t.Fatal(err)
	}
	if resp, _ := send(t, c, "GET", f.ts.URL+"/api/v1/imports", nil, roh); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token of a disabled user: %d", resp.StatusCode)
	}
}

// Every audited action leaves an entry, and the chain holds.
func TestAuditEntriesAndChain(t *testing.T) {
	f := newSessionFixture(t)
	ctx := context.Background()
	c := f.browser(t)
	f.login(t, c, "ana", "wrong password")
	f.login(t, c, "ana", testPassword)
	_, body := send(t, c, "GET", f.ts.URL+"/import", nil, nil)
	token := csrfMeta.FindStringSubmatch(body)[1]
	// An import through the API (multipart, CSRF in the header).
	mp, ctype := multipartFile(t, "enterprises.csv", uploadEnterprises)
	resp, rb := send(t, c, "POST", f.ts.URL+"/api/v1/imports", mp, map[string]string{"Content-Type": ctype, csrfHeader: token})
	if resp.StatusCode != 200 {
		t.Fatalf("import: %d %s", resp.StatusCode, rb)
	}
	resp, _ = send(t, c, "POST", f.ts.URL+"/import/undo", strings.NewReader(url.Values{"batch": {"1"}, "csrf": {token}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("undo: %d", resp.StatusCode)
	}
	send(t, c, "GET", f.ts.URL+"/import?export=csv&table=history", nil, nil)
	for _, a := range []string{"login_failed", "login", "import", "undo", "export"} {
		es, _, err := f.st.Audit(ctx, store.AuditQuery{Action: a})
		if err != nil || len(es) == 0 {
			t.Errorf("no %s entry (%v)", a, err)
		}
	}
	v, err := f.st.VerifyAudit(ctx)
	if err != nil || !v.OK || v.Entries < 6 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	// Editing any entry breaks the chain at that entry.
	if _, err := f.st.DB().Exec(`UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	v, _ = f.st.VerifyAudit(ctx)
	if v.OK || v.BrokenAt != 3 {
		t.Fatalf("tampered log verifies: %+v", v)
	}
	// The administrator's page says so.
	addTestUser(t, f.acc, access.NewUser{Name: "root", Role: indus.RoleAdmin, Password: "root password 1"})
	a := f.browser(t)
	f.login(t, a, "root", "root password 1")
	_, page := send(t, a, "GET", f.ts.URL+"/admin/audit?lang=en", nil, nil)
	if !strings.Contains(page, "broken at entry 3") {
		t.Errorf("audit page does not show the break")
	}
	// The API says so too, and names what is wrong with bad parameters.
	_, js := send(t, a, "GET", f.ts.URL+"/api/v1/audit?verify=true&action=undo", nil, nil)
	if !strings.Contains(js, `"broken_at": 3`) || !strings.Contains(js, `"action": "undo"`) || strings.Contains(js, `"action": "login"`) {
		t.Errorf("audit API: %.400s", js)
	}
	for q, want := range map[string]string{"limit=0": "limit must be between 1 and 1000", "offset=-1": "offset must be a whole number", "since=yesterday": `parameter since: \"yesterday\"`} {
		resp, body := send(t, a, "GET", f.ts.URL+"/api/v1/audit?"+q, nil, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("audit API ?%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

// multipartFile is a multipart body with one file part.
func multipartFile(t *testing.T, name, content string) (io.Reader, string) {
	t.Helper()
	var b strings.Builder
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	return strings.NewReader(b.String()), w.FormDataContentType()
}

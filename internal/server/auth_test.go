package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// The access matrix: every route, every role, the answer it must get.
// matrixRoles are the columns; "anon" sends no credentials.
var matrixRoles = []string{"admin", "analyst", "unit", "enterprise", "viewer", "anon"}

// Expected outcomes. ok: 2xx, or 400 for a request the test makes
// deliberately incomplete (the door let it through to validation);
// page: 200 HTML; deny: 403; login: 303 to /login (pages) or 401 (API);
// redirect: 303 elsewhere; missing: 404.
const (
	ok       = "ok"
	deny     = "deny"
	login    = "login"
	redirect = "redirect"
	missing  = "missing"
)

type matrixCase struct {
	method, path string // path with {uscc} (in the unit official's unit), {other} (another unit), {run}
	want         [6]string
}

// accessMatrix has one entry per route pattern of routes.go; a route
// without an entry fails TestAccessMatrixCoversEveryRoute.
var accessMatrix = map[string][]matrixCase{
	"GET /static/":                               {{"GET", "/static/favicon.svg", [6]string{ok, ok, ok, ok, ok, ok}}},
	"GET /static/vendor/":                        {{"GET", "/static/vendor/htmx.min.js", [6]string{ok, ok, ok, ok, ok, ok}}},
	"GET /static/app.js":                         {{"GET", "/static/app.js", [6]string{ok, ok, ok, ok, ok, ok}}},
	"GET /static/app.css":                        {{"GET", "/static/app.css", [6]string{ok, ok, ok, ok, ok, ok}}},
	"GET /healthz":                               {{"GET", "/healthz", [6]string{ok, ok, ok, ok, ok, ok}}},
	"GET /login":                                 {{"GET", "/login", [6]string{ok, ok, ok, ok, ok, ok}}},
	"POST /login":                                {{"POST", "/login", [6]string{login, login, login, login, login, login}}},
	"POST /logout":                               {{"POST", "/logout", [6]string{login, login, login, login, login, login}}},
	"GET /api/v1/me":                             {{"GET", "/api/v1/me", [6]string{ok, ok, ok, ok, ok, login}}},
	"GET /api/v1/health":                         {{"GET", "/api/v1/health", [6]string{ok, ok, ok, ok, ok, login}}},
	"GET /api/v1/audit":                          {{"GET", "/api/v1/audit?verify=true", [6]string{ok, deny, deny, deny, deny, login}}},
	"GET /admin/audit":                           {{"GET", "/admin/audit", [6]string{ok, deny, deny, deny, deny, login}}},
	"GET /admin/users":                           {{"GET", "/admin/users", [6]string{ok, deny, deny, deny, deny, login}}},
	"POST /admin/users":                          {{"POST", "/admin/users", [6]string{ok, deny, deny, deny, deny, login}}},
	"POST /admin/users/change":                   {{"POST", "/admin/users/change", [6]string{ok, deny, deny, deny, deny, login}}},
	"POST /admin/tokens":                         {{"POST", "/admin/tokens", [6]string{ok, deny, deny, deny, deny, login}}},
	"POST /admin/tokens/revoke":                  {{"POST", "/admin/tokens/revoke", [6]string{ok, deny, deny, deny, deny, login}}},
	"GET /api/v1/imports":                        {{"GET", "/api/v1/imports", [6]string{ok, ok, deny, deny, deny, login}}},
	"POST /api/v1/imports":                       {{"POST", "/api/v1/imports?check=true", [6]string{ok, ok, deny, deny, deny, login}}},
	"GET /api/v1/clusters":                       {{"GET", "/api/v1/clusters", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/clusters/unassigned":            {{"GET", "/api/v1/clusters/unassigned", [6]string{ok, ok, ok, deny, deny, login}}},
	"GET /api/v1/clusters/{id}":                  {{"GET", "/api/v1/clusters/nev", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/clusters/{id}/units":            {{"GET", "/api/v1/clusters/nev/units", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/clusters/{id}/enterprises":      {{"GET", "/api/v1/clusters/nev/enterprises", [6]string{ok, ok, ok, deny, deny, login}}},
	"GET /api/v1/units/{code}":                   {{"GET", "/api/v1/units/{unit}", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/warnings":                       {{"GET", "/api/v1/warnings", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/complexity/units":               {{"GET", "/api/v1/complexity/units", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/complexity/units/{code}/tracks": {{"GET", "/api/v1/complexity/units/{unit}/tracks", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/complexity/city/new-star":       {{"GET", "/api/v1/complexity/city/new-star", [6]string{ok, ok, ok, deny, ok, login}}},
	"POST /api/v1/complexity/city/new-star":      {{"POST", "/api/v1/complexity/city/new-star", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/enterprises":                    {{"GET", "/api/v1/enterprises?limit=1000", [6]string{ok, ok, ok, ok, deny, login}}},
	"GET /api/v1/enterprises/{uscc}": {
		{"GET", "/api/v1/enterprises/{uscc}", [6]string{ok, ok, ok, ok, deny, login}},
		{"GET", "/api/v1/enterprises/{other}", [6]string{ok, ok, missing, missing, deny, login}},
	},
	"GET /api/v1/evaluations":                   {{"GET", "/api/v1/evaluations", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/evaluations/{run}":             {{"GET", "/api/v1/evaluations/2", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/evaluations/{run}/enterprises": {{"GET", "/api/v1/evaluations/2/enterprises?limit=5000", [6]string{ok, ok, ok, ok, deny, login}}},
	"GET /api/v1/evaluations/{run}/enterprises/{uscc}": {
		{"GET", "/api/v1/evaluations/2/enterprises/{uscc}", [6]string{ok, ok, ok, ok, deny, login}},
		{"GET", "/api/v1/evaluations/2/enterprises/{other}", [6]string{ok, ok, missing, missing, deny, login}},
	},
	"GET /api/v1/evaluations/{run}/units":           {{"GET", "/api/v1/evaluations/2/units", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/evaluations/{run}/parks":           {{"GET", "/api/v1/evaluations/2/parks", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /api/v1/evaluations/{run}/compare/{other}": {{"GET", "/api/v1/evaluations/2/compare/1", [6]string{ok, ok, ok, deny, deny, login}}},
	"GET /api/v1/evaluation-schemes":                {{"GET", "/api/v1/evaluation-schemes", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /{$}":                                      {{"GET", "/", [6]string{ok, ok, ok, redirect, ok, login}}},
	"GET /clusters":                                 {{"GET", "/clusters", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /clusters/{id}":                            {{"GET", "/clusters/nev", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /units":                                    {{"GET", "/units", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /units/{code}":                             {{"GET", "/units/{unit}", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /enterprises":                              {{"GET", "/enterprises", [6]string{ok, ok, ok, ok, deny, login}}},
	"GET /enterprises/{uscc}": {
		{"GET", "/enterprises/{uscc}", [6]string{ok, ok, ok, ok, deny, login}},
		{"GET", "/enterprises/{other}", [6]string{ok, ok, missing, missing, deny, login}},
	},
	"GET /evaluation":   {{"GET", "/evaluation", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /tracks":       {{"GET", "/tracks", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /warnings":     {{"GET", "/warnings", [6]string{ok, ok, ok, deny, ok, login}}},
	"GET /import":       {{"GET", "/import", [6]string{ok, ok, deny, deny, deny, login}}},
	"POST /import":      {{"POST", "/import", [6]string{ok, ok, deny, deny, deny, login}}},
	"POST /import/undo": {{"POST", "/import/undo", [6]string{ok, ok, deny, deny, deny, login}}},
	"/":                 {{"GET", "/no-such-page", [6]string{missing, missing, missing, missing, missing, login}}},
}

// matrixFixture is the city server with one account per role.
type matrixFixture struct {
	ts     *httptest.Server
	st     *store.Store
	acc    *access.Service
	tokens map[string]string
	unit   string // the unit official's unit
	uscc   string // an enterprise in it: the enterprise user's own
	other  string // an enterprise of another unit
}

var (
	matrixOnce sync.Once
	matrixFix  *matrixFixture
)

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	cityServer(t) // loads the city into cityStore
	matrixOnce.Do(func() {
		f := &matrixFixture{st: cityStore, acc: access.New(cityStore, testPolicy), tokens: map[string]string{}}
		srv, err := New(Config{Store: cityStore, Access: f.acc, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		f.ts = httptest.NewServer(srv.Handler())
		ctx := context.Background()
		rec, err := cityStore.EnterpriseByUSCC(ctx, cityUSCC)
		if err != nil {
			t.Fatal(err)
		}
		f.unit, f.uscc = rec.UnitCode, rec.USCC
		rows, _, err := cityStore.ListEnterprises(ctx, store.EnterpriseListQuery{EnterpriseFilter: store.EnterpriseFilter{}, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.UnitCode != f.unit {
				f.other = r.USCC
				break
			}
		}
		if f.other == "" {
			t.Fatal("no enterprise outside the unit")
		}
		users := map[string]access.NewUser{
			"admin":      {Role: indus.RoleAdmin},
			"analyst":    {Role: indus.RoleAnalyst},
			"unit":       {Role: indus.RoleUnit, Units: []string{f.unit}},
			"enterprise": {Role: indus.RoleEnterprise, USCC: f.uscc},
			"viewer":     {Role: indus.RoleViewer},
		}
		for role, nu := range users {
			nu.Name = "m-" + role
			f.tokens[role] = addTestUser(t, f.acc, nu)
		}
		matrixFix = f
	})
	if matrixFix == nil {
		t.Fatal("matrix fixture failed")
	}
	return matrixFix
}

// do sends a request as a role (by token; "anon" sends none).
func (f *matrixFixture) do(t *testing.T, role, method, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok := f.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *matrixFixture) expand(path string) string {
	return strings.NewReplacer("{uscc}", url.PathEscape(f.uscc), "{other}", url.PathEscape(f.other), "{unit}", f.unit).Replace(path)
}

// outcome classifies a response.
func outcome(resp *http.Response) string {
	loc := resp.Header.Get("Location")
	switch {
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login"):
		return login
	case resp.StatusCode == http.StatusSeeOther, resp.StatusCode == http.StatusFound:
		return redirect
	case resp.StatusCode == http.StatusForbidden:
		return deny
	case resp.StatusCode == http.StatusNotFound:
		return missing
	case resp.StatusCode >= 200 && resp.StatusCode < 300, resp.StatusCode == http.StatusBadRequest:
		return ok
	}
	return resp.Status
}

func TestAccessMatrixCoversEveryRoute(t *testing.T) {
	srv, err := New(Config{Store: nil, Access: access.New(nil, testPolicy), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := srv.routes()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.pattern] = true
		if _, ok := accessMatrix[r.pattern]; !ok {
			t.Errorf("route %q (rule %s) has no row in the access matrix: add what each role must get", r.pattern, r.rule.name)
		}
	}
	for p := range accessMatrix {
		if !seen[p] {
			t.Errorf("the access matrix names %q, which is not a route", p)
		}
	}
}

func TestAccessMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	for pattern, cases := range accessMatrix {
		for _, c := range cases {
			for i, role := range matrixRoles {
				resp, body := f.do(t, role, c.method, f.expand(c.path), nil)
				if got := outcome(resp); got != c.want[i] {
					t.Errorf("%s (%s %s) as %s: got %s (HTTP %d), want %s\n%.200s", pattern, c.method, f.expand(c.path), role, got, resp.StatusCode, c.want[i], body)
				}
				if resp.StatusCode >= 500 || strings.Contains(body, "goroutine ") || strings.Contains(body, "Binder Error") || strings.Contains(body, "Parser Error") || strings.Contains(body, "sql: ") {
					t.Errorf("%s as %s: leaks internals: HTTP %d %.200s", c.path, role, resp.StatusCode, body)
				}
			}
		}
	}
}

// Rows come back only from the caller's territory.
func TestScopedRows(t *testing.T) {
	f := newMatrixFixture(t)
	type row struct {
		USCC string `json:"uscc"`
		Unit string `json:"unit_code"`
	}
	list := func(role, path, field string) ([]row, int) {
		t.Helper()
		resp, body := f.do(t, role, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s as %s: HTTP %d %.200s", path, role, resp.StatusCode, body)
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		var rows []row
		if err := json.Unmarshal(page[field], &rows); err != nil {
			t.Fatalf("%s: field %s: %v\n%.300s", path, field, err, body)
		}
		var total int
		if err := json.Unmarshal(page["total"], &total); err != nil {
			t.Fatalf("%s: total: %v", path, err)
		}
		return rows, total
	}
	for _, c := range []struct{ path, field string }{
		{"/api/v1/enterprises?limit=1000", "enterprises"},
		{"/api/v1/evaluations/2/enterprises?limit=5000", "enterprises"},
	} {
		all, allTotal := list("analyst", c.path, c.field)
		units := map[string]bool{}
		for _, r := range all {
			units[r.Unit] = true
		}
		if len(units) < 2 {
			t.Fatalf("%s: the analyst sees %d units; the test needs several", c.path, len(units))
		}
		mine, mineTotal := list("unit", c.path, c.field)
		if len(mine) == 0 || mineTotal >= allTotal || len(mine) != min(mineTotal, len(all)) {
			t.Errorf("%s: unit official sees %d rows (total %d) of %d", c.path, len(mine), mineTotal, allTotal)
		}
		for _, r := range mine {
			if r.Unit != f.unit {
				t.Errorf("%s: unit official of %s sees %s of unit %s", c.path, f.unit, r.USCC, r.Unit)
			}
		}
		own, ownTotal := list("enterprise", c.path, c.field)
		if len(own) != 1 || ownTotal != 1 || own[0].USCC != f.uscc {
			t.Errorf("%s: enterprise user sees %v, want only %s", c.path, own, f.uscc)
		}
	}
	// A cluster's enterprise list and the unassigned list, for the unit.
	resp, body := f.do(t, "unit", "GET", "/api/v1/clusters/nev/enterprises?limit=1000", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("cluster enterprises: %d", resp.StatusCode)
	}
	var cl struct {
		Enterprises []row `json:"enterprises"`
	}
	json.Unmarshal([]byte(body), &cl)
	for _, r := range cl.Enterprises {
		if r.Unit != f.unit {
			t.Errorf("cluster list: unit official sees %s of unit %s", r.USCC, r.Unit)
		}
	}
	// The enterprise page of the enterprise user is its own; another's is
	// "not found", exactly as a code that does not exist.
	_, own := f.do(t, "enterprise", "GET", "/api/v1/enterprises/"+f.uscc, nil)
	if !strings.Contains(own, f.uscc) {
		t.Errorf("own profile lacks its USCC")
	}
	_, guessed := f.do(t, "enterprise", "GET", "/api/v1/enterprises/"+f.other, nil)
	_, absent := f.do(t, "enterprise", "GET", "/api/v1/enterprises/91500000000000000X", nil)
	norm := func(s, code string) string { return strings.ReplaceAll(s, code, "CODE") }
	if norm(guessed, f.other) != norm(absent, "91500000000000000X") {
		t.Errorf("an enterprise outside the scope is told apart from one that does not exist:\n%s\n%s", guessed, absent)
	}
}

// Guessing another unit's USCC fails and is logged.
func TestGuessedUSCCIsLogged(t *testing.T) {
	f := newMatrixFixture(t)
	resp, _ := f.do(t, "unit", "GET", "/enterprises/"+url.PathEscape(f.other), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	entries, _, err := f.st.Audit(context.Background(), store.AuditQuery{User: "m-unit (token " + tokenID(t, f.tokens["unit"]) + ")", Action: "denied", Target: f.other})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[len(entries)-1].Outcome != access.OutcomeDenied || !strings.Contains(entries[len(entries)-1].Detail, "/enterprises/") {
		t.Fatalf("no denied entry for the guessed USCC: %+v", entries)
	}
	// Viewing one's own confidential record is logged too.
	f.do(t, "unit", "GET", "/enterprises/"+url.PathEscape(f.uscc), nil)
	views, _, err := f.st.Audit(context.Background(), store.AuditQuery{Action: "view_enterprise", Target: f.uscc})
	if err != nil || len(views) == 0 {
		t.Fatalf("no view entry: %v %v", views, err)
	}
	v, err := f.st.VerifyAudit(context.Background())
	if err != nil || !v.OK {
		t.Fatalf("chain: %+v %v", v, err)
	}
}

func tokenID(t *testing.T, tok string) string {
	t.Helper()
	id, _, _ := strings.Cut(strings.TrimPrefix(tok, "indus_"), "_")
	return id
}

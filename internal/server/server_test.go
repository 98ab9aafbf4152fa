package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/store"
)

func newTestServer(t *testing.T) *httptest.Server {
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
	ts := httptest.NewServer(newAnalystHandler(t, st, "test"))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHealthz(t *testing.T) {
	ts := newTestServer(t)
	// /healthz is public and says only "ok"; the details are for the
	// signed in.
	resp, body := get(t, ts.Client(), ts.URL+"/healthz")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "{\n  \"status\": \"ok\"\n}" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}
	resp, body = get(t, ts.Client(), ts.URL+"/api/v1/health")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var h struct {
		Status        string         `json:"status"`
		SchemaVersion int            `json:"schema_version"`
		Counts        map[string]int `json:"counts"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.SchemaVersion != store.LatestSchemaVersion() {
		t.Errorf("health %+v", h)
	}
	for _, k := range []string{"enterprises", "annual_facts", "monthly_facts", "import_batches"} {
		if _, ok := h.Counts[k]; !ok {
			t.Errorf("counts lacks %s: %s", k, body)
		}
	}
}

func TestHomePageBothLanguages(t *testing.T) {
	ts := newTestServer(t)
	client := ts.Client()
	resp, body := get(t, client, ts.URL+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, `lang="zh-CN"`) || !strings.Contains(body, "产业集群体系") || !strings.Contains(body, "万州区") {
		t.Fatalf("zh home: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "[home.") || strings.Contains(body, "[app.") {
		t.Error("a message key is missing from the catalogue")
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	resp, body = get(t, client, ts.URL+"/?lang=en")
	if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Cluster system") || !strings.Contains(body, "Wanzhou") {
		t.Fatalf("en home:\n%s", body)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == langCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "en" {
		t.Fatal("language choice is not remembered")
	}
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.AddCookie(cookie)
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if !strings.Contains(string(b), `lang="en"`) {
		t.Error("the cookie does not keep English")
	}
}

func TestNotFound(t *testing.T) {
	ts := newTestServer(t)
	resp, body := get(t, ts.Client(), ts.URL+"/api/v1/nope")
	if resp.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("api 404: %d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, ts.Client(), ts.URL+"/nope")
	if resp.StatusCode != 404 {
		t.Errorf("page 404: %d", resp.StatusCode)
	}
	resp, body = get(t, ts.Client(), ts.URL+"/static/app.css")
	if resp.StatusCode != 200 || !strings.Contains(body, "--brand") {
		t.Errorf("static: %d", resp.StatusCode)
	}
}

func TestFormatInt(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := formatInt(in); got != want {
			t.Errorf("formatInt(%d) = %s, want %s", in, got, want)
		}
	}
}

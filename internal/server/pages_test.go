package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/synth"
)

// The page tests run the real router on a real store filled by the
// synthetic generator (the city, 2022–2025), once for the package.

var (
	cityOnce  sync.Once
	cityTS    *httptest.Server
	cityStore *store.Store
	cityErr   error
	cityUSCC  string
)

func cityServer(t *testing.T) *httptest.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("the page tests load the synthetic city; skipped with -short")
	}
	cityOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "indus-pages-*")
		if err != nil {
			cityErr = err
			return
		}
		data := filepath.Join(dir, "data")
		if _, cityErr = synth.Generate(ctx, synth.Config{Seed: 1, Scale: synth.ScaleCity, FromYear: 2022, ToYear: 2025}, data); cityErr != nil {
			return
		}
		if cityStore, cityErr = store.Open(ctx, filepath.Join(dir, "pages.duckdb")); cityErr != nil {
			return
		}
		if _, cityErr = cityStore.Migrate(ctx); cityErr != nil {
			return
		}
		files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
		if _, cityErr = analysis.ImportFiles(ctx, cityStore, files, analysis.ImportOptions{User: "test"}); cityErr != nil {
			return
		}
		sc, _ := refdata.SchemeByID("chongqing-2023")
		for _, y := range []int{2024, 2025} {
			if _, _, cityErr = analysis.Evaluate(ctx, cityStore, analysis.EvaluateOptions{Scheme: sc, Year: y, Uncertainty: 50, Seed: 1, User: "test"}); cityErr != nil {
				return
			}
		}
		cityTS = httptest.NewServer(newAnalystHandler(t, cityStore, "test"))
		page, err := analysis.ListEnterprises(ctx, cityStore, analysis.EnterpriseQuery{Sort: "revenue", Desc: true, Limit: 1, EnterpriseFilter: store.EnterpriseFilter{AboveSize: ptrBool(true)}})
		if err != nil || len(page.Enterprises) == 0 {
			cityErr = err
			return
		}
		cityUSCC = page.Enterprises[0].USCC
	})
	if cityErr != nil {
		t.Fatal(cityErr)
	}
	return cityTS
}

func ptrBool(b bool) *bool { return &b }

// pagePaths are every page, with a real enterprise and unit.
func pagePaths() []string {
	return []string{"/", "/?metric=tax_per_mu", "/clusters", "/clusters?period=2024&geo=northeast", "/clusters?view=month", "/clusters/nev",
		"/clusters/new_displays?period=2025", "/units", "/units?year=2023", "/units/500112", "/units/LJ?period=2024",
		"/enterprises", "/enterprises?cluster=electronics&size=above&sort=tax&dir=desc&page=2", "/enterprises?q=%E9%87%8D%E5%BA%86&industry=36",
		"/enterprises/" + url.PathEscape(cityUSCC), "/evaluation", "/evaluation?run=1&compare=none", "/evaluation?run=2&compare=1&e-class=C&e-cluster=nev", "/tracks", "/tracks?unit=500101&level=group&basis=output",
		"/warnings", "/import"}
}

var missingKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.0-9]+\]`)

// getWith fetches a URL with a language cookie and extra headers.
func getWith(t *testing.T, u, lang string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if lang != "" {
		req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// checkPage checks what every page must be.
func checkPage(t *testing.T, path, lang string, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("%s (%s): HTTP %d\n%s", path, lang, resp.StatusCode, body)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("%s: content type %s", path, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, `<html lang="`+lang+`">`) {
		t.Errorf("%s: not in %s", path, lang)
	}
	if m := missingKey.FindAllString(body, -1); len(m) > 0 {
		t.Errorf("%s (%s): missing catalogue keys %v", path, lang, m)
	}
	// No inline script: every script has a src, or is a JSON data block.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("%s: inline script %s", path, tag)
		}
	}
	if strings.Contains(body, `style="`) {
		t.Errorf("%s: inline style attribute (the CSP forbids it)", path)
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		for _, m := range regexp.MustCompile(`(src|href)="https?://[^"]+"`).FindAllString(body, -1) {
			t.Errorf("%s: external resource %s", path, m)
		}
	}
}

func TestEveryPageInBothLanguages(t *testing.T) {
	ts := cityServer(t)
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range pagePaths() {
			resp, body := getWith(t, ts.URL+p, lang, nil)
			checkPage(t, p, lang, resp, body)
		}
	}
	// Words that show the pages carry data, not empty frames.
	_, body := getWith(t, ts.URL+"/", "zh-CN", nil)
	for _, want := range []string{"智能网联新能源汽车", "万州区", "产业集群体系", `class="tile `, `data-chart="city-trend-data"`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	_, body = getWith(t, ts.URL+"/enterprises/"+url.PathEscape(cityUSCC), "en", nil)
	for _, want := range []string{cityUSCC, "Cluster memberships", "Benefit-per-mu evaluation", `class="class-badge`, "Points / weight", `id="monthly-chart"`, `id="annual"`} {
		if !strings.Contains(body, want) {
			t.Errorf("enterprise profile lacks %q", want)
		}
	}
}

func TestPagesOnAnEmptyStoreExplainThemselves(t *testing.T) {
	ts := newTestServer(t)
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range []string{"/", "/enterprises", "/units", "/import", "/evaluation", "/tracks", "/units/500112"} {
			resp, body := getWith(t, ts.URL+p, lang, nil)
			checkPage(t, p, lang, resp, body)
			if !strings.Contains(body, `class="empty`) && !strings.Contains(body, `class="notice`) {
				t.Errorf("%s (%s): no explained empty state", p, lang)
			}
		}
		// Pages that need cluster data say why they cannot show it.
		for _, p := range []string{"/clusters", "/warnings", "/clusters/nev"} {
			resp, body := getWith(t, ts.URL+p, lang, nil)
			if resp.StatusCode == 500 || missingKey.MatchString(body) || !strings.Contains(body, `lang="`+lang+`"`) {
				t.Errorf("%s (%s): HTTP %d\n%s", p, lang, resp.StatusCode, body)
			}
		}
	}
}

func TestNotFoundPages(t *testing.T) {
	ts := cityServer(t)
	for _, p := range []string{"/enterprises/NOPE", "/units/999999", "/clusters/nope", "/no/such/page"} {
		resp, body := getWith(t, ts.URL+p, "en", nil)
		if resp.StatusCode != 404 || !strings.Contains(body, `<html lang="en">`) || missingKey.MatchString(body) {
			t.Errorf("%s: HTTP %d\n%s", p, resp.StatusCode, body)
		}
	}
	resp, body := getWith(t, ts.URL+"/tracks?level=nope", "en", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "nope") {
		t.Errorf("bad level: HTTP %d", resp.StatusCode)
	}
}

// A bad address on the Chinese dashboard is explained in Chinese, with the
// status its error code gives.
func TestPageErrorsInChinese(t *testing.T) {
	ts := cityServer(t)
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/evaluation?run=abc", "不是评价编号", 400},
		{"/evaluation?run=999", "没有第 999 次评价", 404},
		{"/tracks?year=abc", "不是有效的年份", 400},
		{"/tracks?unit=999999", "没有代码为", 404},
		{"/clusters?geo=bogus", "未知的区县 &#34;bogus&#34;", 400},
	} {
		resp, body := getWith(t, ts.URL+c.path, "zh-CN", nil)
		if resp.StatusCode != c.status || !strings.Contains(body, c.want) || !strings.Contains(body, `<html lang="zh-CN">`) {
			t.Errorf("%s: HTTP %d, want %d and %q in the page", c.path, resp.StatusCode, c.status, c.want)
		}
	}
}

// tableIDs are the tables of each page, by the id htmx targets.
var tableIDs = map[string][]string{
	"/enterprises":        {"enterprises"},
	"/enterprises/{uscc}": {"annual"},
	"/import":             {"history"},
	"/tracks?unit=500112": {"tracks", "eci", "newstar"},
	"/clusters":           {"clusters"},
	"/clusters/nev":       {"regions", "units", "leading", "movers"},
	"/units":              {"units"},
	"/units/500112":       {"unit-clusters", "unit-enterprises", "unit-eval"},
	"/warnings":           {"warnings"},
	"/evaluation":         {"runs", "indicators", "eval-units", "eval-enterprises", "movers"},
}

func TestTableFragmentsAndExports(t *testing.T) {
	ts := cityServer(t)
	for page, ids := range tableIDs {
		p := strings.ReplaceAll(page, "{uscc}", url.PathEscape(cityUSCC))
		for _, id := range ids {
			// The htmx fragment: the table alone.
			resp, body := getWith(t, ts.URL+p, "en", map[string]string{"HX-Request": "true", "HX-Target": id})
			if resp.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(body), `<div class="tbl" id="`+id+`"`) || strings.Contains(body, "<html") {
				t.Errorf("%s #%s fragment: HTTP %d\n%.300s", p, id, resp.StatusCode, body)
			}
			if missingKey.MatchString(body) {
				t.Errorf("%s #%s: missing keys %v", p, id, missingKey.FindAllString(body, -1))
			}
			if !strings.Contains(body, "<caption>") {
				t.Errorf("%s #%s: no caption", p, id)
			}
			// The CSV export of the same table.
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			resp, body = getWith(t, ts.URL+p+sep+"export=csv&table="+id, "zh-CN", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(body, "\xef\xbb\xbf") {
				t.Errorf("%s #%s export: HTTP %d %s", p, id, resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\xef\xbb\xbf"))).ReadAll()
			if err != nil || len(recs) < 1 {
				t.Errorf("%s #%s export: %v", p, id, err)
			}
		}
	}
}

func TestEnterpriseTableFiltersSortsPages(t *testing.T) {
	ts := cityServer(t)
	ctx := context.Background()
	// Page 2 of the electronics cluster's above-size enterprises by tax.
	q := "/enterprises?cluster=electronics&size=above&sort=tax&dir=desc&page=2&per=25"
	resp, body := getWith(t, ts.URL+q, "en", map[string]string{"HX-Request": "true", "HX-Target": "enterprises"})
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	all, err := analysis.ListEnterprises(ctx, cityStore, analysis.EnterpriseQuery{ClusterID: "electronics", Sort: "tax", Desc: true, Limit: 25, Offset: 25,
		EnterpriseFilter: store.EnterpriseFilter{AboveSize: ptrBool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Enterprises) == 0 {
		t.Fatal("no electronics enterprises")
	}
	for _, e := range all.Enterprises {
		if !strings.Contains(body, e.USCC) {
			t.Errorf("page 2 lacks %s", e.USCC)
		}
	}
	if !strings.Contains(body, `aria-sort="descending"`) || !strings.Contains(body, "rows 26–50 of "+formatInt(all.Total)) {
		t.Errorf("sort or count not shown:\n%.2000s", body)
	}
	// The export has every matching row, in the same order.
	resp, body = getWith(t, ts.URL+q+"&export=csv&table=enterprises", "en", nil)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\xef\xbb\xbf"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(recs)-1) != all.Total || recs[0][0] != "Enterprise" || recs[26][1] != all.Enterprises[0].USCC {
		t.Errorf("export: %d rows for %d, header %v", len(recs)-1, all.Total, recs[0])
	}
	// XLSX too.
	resp, body = getWith(t, ts.URL+"/enterprises?unit=500112&export=xlsx&table=enterprises", "zh-CN", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) < 2 || rows[0][0] != "企业名称" || rows[0][6] != "营业收入（万元）" {
		t.Errorf("xlsx header %v", rows[0])
	}
	// Garbage in the URL falls back to defaults rather than failing.
	resp, _ = getWith(t, ts.URL+"/enterprises?sort=DROP+TABLE&dir=sideways&page=-4&per=7&unit=nowhere", "en", nil)
	if resp.StatusCode != 200 {
		t.Errorf("garbage parameters: HTTP %d", resp.StatusCode)
	}
}

func TestExportNeutralisesFormulas(t *testing.T) {
	ts := newTestServer(t)
	csvData := "uscc,name,unit_code,industry_code,above_size\n91500112MA5U8Y6X3E,=HYPERLINK(\"http://x\"),500112,3670,true\n"
	_, body := postUpload(t, ts.URL+"/import", "enterprises.csv", csvData, "import")
	if !strings.Contains(body, "ok-note") {
		t.Fatalf("import failed:\n%s", body)
	}
	_, body = getWith(t, ts.URL+"/enterprises?export=csv&table=enterprises", "en", nil)
	if !strings.Contains(body, `"'=HYPERLINK(""http://x"")"`) {
		t.Errorf("formula not neutralised:\n%s", body)
	}
}

// postUpload posts a file to the import page as a browser form would.
func postUpload(t *testing.T, u, name, content, action string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.WriteField("action", action)
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("HX-Request", "true")
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestImportCheckImportUndo(t *testing.T) {
	ts := newTestServer(t)
	bad := "uscc,name,unit_code,industry_code,above_size\n91500112MA5U8Y6X3E,甲,500112,3670,true\nNOT-A-USCC,乙,999999,3670,maybe\n"
	resp, body := postUpload(t, ts.URL+"/import", "enterprises.csv", bad, "check")
	if resp.StatusCode != 200 || !strings.Contains(body, `class="data compact findings"`) || !strings.Contains(body, "NOT-A-USCC") ||
		!strings.Contains(body, `value="import_valid"`) || !strings.Contains(body, "Discard") {
		t.Fatalf("check report:\n%s", body)
	}
	if missingKey.MatchString(body) {
		t.Errorf("missing keys %v", missingKey.FindAllString(body, -1))
	}
	// Nothing was imported by the check.
	_, hist := getWith(t, ts.URL+"/import", "en", nil)
	if !strings.Contains(hist, "No imports yet") {
		t.Error("the check recorded a batch")
	}
	// Import the valid row; the history comes along out of band.
	resp, body = postUpload(t, ts.URL+"/import", "enterprises.csv", bad, "import_valid")
	if resp.StatusCode != 200 || !strings.Contains(body, "ok-note") || !strings.Contains(body, `hx-swap-oob="outerHTML"`) {
		t.Fatalf("import:\n%s", body)
	}
	// Undo it.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(ts.URL+"/import/undo", url.Values{"batch": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "undone=1") {
		t.Fatalf("undo: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = getWith(t, ts.URL+resp.Header.Get("Location"), "en", nil)
	if !strings.Contains(body, "Batch 1 undone") {
		t.Errorf("undo notice missing")
	}
	// Undoing twice is a conflict, explained on the page in its language
	// (Chinese by default).
	resp, err = client.PostForm(ts.URL+"/import/undo", url.Values{"batch": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "第 1 批") || !strings.Contains(string(b), "撤销") {
		t.Errorf("second undo: %d", resp.StatusCode)
	}
	// No file at all.
	resp, body = postUpload(t, ts.URL+"/import", "", "", "check")
	if resp.StatusCode != 200 || !strings.Contains(body, "error-note") {
		t.Errorf("empty upload: %d %s", resp.StatusCode, body)
	}
}

func TestEnterpriseAPI(t *testing.T) {
	ts := cityServer(t)
	var page struct {
		Year        int   `json:"year"`
		Total       int64 `json:"total"`
		Enterprises []struct {
			USCC     string   `json:"uscc"`
			UnitCode string   `json:"unit_code"`
			Revenue  *float64 `json:"revenue"`
		} `json:"enterprises"`
	}
	resp, body := get(t, ts.Client(), ts.URL+"/api/v1/enterprises?unit=500112&unit=500101&above_size=true&sort=revenue&dir=desc&limit=5&offset=5")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Year != 2025 || len(page.Enterprises) != 5 || page.Total < 10 {
		t.Fatalf("page %+v", page)
	}
	for i, e := range page.Enterprises {
		if e.UnitCode != "500112" && e.UnitCode != "500101" {
			t.Errorf("unit %s", e.UnitCode)
		}
		if i > 0 && page.Enterprises[i-1].Revenue != nil && e.Revenue != nil && *e.Revenue > *page.Enterprises[i-1].Revenue {
			t.Error("not sorted by revenue")
		}
	}
	for _, bad := range []string{"sort=nope", "dir=up", "limit=0", "limit=5000", "above_size=perhaps", "cluster=nope", "unit=nowhere", "year=1800"} {
		resp, body := get(t, ts.Client(), ts.URL+"/api/v1/enterprises?"+bad)
		if resp.StatusCode != 400 || !strings.Contains(body, `"invalid"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
	var prof struct {
		USCC        string            `json:"uscc"`
		Memberships []json.RawMessage `json:"memberships"`
		Annual      []json.RawMessage `json:"annual"`
		Monthly     []json.RawMessage `json:"monthly"`
		Evaluation  *json.RawMessage  `json:"evaluation"`
	}
	resp, body = get(t, ts.Client(), ts.URL+"/api/v1/enterprises/"+url.PathEscape(cityUSCC))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), &prof); err != nil {
		t.Fatal(err)
	}
	if prof.USCC != cityUSCC || len(prof.Annual) == 0 || len(prof.Monthly) == 0 || prof.Evaluation == nil || !strings.Contains(body, `"run": 2`) {
		t.Errorf("profile %s", body[:min(len(body), 600)])
	}
	resp, body = get(t, ts.Client(), ts.URL+"/api/v1/enterprises/NOPE")
	if resp.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("unknown: %d %s", resp.StatusCode, body)
	}
}

func TestStaticAssetsCompressed(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest("GET", ts.URL+"/static/vendor/echarts.min.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || len(gz) > 500<<10 {
		t.Fatalf("gzip: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(gz))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	req, _ = http.NewRequest("GET", ts.URL+"/static/vendor/echarts.min.js", nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain, raw) || len(raw) < 500<<10 {
		t.Errorf("identity: %q, %d vs %d bytes", resp.Header.Get("Content-Encoding"), len(plain), len(raw))
	}
	etag := resp.Header.Get("ETag")
	req.Header.Set("If-None-Match", etag)
	resp, _ = http.DefaultTransport.RoundTrip(req)
	resp.Body.Close()
	if etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: etag %q, %d", etag, resp.StatusCode)
	}
	for _, p := range []string{"/static/app.js", "/static/app.css", "/static/vendor/htmx.min.js"} {
		resp, _ := get(t, ts.Client(), ts.URL+p)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	resp, _ = get(t, ts.Client(), ts.URL+"/static/vendor/../../templates/layout.html")
	if resp.StatusCode == 200 {
		t.Error("a path outside static was served")
	}
}

func TestTableStateFromURL(t *testing.T) {
	spec := &tableSpec{ID: "x", Prefix: "x-", Cols: []tableCol{{Key: "name", Kind: colText}, {Key: "n", Kind: colInt}, {Key: "note", Kind: colText, NoSort: true}},
		Sort: "name", Search: "s", Filters: []tableFilter{{Key: "k", Options: []tableOption{{"a", "A"}}}}}
	r := httptest.NewRequest("GET", "/p?x-sort=n&x-page=3&x-per=50&x-q=%20ab%20&x-k=a&other=1", nil)
	st := spec.state(r)
	if st.Sort != "n" || !st.Desc || st.Page != 3 || st.PerPage != 50 || st.Q != "ab" || st.F["k"] != "a" {
		t.Errorf("state %+v", st)
	}
	r = httptest.NewRequest("GET", "/p?x-sort=note&x-dir=desc&x-per=13&x-k=zzz&x-page=abc", nil)
	st = spec.state(r)
	if st.Sort != "name" || !st.Desc || st.PerPage != 25 || st.Page != 1 || st.F["k"] != "" {
		t.Errorf("fallbacks %+v", st)
	}
	st.Page = 2
	u := spec.urlFor(httptest.NewRequest("GET", "/p?other=1&lang=en", nil), st)
	if u != "/p?other=1&x-dir=desc&x-page=2&x-sort=name" {
		t.Errorf("url %s", u)
	}
}

func TestMemTable(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	spec := &tableSpec{ID: "m", Cols: []tableCol{{Key: "name", Kind: colText}, {Key: "v", Kind: colNum}}, Search: "s",
		Filters: []tableFilter{{Key: "name", Options: []tableOption{{"b", "b"}}}}}
	rows := []tableRow{{Vals: []any{"a", f(2)}}, {Vals: []any{"b", nil}}, {Vals: []any{"c", f(1)}}, {Vals: []any{"ab", f(3)}}}
	collect := func(st tableState, paged bool) ([]string, int) {
		var out []string
		n, err := memTable(spec, rows)(st, paged, func(r tableRow) error { out = append(out, r.Vals[0].(string)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return out, n
	}
	got, n := collect(tableState{Sort: "v", Desc: true, Page: 1, PerPage: 2, F: map[string]string{}}, true)
	if n != 4 || strings.Join(got, ",") != "ab,a" {
		t.Errorf("desc page 1: %v %d", got, n)
	}
	got, _ = collect(tableState{Sort: "v", Page: 2, PerPage: 2, F: map[string]string{}}, true)
	if strings.Join(got, ",") != "ab,b" {
		t.Errorf("asc page 2 (missing last): %v", got)
	}
	got, n = collect(tableState{Sort: "name", Page: 1, PerPage: 25, Q: "A", F: map[string]string{}}, false)
	if n != 2 || strings.Join(got, ",") != "a,ab" {
		t.Errorf("search: %v", got)
	}
	got, _ = collect(tableState{Sort: "name", Page: 1, PerPage: 25, F: map[string]string{"name": "b"}}, false)
	if strings.Join(got, ",") != "b" {
		t.Errorf("filter: %v", got)
	}
}

func TestNumberFormats(t *testing.T) {
	tr := func(k string) string { return map[string]string{"unit.yi": "亿元", "unit.wan": "万元"}[k] }
	for _, c := range []struct {
		got, want string
	}{
		{fmtFloat(1234567.891, 2), "1,234,567.89"},
		{fmtFloat(-1234.56, 1), "-1,234.6"},
		{fmtFloat(-0.04, 1), "0.0"},
		{fmtFloat(999, -1), "999"},
		{fmtMoney("zh-CN", 123456.0, tr), "12.35 亿元"},
		{fmtMoney("zh-CN", 9999.94, tr), "9,999.9 万元"},
		{fmtMoney("zh-CN", nil, tr), dash},
		{fmtPct(0.1234, 1, true), "+12.3%"},
		{fmtPct(-0.05, 1, true), "-5.0%"},
		{fmtAny(int64(1234567), 2), "1,234,567"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// Package e2e drives the dashboard in headless Chromium: the real server on
// 127.0.0.1 with a real store filled by the synthetic generator, every page
// loaded in both languages at 1366×768 and on a 2560×1440 wall screen, with
// no console error, no failed or outside request, charts drawn, the
// language switch, an XLSX export and an upload's validation report.
// Screenshots go to $INDUS_ARTEFACTS (default: a folder in the temporary
// directory, printed) for people to look at. For work on the pages,
// $INDUS_E2E_URL points the tests at a running server and $INDUS_E2E_PAGES
// (comma-separated page names) limits the pages visited.
//
// Chromium comes from Debian's chromium package (/usr/bin/chromium, or
// $INDUS_CHROMIUM). Without it the tests fail when $CI is set and are
// skipped otherwise, with the reason printed.
package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/server"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/synth"
)

// env is one test run: the server and the browser.
type env struct {
	base      string
	artefacts string
	browser   context.Context
	// The unit official's unit and the enterprise user's firm (in it),
	// for the role tests; empty against an external server.
	unit, firm, other string
}

var (
	setupOnce sync.Once
	shared    *env
	setupErr  error
	skipWhy   string
)

// chromiumPath finds the browser.
func chromiumPath() string {
	if p := os.Getenv("INDUS_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// setup starts the server and the browser once for all tests.
func setup(t *testing.T) *env {
	t.Helper()
	setupOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			skipWhy = "Chromium is not installed (apt-get install chromium fonts-noto-cjk, or set INDUS_CHROMIUM)"
			return
		}
		shared, setupErr = start(path)
	})
	if skipWhy != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests cannot run in CI: %s", skipWhy)
		}
		t.Skipf("skipping browser tests: %s", skipWhy)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return shared
}

// start fills a temporary store with the synthetic city, serves it on
// 127.0.0.1:0 and starts Chromium. The process lives as long as the test
// binary; TestMain cleans up.
func start(chromium string) (*env, error) {
	ctx := context.Background()
	e := &env{artefacts: os.Getenv("INDUS_ARTEFACTS")}
	if e.artefacts == "" {
		e.artefacts = filepath.Join(os.TempDir(), "indus-e2e-artefacts")
	}
	if err := os.MkdirAll(e.artefacts, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "indus-e2e-*")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	base := os.Getenv("INDUS_E2E_URL") // an already running server, for working on the pages
	if base == "" {
		data := filepath.Join(dir, "data")
		if _, err := synth.Generate(ctx, synth.Config{Seed: 1, Scale: synth.ScaleCity, FromYear: 2021, ToYear: 2025}, data); err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
		st, err := store.Open(ctx, filepath.Join(dir, "e2e.duckdb"))
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			return nil, err
		}
		files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
		if _, err := analysis.ImportFiles(ctx, st, files, analysis.ImportOptions{User: "e2e"}); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		sc, _ := refdata.SchemeByID("chongqing-2023")
		for _, y := range []int{2024, 2025} {
			if _, _, err := analysis.Evaluate(ctx, st, analysis.EvaluateOptions{Scheme: sc, Year: y, Uncertainty: 50, Seed: 1, User: "e2e"}); err != nil {
				return nil, fmt.Errorf("evaluate %d: %w", y, err)
			}
		}
		acc := access.New(st, access.DefaultPolicy)
		if _, err := acc.AddUser(ctx, access.NewUser{Name: e2eUser, Role: indus.RoleAdmin, Password: e2ePassword}); err != nil {
			return nil, err
		}
		if e.unit, e.firm, err = st.DemoTerritory(ctx); err != nil || e.firm == "" {
			return nil, fmt.Errorf("demo territory: %q %v", e.firm, err)
		}
		others, _, err := st.ListEnterprises(ctx, store.EnterpriseListQuery{Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, o := range others {
			if o.UnitCode != e.unit {
				e.other = o.USCC
				break
			}
		}
		for _, nu := range []access.NewUser{
			{Name: "e2e-unit", Role: indus.RoleUnit, Units: []string{e.unit}, Password: e2ePassword},
			{Name: "e2e-firm", Role: indus.RoleEnterprise, USCC: e.firm, Password: e2ePassword},
			{Name: "e2e-viewer", Role: indus.RoleViewer, Password: e2ePassword},
		} {
			if _, err := acc.AddUser(ctx, nu); err != nil {
				return nil, err
			}
		}
		srv, err := server.New(server.Config{Store: st, Access: acc, Version: "e2e"})
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		sctx, stop := context.WithCancel(ctx)
		cleanups = append(cleanups, stop)
		go srv.Serve(sctx, ln)
		base = "http://" + ln.Addr().String()
	}
	e.base = strings.TrimSuffix(base, "/")
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium-profile")),
	)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	cleanups = append(cleanups, cancelBrowser, cancelAlloc)
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("start Chromium %s: %w", chromium, err)
	}
	e.browser = bctx
	signInTab, closeTab := chromedp.NewContext(e.browser)
	err = e.signIn(signInTab, e2eUser, e2ePassword, "/enterprises", "login")
	closeTab()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "e2e: server %s, screenshots in %s\n", e.base, e.artefacts)
	return e, nil
}

// The account the browser signs in with (for INDUS_E2E_URL, give one with
// INDUS_E2E_USER and INDUS_E2E_PASSWORD).
var (
	e2eUser     = envOr("INDUS_E2E_USER", "e2e-admin")
	e2ePassword = envOr("INDUS_E2E_PASSWORD", "e2e admin password")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// signIn signs a browser context in through the sign-in page, as a user
// would, starting from the page at path (which sends it to sign in and
// back); the session cookie then serves every tab of that context. The
// sign-in page is screenshotted as shot.
func (e *env) signIn(tabCtx context.Context, user, password, path, shot string) error {
	ctx, cancelT := context.WithTimeout(tabCtx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(e.base+path), chromedp.WaitVisible(chromedp.CSS(`input[name=name]`))); err != nil {
		return fmt.Errorf("sign-in page: %w", err)
	}
	if img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(e.artefacts, shot+".png"), img, 0o644)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name=name]`), user), chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`.login-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form.who`))); err != nil {
		return fmt.Errorf("sign in as %s: %w", user, err)
	}
	return nil
}

var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

// tab is one browser tab with what it saw.
type tab struct {
	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex
	problems []string
	host     string
}

func (e *env) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser)
	tb := &tab{ctx: ctx, cancel: cancel}
	u, _ := url.Parse(e.base)
	tb.host = u.Host
	if err := chromedp.Listen(ctx, tb.listen); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return tb
}

// listen records console errors, exceptions, failed requests and any
// request that would leave the machine.
func (tb *tab) listen(ev any) {
	add := func(s string) {
		tb.mu.Lock()
		tb.problems = append(tb.problems, s)
		tb.mu.Unlock()
	}
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			add(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
		}
	case *runtime.EventExceptionThrown:
		add("exception: " + ev.ExceptionDetails.Text + " " + exceptionDesc(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			add(fmt.Sprintf("browser log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			add(fmt.Sprintf("request failed: %s %s", ev.ErrorText, ev.BlockedReason))
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			add(fmt.Sprintf("HTTP %d for %s", ev.Response.Status, ev.Response.URL))
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != tb.host {
			add("request leaves the machine: " + ev.Request.URL)
		}
	}
}

func exceptionDesc(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// takeProblems returns and clears what the tab saw.
func (tb *tab) takeProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// waitReady waits until the page has loaded, its scripts ran and every
// chart is drawn.
func (tb *tab) waitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete" &&
		Array.from(document.querySelectorAll("[data-chart]")).every(el => el.getAttribute("data-drawn") === "1" && el.querySelector("canvas"))`,
		chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatalf("page did not become ready: %v", err)
	}
	// Let the browser paint, and late requests settle.
	chromedp.Do(tb.ctx, chromedp.Sleep(300*time.Millisecond))
}

// until evaluates js until it is true, riding out the moments when the
// page has no execution context (a navigation).
func (tb *tab) until(js string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return nil
		}
		last = err
		chromedp.Do(tb.ctx, chromedp.Sleep(100*time.Millisecond))
	}
	if last == nil {
		last = fmt.Errorf("still false after %s: %s", timeout, js)
	}
	return last
}

func (tb *tab) navigate(t *testing.T, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 90*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	if resp.Status != 200 {
		t.Fatalf("%s: HTTP %d", u, resp.Status)
	}
	tb.waitReady(t)
}

func evalT[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (e *env) screenshot(t *testing.T, tb *tab, name string, w, h int64, full bool) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	// Charts follow the window size.
	chromedp.Do(tb.ctx, chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("resize"))`), chromedp.Sleep(400*time.Millisecond))
	var img []byte
	var err error
	if full {
		img, err = chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	} else {
		img, err = chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(e.artefacts, name+".png")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pages are the dashboard's pages; {uscc} and {unit} are filled in.
var pages = []struct{ name, path string }{
	{"overview", "/"},
	{"clusters", "/clusters"},
	{"cluster", "/clusters/nev"},
	{"units", "/units"},
	{"unit", "/units/500112"},
	{"enterprises", "/enterprises"},
	{"enterprise", "/enterprises/{uscc}"},
	{"evaluation", "/evaluation"},
	{"tracks", "/tracks?unit=500112"},
	{"warnings", "/warnings"},
	{"import", "/import"},
	{"audit", "/admin/audit"},
	{"users", "/admin/users"},
}

// firstUSCC finds an above-size enterprise to open.
func (e *env) firstUSCC(t *testing.T, tb *tab) string {
	t.Helper()
	tb.navigate(t, e.base+"/enterprises?size=above&sort=revenue&dir=desc")
	href := evalT[string](t, tb, `document.querySelector("#enterprises tbody a").getAttribute("href")`)
	return strings.TrimPrefix(href, "/enterprises/")
}

func TestPagesLoadCleanly(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
	uscc := e.firstUSCC(t, tb)
	tb.takeProblems()
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range pages {
			if only := os.Getenv("INDUS_E2E_PAGES"); only != "" && !strings.Contains(","+only+",", ","+p.name+",") {
				continue
			}
			t.Run(lang+"/"+p.name, func(t *testing.T) {
				path := strings.ReplaceAll(p.path, "{uscc}", url.PathEscape(uscc))
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
				tb.navigate(t, e.base+path+sep+"lang="+lang)
				if got := evalT[string](t, tb, `document.documentElement.lang`); got != lang {
					t.Errorf("html lang = %q, want %q", got, lang)
				}
				text := evalT[string](t, tb, `document.body.innerText`)
				for _, m := range missingKeys(text) {
					t.Errorf("missing catalogue key %s", m)
				}
				// Every chart drew something.
				blank := evalT[[]string](t, tb, `Array.from(document.querySelectorAll("[data-chart]")).filter(el => {
					const c = el.querySelector("canvas"); if (!c) return true;
					const g = c.getContext("2d"); const d = g.getImageData(0, 0, c.width, c.height).data;
					for (let i = 3; i < d.length; i += 16) if (d[i] !== 0) return false; return true;
				}).map(el => el.id)`)
				if len(blank) > 0 {
					t.Errorf("charts drew nothing: %v", blank)
				}
				// Every chart has its data table, every table a caption.
				if n := evalT[int](t, tb, `Array.from(document.querySelectorAll("[data-chart]")).filter(el => !el.closest("figure").querySelector("table")).length`); n > 0 {
					t.Errorf("%d chart(s) without a data table", n)
				}
				if n := evalT[int](t, tb, `Array.from(document.querySelectorAll("table")).filter(t => !t.querySelector("caption") || !t.querySelector("caption").textContent.trim()).length`); n > 0 {
					t.Errorf("%d table(s) without a caption", n)
				}
				if lang == "zh-CN" {
					e.screenshot(t, tb, p.name+"-1366x768", 1366, 768, false)
					// Each chart on its own, to look at closely.
					for _, id := range evalT[[]string](t, tb, `Array.from(document.querySelectorAll("[data-chart]")).map(el => el.id)`) {
						img, err := chromedp.Run(tb.ctx, chromedp.Screenshot(chromedp.ID(id)))
						if err != nil {
							t.Fatal(err)
						}
						os.WriteFile(filepath.Join(e.artefacts, p.name+"-chart-"+id+".png"), img, 0o644)
					}
					e.screenshot(t, tb, p.name+"-1366-full", 1366, 768, true)
					e.screenshot(t, tb, p.name+"-2560x1440", 2560, 1440, false)
				} else {
					e.screenshot(t, tb, p.name+"-en-1366x768", 1366, 768, false)
				}
				for _, pr := range tb.takeProblems() {
					t.Errorf("%s: %s", path, pr)
				}
			})
		}
	}
}

// missingKeys finds "[a.b]" catalogue placeholders in page text.
func missingKeys(text string) []string {
	var out []string
	for {
		i := strings.Index(text, "[")
		if i < 0 {
			return out
		}
		text = text[i+1:]
		j := strings.Index(text, "]")
		if j < 0 {
			return out
		}
		k := text[:j]
		if k != "" && strings.Contains(k, ".") && strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_.0123456789") == "" {
			out = append(out, "["+k+"]")
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
	tb.navigate(t, e.base+"/enterprises?lang=zh-CN&unit=500112")
	if nav := evalT[string](t, tb, `document.querySelector(".mainnav a[href='/enterprises']").textContent`); nav != "企业" {
		t.Fatalf("Chinese nav label = %q", nav)
	}
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS("a.lang")))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Fatalf("switching language: HTTP %d", resp.Status)
	}
	tb.waitReady(t)
	if nav := evalT[string](t, tb, `document.querySelector(".mainnav a[href='/enterprises']").textContent`); nav != "Enterprises" {
		t.Errorf("after the switch the nav label is %q", nav)
	}
	if loc := evalT[string](t, tb, `location.search`); !strings.Contains(loc, "unit=500112") {
		t.Errorf("the switch lost the page's state: %s", loc)
	}
	// The choice is remembered.
	tb.navigate(t, e.base+"/tracks")
	if lang := evalT[string](t, tb, `document.documentElement.lang`); lang != "en" {
		t.Errorf("the language was not remembered: %s", lang)
	}
	tb.navigate(t, e.base+"/?lang=zh-CN")
	for _, p := range tb.takeProblems() {
		t.Error(p)
	}
}

func TestTableSortsAndPagesInPlace(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
	tb.navigate(t, e.base+"/enterprises?lang=en")
	first := evalT[string](t, tb, `document.querySelector("#enterprises tbody td").textContent`)
	// Sorting by name swaps only the table (htmx) and updates the address.
	evalT[chromedp.Void](t, tb, `window.__marker = 1`)
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(`#enterprises thead th:first-child a`))); err != nil {
		t.Fatal(err)
	}
	if err := tb.until(`document.querySelector("#enterprises thead th:first-child").getAttribute("aria-sort") === "ascending"`, 20*time.Second); err != nil {
		t.Fatalf("sorting did not happen: %v", err)
	}
	// htmx processes swapped content as it settles; click after that.
	if err := tb.until(`!document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request")`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	chromedp.Do(tb.ctx, chromedp.Sleep(200*time.Millisecond))
	if m := evalT[int](t, tb, `window.__marker || 0`); m != 1 {
		t.Error("the whole page reloaded instead of the table")
	}
	if loc := evalT[string](t, tb, `location.search`); !strings.Contains(loc, "sort=name") {
		t.Errorf("the address does not keep the order: %s", loc)
	}
	if now := evalT[string](t, tb, `document.querySelector("#enterprises tbody td").textContent`); now == first {
		t.Logf("first row unchanged after sorting (%s)", now)
	}
	// Next page.
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(`#enterprises .pager a[rel=next]`))); err != nil {
		t.Fatal(err)
	}
	if err := tb.until(`location.search.includes("page=2") && document.querySelector("#enterprises .pager [aria-current=page]").textContent.includes("2")`, 20*time.Second); err != nil {
		t.Fatalf("paging did not happen: %v", err)
	}
	if m := evalT[int](t, tb, `window.__marker || 0`); m != 1 {
		t.Error("paging reloaded the whole page instead of the table")
	}
	for _, p := range tb.takeProblems() {
		t.Error(p)
	}
}

func TestExportDownloadsValidXLSX(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	dir := t.TempDir()
	chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
	tb.navigate(t, e.base+"/enterprises?lang=zh-CN&unit=500112")
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	if _, err := chromedp.Call(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(`#enterprises .tbl-export a[href*="export=xlsx"]`))); err != nil {
		t.Fatal(err)
	}
	var guid string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("the download did not finish: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
	}
	f, err := excelize.OpenFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatalf("the export is not a valid XLSX: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[0][0] != "企业名称" || !strings.Contains(strings.Join(rows[0], ","), "营业收入（万元）") {
		t.Fatalf("unexpected export: %d rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if len(r) < 3 || r[2] == "" {
			t.Fatalf("row without a unit: %v", r)
		}
	}
	for _, p := range tb.takeProblems() {
		t.Error(p)
	}
}

func TestUploadShowsReport(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	dir := t.TempDir()
	// Two enterprises: one fine, one with a malformed USCC and an unknown unit.
	csv := "uscc,name,unit_code,industry_code,above_size,land_mu\n" +
		"91500112MA5U8Y6X3E,测试企业甲,500112,3670,true,12.5\n" +
		"NOT-A-USCC,测试企业乙,999999,3670,maybe,-3\n"
	e.checkUpload(t, tb, filepath.Join(dir, "enterprises-upload.csv"), csv, "en", `!!document.querySelector("#import-result .report")`)
	rows := evalT[int](t, tb, `document.querySelectorAll("#import-result table.findings tbody tr").length`)
	text := evalT[string](t, tb, `document.querySelector("#import-result").innerText`)
	if rows == 0 || !strings.Contains(text, "NOT-A-USCC") {
		t.Errorf("the report lists no findings (%d rows):\n%s", rows, text)
	}
	if !strings.Contains(text, "Import the valid rows only") || !strings.Contains(text, "Discard") {
		t.Errorf("the report offers no choice:\n%s", text)
	}
	e.screenshot(t, tb, "import-report-1366x768", 1366, 768, true)
	// The check changed nothing: the history has no new batch.
	for _, p := range tb.takeProblems() {
		if strings.Contains(p, "HTTP 400") {
			continue // the check of a file with errors answers 400 only from the API, not the page
		}
		t.Error(p)
	}
}

// checkUpload writes content to file, chooses it on the import page in
// lang, asks for a check and waits until the page's result satisfies
// ready (a JavaScript condition).
func (e *env) checkUpload(t *testing.T, tb *tab, file, content, lang, ready string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	chromedp.Do(tb.ctx, chromedp.EmulateViewport(1366, 768))
	tb.navigate(t, e.base+"/import?lang="+lang)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Click(chromedp.CSS(`#upload button[value=check]`)),
	); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready)); err != nil {
		t.Fatalf("%s: no result: %v", filepath.Base(file), err)
	}
}

// A file the reader cannot take (no header row) is rejected on the
// Chinese import page with the reason in Chinese, naming the file.
func TestUploadRejectedInChinese(t *testing.T) {
	e := setup(t)
	tb := e.newTab(t)
	e.checkUpload(t, tb, filepath.Join(t.TempDir(), "无表头.csv"), "a,b,c\n1,2,3\n", "zh-CN",
		`!!document.querySelector("#import-result") && document.querySelector("#import-result").innerText.includes("无表头.csv")`)
	text := evalT[string](t, tb, `document.querySelector("#import-result").innerText`)
	if !strings.Contains(text, "未找到表头行") || strings.Contains(text, "no header row") {
		t.Errorf("the reason is not given in Chinese:\n%s", text)
	}
	// The file's row says it could not be read, not that another file stopped the check.
	if !strings.Contains(text, "无法读取") || strings.Contains(text, "另一个文件") {
		t.Errorf("the file's row misstates what happened:\n%s", text)
	}
	e.screenshot(t, tb, "import-rejected-zh-1366x768", 1366, 768, true)
	for _, p := range tb.takeProblems() {
		if strings.Contains(p, "HTTP 400") || strings.Contains(p, "status of 400") {
			continue // a rejected file answers 400
		}
		t.Error(p)
	}
}

// A viewer sees a cluster's units, but not the figures of a unit where the
// cluster has one or two enterprises: those rows say why and show "—".
func TestViewerSeesNoSmallCells(t *testing.T) {
	e := setup(t)
	if e.firm == "" {
		t.Skip("the role accounts exist only for the test's own server (INDUS_E2E_URL is set)")
	}
	tctx, cancelT := context.WithTimeout(e.browser, 120*time.Second)
	bctx, cancelB := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	defer func() { cancelB(); cancelT() }()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatal(err)
	}
	tb := &tab{ctx: bctx, cancel: func() {}, host: strings.TrimPrefix(strings.TrimPrefix(e.base, "http://"), "https://")}
	if err := e.signIn(bctx, "e2e-viewer", e2ePassword, "/clusters", "login-e2e-viewer"); err != nil {
		t.Fatal(err)
	}
	tb.navigate(t, e.base+"/clusters/nev?lang=en&u-per=100")
	rows := evalT[[]string](t, tb, `Array.from(document.querySelectorAll("#units tbody tr")).map(r => r.innerText)`)
	withheld := 0
	for _, r := range rows {
		if strings.Contains(r, "withheld: fewer than 3 enterprises") {
			withheld++
			if !strings.Contains(r, "—") {
				t.Errorf("a withheld row shows figures: %q", r)
			}
		}
	}
	if withheld == 0 {
		t.Errorf("no withheld unit among %d rows", len(rows))
	}
	e.screenshot(t, tb, "cluster-units-viewer-1366x768", 1366, 768, true)
	for _, p := range tb.takeProblems() {
		t.Error(p)
	}
}

// Each role sees its own view: a unit official only its unit's firms and
// no import or audit; an enterprise user its own record, with the
// anonymised peer comparison, and nothing of the city's analysis. Each
// signs in in a browser context of its own (separate cookies).
func TestRolesSeeTheirViews(t *testing.T) {
	e := setup(t)
	if e.firm == "" {
		t.Skip("the role accounts exist only for the test's own server (INDUS_E2E_URL is set)")
	}
	for _, c := range []struct {
		user, start, want string
		nav               []string // links the top bar must have
		noNav             []string // and must not
		denied            []string // pages answering 403 or 404
	}{
		{"e2e-unit", "/enterprises", "/enterprises", []string{"/clusters", "/enterprises"}, []string{"/import", "/admin/audit", "/admin/users"}, []string{"/import", "/admin/users", "/enterprises/" + url.PathEscape(e.other)}},
		{"e2e-firm", "/", "/enterprises/" + e.firm, []string{"/enterprises"}, []string{"/clusters", "/units", "/import", "/admin/audit", "/admin/users"}, []string{"/clusters", "/evaluation", "/admin/users", "/enterprises/" + url.PathEscape(e.other)}},
	} {
		tctx, cancelT := context.WithTimeout(e.browser, 120*time.Second)
		bctx, cancelB := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
		cancel := func() { cancelB(); cancelT() }
		t.Logf("%s: new browser context", c.user)
		if err := chromedp.Do(bctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: signing in", c.user)
		tb := &tab{ctx: bctx, cancel: cancel, host: strings.TrimPrefix(strings.TrimPrefix(e.base, "http://"), "https://")}
		if err := e.signIn(bctx, c.user, e2ePassword, c.start, "login-"+c.user); err != nil {
			cancel()
			t.Fatal(err)
		}
		t.Logf("%s: signed in", c.user)
		tb.navigate(t, e.base+c.start)
		if path := evalT[string](t, tb, `location.pathname`); path != c.want {
			t.Errorf("%s: landed on %s, want %s", c.user, path, c.want)
		}
		links := evalT[[]string](t, tb, `Array.from(document.querySelectorAll(".mainnav a")).map(a => a.getAttribute("href"))`)
		for _, l := range c.nav {
			if !slices.Contains(links, l) {
				t.Errorf("%s: the top bar lacks %s: %v", c.user, l, links)
			}
		}
		for _, l := range c.noNav {
			if slices.Contains(links, l) {
				t.Errorf("%s: the top bar offers %s", c.user, l)
			}
		}
		if c.user == "e2e-unit" {
			units := evalT[[]string](t, tb, `Array.from(document.querySelectorAll("#enterprises tbody tr td:nth-child(3)")).map(td => td.textContent.trim())`)
			if len(units) == 0 {
				t.Errorf("the unit official sees no enterprise")
			}
			first := units[0]
			for _, u := range units {
				if u != first {
					t.Errorf("the unit official sees firms of %q and %q", first, u)
					break
				}
			}
		} else {
			if !evalT[bool](t, tb, `document.body.textContent.includes("同行比较")`) {
				t.Errorf("the enterprise user's page lacks the peer comparison")
			}
			// No link leads to a page the role may not open.
			if bad := evalT[[]string](t, tb, `Array.from(document.querySelectorAll("main a[href^='/units'], main a[href^='/clusters']")).map(a => a.getAttribute("href"))`); len(bad) > 0 {
				t.Errorf("the enterprise user's page links to %v", bad)
			}
		}
		e.screenshot(t, tb, "role-"+c.user, 1366, 768, true)
		for _, p := range c.denied {
			resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(e.base+p))
			if err != nil || (resp.Status != 403 && resp.Status != 404) {
				t.Errorf("%s: %s answered %v (%v), want 403 or 404", c.user, p, resp.Status, err)
			}
		}
		cancel()
	}
}

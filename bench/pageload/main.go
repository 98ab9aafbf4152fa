// Command pageload measures the dashboard's pages against a running
// `indus serve` on the loopback interface (issue 6): the time of each page
// over N sequential requests (p50, p95, p99, max), a bounded load test with
// C concurrent clients (errors, p50, p95, p99), and the bytes a first visit
// transfers (the HTML and every script and style sheet it loads, as a
// browser that accepts gzip receives them). bench/pages.sh runs it on the
// synthetic city.
//
//	go run ./bench/pageload -base http://127.0.0.1:8181 [-n 200] [-c 32] [-per 50]
//
// It refuses any address that is not loopback: it is a load generator.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// authToken is sent with every request.
var authToken string

func main() {
	base := flag.String("base", "http://127.0.0.1:8181", "the server, on 127.0.0.1 or ::1 only")
	n := flag.Int("n", 200, "sequential requests per page")
	c := flag.Int("c", 32, "concurrent clients of the load test")
	per := flag.Int("per", 50, "requests per client in the load test")
	pathsFlag := flag.String("paths", "", "comma-separated page paths (default: every page)")
	token := flag.String("token", os.Getenv("INDUS_TOKEN"), "API token to sign in with (env INDUS_TOKEN): every page needs a sign-in")
	noCache := flag.Bool("nocache", false, "also time every page computed afresh (Cache-Control: no-cache bypasses the page cache)")
	flag.Parse()
	authToken = *token
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" {
		fail("-base must be an http URL: %v", err)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		fail("-base must be a loopback address (127.0.0.1 or ::1), got %q", u.Hostname())
	}
	root := strings.TrimSuffix(*base, "/")
	// Redirects are not followed: without a valid sign-in every page
	// redirects to /login, and timing the login page instead of the page
	// asked for must be an error, not a figure.
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *c * 2, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	paths := strings.Split(*pathsFlag, ",")
	if *pathsFlag == "" {
		paths = defaultPaths(client, root)
	}

	fmt.Printf("pages: %d sequential requests each after 3 warm-up requests (milliseconds, client side on loopback)\n", *n)
	fmt.Printf("%-58s %7s %7s %7s %7s %9s\n", "page", "p50", "p95", "p99", "max", "bytes")
	worst := 0.0
	for _, p := range paths {
		for range 3 {
			if _, _, err := fetch(client, root+p, false); err != nil {
				fail("%s: %v", p, err)
			}
		}
		var ds []float64
		size := 0
		for range *n {
			d, b, err := fetch(client, root+p, false)
			if err != nil {
				fail("%s: %v", p, err)
			}
			ds = append(ds, d)
			size = b
		}
		q := quantiles(ds)
		worst = max(worst, q[1])
		fmt.Printf("%-58s %7.1f %7.1f %7.1f %7.1f %9d\n", trim(p, 58), q[0], q[1], q[2], q[3], size)
	}
	fmt.Printf("worst p95 over the pages: %.1f ms\n\n", worst)
	if *noCache {
		fmt.Printf("pages computed afresh (Cache-Control: no-cache), %d sequential requests each (milliseconds)\n", *n)
		fmt.Printf("%-58s %7s %7s %7s %7s\n", "page", "p50", "p95", "p99", "max")
		worst = 0
		for _, p := range paths {
			var ds []float64
			for range *n {
				d, _, err := fetchNoCache(client, root+p)
				if err != nil {
					fail("%s: %v", p, err)
				}
				ds = append(ds, d)
			}
			q := quantiles(ds)
			worst = max(worst, q[1])
			fmt.Printf("%-58s %7.1f %7.1f %7.1f %7.1f\n", trim(p, 58), q[0], q[1], q[2], q[3])
		}
		fmt.Printf("worst p95 computed afresh: %.1f ms\n\n", worst)
	}

	fmt.Printf("load: %d concurrent clients × %d requests over the pages\n", *c, *per)
	var mu sync.Mutex
	var all []float64
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *c {
		wg.Go(func() {
			for j := range *per {
				p := paths[(i+j)%len(paths)]
				d, _, err := fetch(client, root+p, false)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					all = append(all, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	q := quantiles(all)
	fmt.Printf("requests %d, errors %d, %.0f requests/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n\n",
		len(all)+errs, errs, float64(len(all)+errs)/el.Seconds(), q[0], q[1], q[2], q[3])

	fmt.Println("first visit: bytes transferred (gzip accepted), HTML + scripts + styles")
	for _, p := range []string{"/", "/tracks", "/enterprises"} {
		total, parts := firstVisit(client, root, p)
		fmt.Printf("%-14s %9d bytes (%.2f MB)  %s\n", p, total, float64(total)/1e6, parts)
	}
	if errs > 0 {
		os.Exit(1)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pageload: "+format+"\n", args...)
	os.Exit(2)
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// newRequest is a GET signed in with the token.
func newRequest(u string) *http.Request {
	req, _ := http.NewRequest("GET", u, nil)
	if authToken != "" {
		req.Header.Set("Authorization", "Bearer "+authToken)
	}
	return req
}

// fetch GETs a URL and returns the time to the last byte (ms) and the
// bytes received.
func fetch(c *http.Client, u string, gzip bool) (float64, int, error) {
	req := newRequest(u)
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	t := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := float64(time.Since(t).Microseconds()) / 1000
	if err != nil {
		return d, int(n), err
	}
	if resp.StatusCode != 200 {
		return d, int(n), fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return d, int(n), nil
}

// fetchNoCache is fetch past the server's page cache.
func fetchNoCache(c *http.Client, u string) (float64, int, error) {
	req := newRequest(u)
	req.Header.Set("Cache-Control", "no-cache")
	t := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := float64(time.Since(t).Microseconds()) / 1000
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return d, int(n), err
}

// quantiles are p50, p95, p99 and the maximum (R type 7).
func quantiles(v []float64) [4]float64 {
	if len(v) == 0 {
		return [4]float64{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	q := func(p float64) float64 {
		h := p * float64(len(s)-1)
		i := int(h)
		if i >= len(s)-1 {
			return s[len(s)-1]
		}
		return s[i] + (h-float64(i))*(s[i+1]-s[i])
	}
	return [4]float64{q(0.5), q(0.95), q(0.99), s[len(s)-1]}
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)

// firstVisit sums the bytes of a page and of every static file it loads.
func firstVisit(c *http.Client, root, p string) (int, string) {
	req := newRequest(root + p)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		fail("%s: %v", p, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		fail("%s: HTTP %d", p, resp.StatusCode)
	}
	total := len(body)
	parts := []string{fmt.Sprintf("html %d", len(body))}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			fail("%s: %v", p, err)
		}
		body, _ = io.ReadAll(zr)
		parts[0] = fmt.Sprintf("html %d (%d before gzip)", total, len(body))
	}
	seen := map[string]bool{}
	for _, m := range assetRef.FindAllStringSubmatch(string(body), -1) {
		a := strings.ReplaceAll(m[1], "&amp;", "&")
		if seen[a] {
			continue
		}
		seen[a] = true
		_, n, err := fetch(c, root+a, true)
		if err != nil {
			fail("%s: %v", a, err)
		}
		total += n
		name := a[strings.LastIndex(a, "/")+1:]
		if i := strings.IndexByte(name, '?'); i >= 0 {
			name = name[:i]
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, n))
	}
	return total, strings.Join(parts, ", ")
}

// defaultPaths are every page, with a real enterprise.
func defaultPaths(c *http.Client, root string) []string {
	uscc := ""
	resp, err := c.Do(newRequest(root + "/api/v1/enterprises?above_size=true&sort=revenue&dir=desc&limit=1"))
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := regexp.MustCompile(`"uscc": "([^"]+)"`).FindSubmatch(b); m != nil {
			uscc = string(m[1])
		}
	}
	paths := []string{"/", "/?metric=tax_per_mu", "/clusters", "/clusters/nev", "/clusters/electronics?view=month", "/units", "/units/500112",
		"/enterprises", "/enterprises?cluster=electronics&sort=tax&dir=desc&page=3", "/enterprises?q=%E6%B1%BD%E8%BD%A6",
		"/evaluation", "/tracks", "/tracks?unit=500101", "/warnings", "/import"}
	if uscc != "" {
		paths = append(paths, "/enterprises/"+url.PathEscape(uscc))
	} else {
		fmt.Fprintln(os.Stderr, "pageload: note: no enterprise found through the API; the enterprise page is not measured")
	}
	return paths
}

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildIndus compiles the real binary once per test run.
func buildIndus(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "indus")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	return runInput(t, bin, "", args...)
}

// runInput runs the binary with stdin.
func runInput(t *testing.T, bin, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

var urlPattern = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// startServe runs `indus serve` on a free port and returns its address.
func startServe(t *testing.T, bin string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("serve exited before printing its URL")
			}
			if m := urlPattern.FindStringSubmatch(l); m != nil {
				go func() {
					for range lines {
					}
				}()
				return m[1], cmd
			}
		case <-timeout:
			t.Fatal("serve did not print its URL within 60 s")
		}
	}
}

// TestEndToEnd runs the binary as a user would: generate, import, serve,
// and the clear messages for a locked database and a busy port.
func TestEndToEnd(t *testing.T) {
	bin := buildIndus(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := filepath.Join(dir, "indus.duckdb")

	if out, _, code := run(t, bin, "version"); code != 0 || !strings.HasPrefix(out, "indus ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if _, errOut, code := run(t, bin, "gen", "--out", data, "--seed", "7", "--from", "2023", "--to", "2024"); code != 0 {
		t.Fatalf("gen: %d\n%s", code, errOut)
	}
	// Facts listed before enterprises: import sorts them.
	out, errOut, code := run(t, bin, "import", "--db", db, filepath.Join(data, "monthly.csv"), filepath.Join(data, "annual.csv"), filepath.Join(data, "enterprises.csv"))
	if code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "enterprises.csv (enterprises): batch 1") {
		t.Errorf("enterprises must be imported first:\n%s", out)
	}
	// Importing the same files again changes nothing.
	out, _, code = run(t, bin, "import", "--db", db, filepath.Join(data, "enterprises.csv"))
	if code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("re-import: %d\n%s", code, out)
	}

	// Every page needs a sign-in: serve refuses a database without an
	// administrator, and says how to make one.
	if _, errOut, code := run(t, bin, "serve", "--db", db, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errOut, "indus user add NAME --role admin --password-stdin") {
		t.Fatalf("serve without an administrator: %d %q", code, errOut)
	}
	if out, errOut, code := runInput(t, bin, "a long admin password\n", "user", "add", "root", "--role", "admin", "--password-stdin", "--db", db); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, errOut)
	}
	tokOut, errOut, code := run(t, bin, "user", "token", "root", "--db", db)
	token := strings.TrimSpace(tokOut)
	if code != 0 || !strings.HasPrefix(token, "indus_") {
		t.Fatalf("user token: %d %q %q", code, tokOut, errOut)
	}
	addr, _ := startServe(t, bin, "--db", db)
	authed := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// Without credentials: the public liveness check only.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	resp, err = http.Get("http://" + addr + "/api/v1/health")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("health without a token: %v %d", err, resp.StatusCode)
	}
	resp.Body.Close()
	resp = authed("/api/v1/health")
	var h struct {
		Status string           `json:"status"`
		Counts map[string]int64 `json:"counts"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.Status != "ok" || h.Counts["enterprises"] < 10000 || h.Counts["monthly_facts"] == 0 {
		t.Fatalf("healthz %+v", h)
	}
	resp = authed("/")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "智能网联新能源汽车") {
		t.Fatalf("home page %d lacks the cluster system", resp.StatusCode)
	}

	// While serve holds the database, a writing command says so.
	_, errOut, code = run(t, bin, "import", "--db", db, filepath.Join(data, "enterprises.csv"))
	if code != 1 || !strings.Contains(errOut, "in use by another process") || strings.Contains(errOut, "goroutine") {
		t.Errorf("locked database: %d %q", code, errOut)
	}
	// A busy port is a message, not a stack trace.
	_, errOut, code = run(t, bin, "serve", "--db", filepath.Join(dir, "other.duckdb"), "--addr", addr)
	if code != 1 || !strings.Contains(errOut, "already in use") {
		t.Errorf("busy port: %d %q", code, errOut)
	}
}

func TestUserErrorsAreMessages(t *testing.T) {
	bin := buildIndus(t)
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nonsense"}, 2, "unknown command"},
		{[]string{"import"}, 2, "Usage: indus import"},
		{[]string{"import", "--db", filepath.Join(dir, "x.duckdb"), filepath.Join(dir, "missing.csv")}, 1, "cannot open"},
		{[]string{"migrate", "--db", "/proc/indus/x.duckdb"}, 1, "cannot create the database directory"},
		{[]string{"gen", "--out", "/proc/indus-out"}, 1, "/proc/indus-out"},
		{[]string{"clusters", "validate", filepath.Join(dir, "none.yaml")}, 1, "cannot read"},
	}
	for _, c := range cases {
		_, errOut, code := run(t, bin, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "goroutine ") {
			t.Errorf("indus %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

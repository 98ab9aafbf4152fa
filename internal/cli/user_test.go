package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// cliResult is one run of the whole command line.
type cliResult struct {
	code        int
	out, stderr string
}

// indusRun runs `indus ARGS` through Run with stdin, against db (given as
// INDUS_DB, so the fallback is exercised too) as the OS user "tester".
func indusRun(t *testing.T, db, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "INDUS_USER":
			return "tester"
		case "INDUS_DB":
			return db
		case "INDUS_LOG_LEVEL":
			return "error"
		}
		return ""
	}
	code := Run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	return cliResult{code: code, out: out.String(), stderr: errb.String()}
}

// mustRun runs and fails the test unless the command succeeds.
func mustRun(t *testing.T, db, stdin string, args ...string) string {
	t.Helper()
	r := indusRun(t, db, stdin, args...)
	if r.code != 0 {
		t.Fatalf("indus %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.stderr)
	}
	return r.out
}

// mustFail runs and checks the command fails with exit code and a message
// on stderr containing want.
func mustFail(t *testing.T, db, stdin string, code int, want string, args ...string) {
	t.Helper()
	r := indusRun(t, db, stdin, args...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Errorf("indus %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, want, r.out, r.stderr)
	}
}

func testDB(t *testing.T) string { return filepath.Join(t.TempDir(), "indus.duckdb") }

// withStore opens db (after the command line closed it) for direct checks.
func withStore(t *testing.T, db string, fn func(*store.Store)) {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// fastPolicy is DefaultPolicy without the one-second delay of a failed
// sign-in, for tests that call Login.
func fastPolicy() access.Policy {
	p := access.DefaultPolicy
	p.FailDelay = time.Millisecond
	return p
}

func listUsers(t *testing.T, db string) []store.User {
	t.Helper()
	out := mustRun(t, db, "", "user", "list", "--format", "json")
	if strings.Contains(out, "argon2") || strings.Contains(strings.ToLower(out), "password") {
		t.Errorf("user list --format json leaks the password hash:\n%s", out)
	}
	var users []store.User
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("user list json: %v\n%s", err, out)
	}
	return users
}

const pw = "correct horse battery"

func TestUserAddEveryRoleAndList(t *testing.T) {
	db := testDB(t)
	if got := mustRun(t, db, "", "user", "list"); !strings.HasPrefix(got, "no users yet") {
		t.Errorf("empty list: %q", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "add", "alice", "--role", "admin", "--password-stdin"}, "user alice added (role admin, all territory)\n"},
		// Flags first, then the name.
		{[]string{"user", "add", "--role", "ANALYST", "--password-stdin", "ann"}, "user ann added (role analyst, all territory)\n"},
		// --unit repeated and comma-separated; sorted and de-duplicated.
		{[]string{"user", "add", "uma", "--role", "unit", "--unit", "500105", "--unit", "500103,500104", "--unit", "500103", "--password-stdin"},
			"user uma added (role unit, units 500103,500104,500105)\n"},
		{[]string{"user", "add", "pat", "--role", "unit", "--unit", "500103", "--park", "渝中园", "--password-stdin"},
			"user pat added (role unit, units 500103, park 渝中园)\n"},
		{[]string{"user", "add", "eve.ent", "--role", "enterprise", "--uscc", "91500100000000001d", "--password-stdin"},
			"user eve.ent added (role enterprise, uscc 91500100000000001D)\n"},
		{[]string{"user", "add", "vic", "--db", db, "--role", "viewer", "--password-stdin"}, "user vic added (role viewer, city aggregates only)\n"},
	} {
		if got := mustRun(t, db, pw+"\r\n", c.args...); got != c.want {
			t.Errorf("%v:\n got %q\nwant %q", c.args, got, c.want)
		}
	}

	// Every refusal, and none of them leaves a user or an audit entry.
	for _, c := range []struct {
		stdin string
		code  int
		want  string
		args  []string
	}{
		{pw, 1, "indus user: a unit official needs at least one --unit CODE", []string{"user", "add", "u2", "--role", "unit", "--password-stdin"}},
		{pw, 1, `unit "999999" is not one of the 41 evaluation units`, []string{"user", "add", "u2", "--role", "unit", "--unit", "500103,999999", "--password-stdin"}},
		{pw, 1, "--park narrows one unit", []string{"user", "add", "u2", "--role", "unit", "--unit", "500103,500104", "--park", "P", "--password-stdin"}},
		{pw, 1, "an enterprise user needs --uscc CODE", []string{"user", "add", "e2", "--role", "enterprise", "--password-stdin"}},
		{pw, 1, "must have 18 characters", []string{"user", "add", "e2", "--role", "enterprise", "--uscc", "915001", "--password-stdin"}},
		{pw, 1, "role admin covers all territory", []string{"user", "add", "a2", "--role", "admin", "--unit", "500103", "--password-stdin"}},
		{"short\n", 1, "the password must have at least 10 characters", []string{"user", "add", "a2", "--role", "admin", "--password-stdin"}},
		{pw, 1, `a user named "alice" already exists`, []string{"user", "add", "alice", "--role", "viewer", "--password-stdin"}},
		{pw, 1, `unknown role "boss"`, []string{"user", "add", "a2", "--role", "boss", "--password-stdin"}},
		{pw, 1, "user add needs --role", []string{"user", "add", "a2", "--password-stdin"}},
		{pw, 1, `user name "-x"`, []string{"user", "add", "--role", "viewer", "--password-stdin", "--", "-x"}},
		{pw, 1, "user add needs --password-stdin", []string{"user", "add", "a2", "--role", "viewer"}},
		{"", 1, "no password on standard input", []string{"user", "add", "a2", "--role", "viewer", "--password-stdin"}},
		{"\nsecond line\n", 1, "no password on standard input", []string{"user", "add", "a2", "--role", "viewer", "--password-stdin"}},
		// A password as an argument is refused, however it is given.
		{"", 1, "user add takes one user name, got 2 arguments: a password is never taken on the command line",
			[]string{"user", "add", "a2", "--role", "viewer", "--password-stdin", "hunter2hunter2"}},
		{pw, 1, "a password is never taken on the command line", []string{"user", "add", "a2", "--role", "viewer", "--password", "hunter2hunter2"}},
		{pw, 1, "a password is never taken on the command line", []string{"user", "add", "a2", "--role", "viewer", "-password=hunter2hunter2"}},
		{pw, 2, "Usage: indus user add NAME", []string{"user", "add", "--role", "viewer", "--password-stdin"}},
		{pw, 2, "indus user add wang --role analyst --password-stdin", []string{"user", "nonsense"}},
	} {
		mustFail(t, db, c.stdin, c.code, c.want, c.args...)
	}

	users := listUsers(t, db)
	type brief struct {
		name, role, units, park, uscc string
	}
	var got []brief
	for _, u := range users {
		got = append(got, brief{u.Name, string(u.Role), strings.Join(u.Units, ","), u.Park, u.USCC})
		if u.Disabled || u.FailedLogins != 0 || u.LockedUntil != nil || u.CreatedAt.IsZero() {
			t.Errorf("%s: %+v", u.Name, u)
		}
	}
	want := []brief{{"alice", "admin", "", "", ""}, {"ann", "analyst", "", "", ""}, {"eve.ent", "enterprise", "", "", "91500100000000001D"},
		{"pat", "unit", "500103", "渝中园", ""}, {"uma", "unit", "500103,500104,500105", "", ""}, {"vic", "viewer", "", "", ""}}
	if len(got) != len(want) {
		t.Fatalf("users %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("user %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	text := mustRun(t, db, "", "user", "list")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 7 || strings.Join(strings.Fields(lines[0]), " ") != "NAME ROLE TERRITORY DISABLED LOCKED-UNTIL FAILED-LOGINS CREATED" {
		t.Fatalf("user list:\n%s", text)
	}
	if f := strings.Fields(lines[5]); len(f) < 7 || strings.Join(f[:6], " ") != "uma unit units 500103,500104,500105 no -" {
		t.Errorf("uma's row: %q", lines[5])
	}
	if f := strings.Fields(lines[3]); len(f) < 5 || strings.Join(f[:5], " ") != "eve.ent enterprise uscc 91500100000000001D no" {
		t.Errorf("eve.ent's row: %q", lines[3])
	}
	// The password works: the first line of stdin, without its \r\n.
	withStore(t, db, func(st *store.Store) {
		if _, _, p, err := access.New(st, fastPolicy()).Login(context.Background(), "uma", pw, "test"); err != nil || p.Role != indus.RoleUnit || len(p.Units) != 3 {
			t.Errorf("login as uma: %+v, %v", p, err)
		}
	})
	mustFail(t, db, "", 1, "unknown format \"xml\"", "user", "list", "--format", "xml")
}

func TestUserDisableEnable(t *testing.T) {
	db := testDB(t)
	mustRun(t, db, pw, "user", "add", "alice", "--role", "admin", "--password-stdin")
	mustRun(t, db, pw, "user", "add", "bob", "--role", "analyst", "--password-stdin")
	mustFail(t, db, "", 1, "indus user: alice is the last active administrator; add another before disabling this one", "user", "disable", "alice")
	mustFail(t, db, "", 1, `no user named "nobody"`, "user", "disable", "nobody")
	mustFail(t, db, "", 1, "user disable takes one user name, got 2 arguments", "user", "disable", "alice", "bob")

	if got := mustRun(t, db, "", "user", "disable", "bob"); got != "user bob disabled: its sessions ended and its tokens revoked\n" {
		t.Errorf("disable: %q", got)
	}
	mustRun(t, db, pw, "user", "add", "root2", "--role", "admin", "--password-stdin")
	mustRun(t, db, "", "user", "disable", "alice")
	disabled := map[string]bool{}
	for _, u := range listUsers(t, db) {
		disabled[u.Name] = u.Disabled
	}
	if !disabled["alice"] || !disabled["bob"] || disabled["root2"] {
		t.Errorf("disabled: %v", disabled)
	}
	if f := strings.Fields(strings.Split(mustRun(t, db, "", "user", "list"), "\n")[1]); len(f) < 5 || f[0] != "alice" || f[4] != "yes" {
		t.Errorf("alice's row: %v", f)
	}
	// Now root2 is the last one.
	mustFail(t, db, "", 1, "root2 is the last active administrator", "user", "disable", "root2")
	withStore(t, db, func(st *store.Store) {
		if _, _, _, err := access.New(st, fastPolicy()).Login(context.Background(), "alice", pw, "test"); !access.IsSignInFailure(err) {
			t.Errorf("a disabled user signed in: %v", err)
		}
	})
	if got := mustRun(t, db, "", "user", "enable", "alice"); !strings.HasPrefix(got, "user alice enabled") {
		t.Errorf("enable: %q", got)
	}
	withStore(t, db, func(st *store.Store) {
		if _, _, _, err := access.New(st, fastPolicy()).Login(context.Background(), "alice", pw, "test"); err != nil {
			t.Errorf("re-enabled user cannot sign in: %v", err)
		}
	})
}

func TestUserTokenRevoke(t *testing.T) {
	db := testDB(t)
	mustRun(t, db, pw, "user", "add", "alice", "--role", "admin", "--password-stdin")
	mustRun(t, db, pw, "user", "add", "bob", "--role", "unit", "--unit", "500103", "--password-stdin")

	r := indusRun(t, db, "", "user", "token", "bob", "--label", "nightly sync", "--read-only", "--expires", "30d")
	if r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.stderr)
	}
	tok := strings.TrimSuffix(r.out, "\n")
	if !strings.HasPrefix(tok, "indus_1_") || strings.Contains(tok, "\n") || len(tok) < 40 {
		t.Fatalf("stdout is not just the token: %q", r.out)
	}
	for _, want := range []string{"token 1 for bob (read-only, expires ", "shown only once", "Authorization: Bearer TOKEN", "indus user revoke 1"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, tok) {
		t.Error("the token is also on stderr")
	}
	// A second token, read-write and never expiring, for alice.
	tok2 := strings.TrimSpace(mustRun(t, db, "", "user", "token", "alice", "--expires", "0"))
	withStore(t, db, func(st *store.Store) {
		svc := access.New(st, access.DefaultPolicy)
		p, err := svc.Token(context.Background(), tok)
		if err != nil || p.Name != "bob" || !p.ReadOnly || p.TokenID != 1 || p.Role != indus.RoleUnit {
			t.Errorf("token 1: %+v, %v", p, err)
		}
		if p, err := svc.Token(context.Background(), tok2); err != nil || p.Name != "alice" || p.ReadOnly {
			t.Errorf("token 2: %+v, %v", p, err)
		}
		if _, err := svc.Token(context.Background(), tok+"x"); err == nil {
			t.Error("a wrong secret is accepted")
		}
	})

	var tokens []store.Token
	if err := json.Unmarshal([]byte(mustRun(t, db, "", "user", "tokens", "--format", "json")), &tokens); err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens[0].Label != "nightly sync" || !tokens[0].ReadOnly || tokens[0].ExpiresAt == nil ||
		tokens[0].ExpiresAt.Sub(tokens[0].CreatedAt) != 30*24*time.Hour || tokens[1].ExpiresAt != nil || tokens[1].UserName != "alice" {
		t.Errorf("tokens: %+v", tokens)
	}
	text := mustRun(t, db, "", "user", "tokens", "bob")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "ID USER LABEL READ-ONLY CREATED EXPIRES REVOKED" ||
		!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "1 bob nightly sync yes ") || !strings.HasSuffix(lines[1], " -") {
		t.Errorf("tokens bob:\n%s", text)
	}

	if got := mustRun(t, db, "", "user", "revoke", "1"); got != "token 1 revoked\n" {
		t.Errorf("revoke: %q", got)
	}
	mustFail(t, db, "", 1, "token 1 is already revoked", "user", "revoke", "1")
	mustFail(t, db, "", 1, "no token with id 99", "user", "revoke", "99")
	mustFail(t, db, "", 1, `token id "abc"`, "user", "revoke", "abc")
	mustFail(t, db, "", 1, `--expires "5x"`, "user", "token", "bob", "--expires", "5x")
	mustFail(t, db, "", 1, `no user named "nobody"`, "user", "token", "nobody")
	// The whole token names its id too.
	mustRun(t, db, "", "user", "revoke", tok2)
	withStore(t, db, func(st *store.Store) {
		svc := access.New(st, access.DefaultPolicy)
		for _, s := range []string{tok, tok2} {
			if _, err := svc.Token(context.Background(), s); indus.Code(err) != indus.EUnauthenticated {
				t.Errorf("revoked token still works: %v", err)
			}
		}
	})
	if f := strings.Fields(strings.Split(mustRun(t, db, "", "user", "tokens", "bob"), "\n")[1]); f[len(f)-1] == "-" {
		t.Errorf("revoked token listed as not revoked: %v", f)
	}

	// Disabling a user revokes its tokens; a disabled user gets none.
	tok3 := strings.TrimSpace(mustRun(t, db, "", "user", "token", "bob"))
	mustRun(t, db, "", "user", "disable", "bob")
	mustFail(t, db, "", 1, "user bob is disabled", "user", "token", "bob")
	withStore(t, db, func(st *store.Store) {
		if _, err := access.New(st, access.DefaultPolicy).Token(context.Background(), tok3); err == nil {
			t.Error("a disabled user's token works")
		}
	})
	mustFail(t, db, "", 1, `no user named "nobody"`, "user", "tokens", "nobody")
}

func TestUserPasswd(t *testing.T) {
	db := testDB(t)
	mustRun(t, db, pw, "user", "add", "alice", "--role", "admin", "--password-stdin")
	const newPW = "a much better passphrase"
	if got := mustRun(t, db, newPW+"\nignored second line\n", "user", "passwd", "alice", "--password-stdin"); got != "password of alice changed (any lockout lifted)\n" {
		t.Errorf("passwd: %q", got)
	}
	mustFail(t, db, "short\n", 1, "the password must have at least 10 characters", "user", "passwd", "alice", "--password-stdin")
	mustFail(t, db, newPW, 1, "user passwd needs --password-stdin", "user", "passwd", "alice")
	mustFail(t, db, "", 1, "a password is never taken on the command line", "user", "passwd", "alice", newPW)
	mustFail(t, db, newPW, 1, `no user named "bob"`, "user", "passwd", "bob", "--password-stdin")
	withStore(t, db, func(st *store.Store) {
		svc := access.New(st, fastPolicy())
		ctx := context.Background()
		if _, _, _, err := svc.Login(ctx, "alice", pw, "test"); !access.IsSignInFailure(err) {
			t.Errorf("old password: %v", err)
		}
		if _, _, p, err := svc.Login(ctx, "alice", newPW, "test"); err != nil || p.Name != "alice" {
			t.Errorf("new password: %+v %v", p, err)
		}
	})
}

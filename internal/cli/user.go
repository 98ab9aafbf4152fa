package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

const userUsage = `Usage:
  indus user add NAME --role admin|analyst|unit|enterprise|viewer [--unit CODE]... [--park NAME] [--uscc CODE] --password-stdin
  indus user list [--format text|json]
  indus user disable NAME            end its sessions and revoke its tokens
  indus user enable NAME
  indus user passwd NAME --password-stdin
  indus user token NAME [--label TEXT] [--read-only] [--expires 90d|720h|0]
  indus user tokens [NAME] [--format text|json]
  indus user revoke TOKEN-ID
Every subcommand takes --db FILE (env INDUS_DB). A password is read from the
first line of standard input, never from the command line:
  printf '%s\n' "$PASSWORD" | indus user add wang --role analyst --password-stdin
Run 'indus user SUBCOMMAND -h' for the flags.`

func newUserCommand() *Command {
	return &Command{Name: "user", Summary: "user accounts and API tokens: add, list, disable, enable, passwd, token, tokens, revoke",
		Run: func(ctx context.Context, env *Env, args []string) error {
			usage := func() error {
				fmt.Fprintf(env.Stderr, "%s\n", userUsage)
				return errUsage
			}
			if len(args) == 0 {
				return usage()
			}
			sub := map[string]func(context.Context, *Env, []string) error{
				"add":     userAdd,
				"list":    userList,
				"disable": func(ctx context.Context, env *Env, a []string) error { return userSetDisabled(ctx, env, a, true) },
				"enable":  func(ctx context.Context, env *Env, a []string) error { return userSetDisabled(ctx, env, a, false) },
				"passwd":  userPasswd,
				"token":   userToken,
				"tokens":  userTokens,
				"revoke":  userRevoke,
			}
			if f, ok := sub[args[0]]; ok {
				return f(ctx, env, args[1:])
			}
			return usage()
		}}
}

// listFlag is a repeatable flag whose values may also be comma-separated:
// --unit 500103 --unit 500104 or --unit 500103,500104.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// errPasswordArgument refuses a password given on the command line, where
// shell history and the process list would keep it.
var errPasswordArgument = indus.Errorf(indus.EInvalid,
	"a password is never taken on the command line (shell history and the process list would keep it): pipe it in and add --password-stdin")

// refusePasswordFlag looks for --password or -password before the flag
// package does, so the user gets the reason rather than "flag provided but
// not defined".
func refusePasswordFlag(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "password" || name == "pw" || name == "pass") {
			return errPasswordArgument
		}
	}
	return nil
}

// readPassword reads the password from the first line of standard input.
func readPassword(env *Env, fromStdin bool, sub string) (string, error) {
	if !fromStdin {
		return "", indus.Errorf(indus.EInvalid,
			"user %s needs --password-stdin: the password is read from the first line of standard input, never taken as an argument", sub)
	}
	if env.Stdin == nil {
		return "", indus.Errorf(indus.EInvalid, "no password on standard input")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", indus.Errorf(indus.EInvalid, "no password on standard input: its first line is empty")
	}
	return line, nil
}

// oneName checks the positional arguments are exactly one user name.
// Where a password is wanted, an extra argument is most likely one, and is
// refused as such.
func oneName(fs *flag.FlagSet, pos []string, wantsPassword bool) (string, error) {
	switch {
	case len(pos) == 0:
		fs.Usage()
		return "", errUsage
	case len(pos) > 1 && wantsPassword:
		return "", indus.Errorf(indus.EInvalid, "%s takes one user name, got %d arguments: %s",
			strings.TrimPrefix(fs.Name(), "indus "), len(pos), errPasswordArgument.Message)
	case len(pos) > 1:
		return "", indus.Errorf(indus.EInvalid, "%s takes one user name, got %d arguments", strings.TrimPrefix(fs.Name(), "indus "), len(pos))
	}
	return pos[0], nil
}

func userAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user add", "NAME --role ROLE [--unit CODE]... [--park NAME] [--uscc CODE] --password-stdin [--db FILE]")
	db := dbFlag(fs, env)
	role := fs.String("role", "", "admin, analyst, unit (district/county/zone official), enterprise or viewer")
	var units listFlag
	fs.Var(&units, "unit", "evaluation unit code a unit official covers; repeat or separate with commas")
	park := fs.String("park", "", "a unit official's park, within their one unit")
	uscc := fs.String("uscc", "", "an enterprise user's unified social credit code")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := refusePasswordFlag(args); err != nil {
		return err
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos, true)
	if err != nil {
		return err
	}
	if *role == "" {
		return indus.Errorf(indus.EInvalid, "user add needs --role: one of admin, analyst, unit, enterprise, viewer")
	}
	r, err := indus.ParseRole(*role)
	if err != nil {
		return err
	}
	pw, err := readPassword(env, *pwStdin, "add")
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := acc.AddUser(ctx, access.NewUser{Name: name, Role: r, Units: units, Park: strings.TrimSpace(*park), USCC: *uscc, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "user %s added (role %s, %s)\n", u.Name, u.Role, territory(u))
	return nil
}

// openAccess opens the database and its access service (accounts,
// tokens); the caller closes the store.
func openAccess(ctx context.Context, env *Env, db string) (*access.Service, *store.Store, error) {
	st, err := openStore(ctx, env, db)
	if err != nil {
		return nil, nil, err
	}
	return access.New(st, access.DefaultPolicy), st, nil
}

// territory describes what part of the city a user sees.
func territory(u store.User) string {
	var parts []string
	if len(u.Units) > 0 {
		parts = append(parts, "units "+strings.Join(u.Units, ","))
	}
	if u.Park != "" {
		parts = append(parts, "park "+u.Park)
	}
	if u.USCC != "" {
		parts = append(parts, "uscc "+u.USCC)
	}
	if len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	switch u.Role {
	case indus.RoleAdmin, indus.RoleAnalyst:
		return "all territory"
	case indus.RoleViewer:
		return "city aggregates only"
	}
	return "no territory"
}

// listFormat reads --format for the listing subcommands.
func listFormat(f string) (string, error) {
	switch strings.ToLower(f) {
	case "", "text", "table":
		return "text", nil
	case "json":
		return "json", nil
	}
	return "", indus.Errorf(indus.EInvalid, "unknown format %q: use text or json", f)
}

func userList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user list", "[--format text|json] [--db FILE]")
	db := dbFlag(fs, env)
	format := fs.String("format", "text", "text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return indus.Errorf(indus.EInvalid, "user list takes no arguments, got %q", pos[0])
	}
	f, err := listFormat(*format)
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := acc.Users(ctx)
	if err != nil {
		return err
	}
	if f == "json" {
		if users == nil {
			users = []store.User{}
		}
		return writeJSONTo(env.Stdout, users)
	}
	if len(users) == 0 {
		fmt.Fprintln(env.Stdout, "no users yet: add one with 'indus user add NAME --role admin --password-stdin'")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tTERRITORY\tDISABLED\tLOCKED-UNTIL\tFAILED-LOGINS\tCREATED")
	for _, u := range users {
		locked := "-"
		if u.LockedUntil != nil {
			locked = formatTime(*u.LockedUntil)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", textCell(u.Name), u.Role, textCell(territory(u)), yesNo(u.Disabled), locked,
			u.FailedLogins, formatTime(u.CreatedAt))
	}
	return tw.Flush()
}

func userSetDisabled(ctx context.Context, env *Env, args []string, disabled bool) error {
	sub := "enable"
	if disabled {
		sub = "disable"
	}
	fs := newFlagSet(env, "user "+sub, "NAME [--db FILE]")
	db := dbFlag(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos, false)
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := acc.SetDisabled(ctx, name, disabled); err != nil {
		return err
	}
	if disabled {
		fmt.Fprintf(env.Stdout, "user %s disabled: its sessions ended and its tokens revoked\n", name)
	} else {
		fmt.Fprintf(env.Stdout, "user %s enabled (tokens revoked when it was disabled stay revoked)\n", name)
	}
	return nil
}

func userPasswd(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user passwd", "NAME --password-stdin [--db FILE]")
	db := dbFlag(fs, env)
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	if err := refusePasswordFlag(args); err != nil {
		return err
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos, true)
	if err != nil {
		return err
	}
	pw, err := readPassword(env, *pwStdin, "passwd")
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := acc.SetPassword(ctx, name, pw); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "password of %s changed (any lockout lifted)\n", name)
	return nil
}

// parseExpiry reads --expires: a number of days ("90d"), a Go duration
// ("720h"), or 0 for a token that never expires.
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := indus.Errorf(indus.EInvalid, "--expires %q: use days (90d), hours (720h), or 0 for never", s)
	if s == "0" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 100*366 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

func userToken(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user token", "NAME [--label TEXT] [--read-only] [--expires 90d|720h|0] [--db FILE]")
	db := dbFlag(fs, env)
	label := fs.String("label", "", "what the token is for (shown in 'indus user tokens' and the audit log)")
	readOnly := fs.Bool("read-only", false, "the token may read but change nothing")
	expires := fs.String("expires", "90d", "lifetime: days (90d), hours (720h), or 0 for never")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos, false)
	if err != nil {
		return err
	}
	ttl, err := parseExpiry(*expires)
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, t, err := acc.NewToken(ctx, name, *label, *readOnly, ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, secret)
	kind := "read-write"
	if t.ReadOnly {
		kind = "read-only"
	}
	until := "never expires"
	if t.ExpiresAt != nil {
		until = "expires " + formatTime(*t.ExpiresAt)
	}
	fmt.Fprintf(env.Stderr, "token %d for %s (%s, %s). It is shown only once: store it now. "+
		"Send it as the header 'Authorization: Bearer TOKEN'; revoke it with 'indus user revoke %d'.\n", t.ID, t.UserName, kind, until, t.ID)
	return nil
}

func userTokens(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user tokens", "[NAME] [--format text|json] [--db FILE]")
	db := dbFlag(fs, env)
	format := fs.String("format", "text", "text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return indus.Errorf(indus.EInvalid, "user tokens takes at most one user name, got %d arguments", len(pos))
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	f, err := listFormat(*format)
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := acc.Tokens(ctx, name)
	if err != nil {
		return err
	}
	if f == "json" {
		if tokens == nil {
			tokens = []store.Token{}
		}
		return writeJSONTo(env.Stdout, tokens)
	}
	if len(tokens) == 0 {
		fmt.Fprintln(env.Stdout, "no tokens")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tLABEL\tREAD-ONLY\tCREATED\tEXPIRES\tREVOKED")
	for _, t := range tokens {
		expires, revoked := "never", "-"
		if t.ExpiresAt != nil {
			expires = formatTime(*t.ExpiresAt)
		}
		if t.RevokedAt != nil {
			revoked = formatTime(*t.RevokedAt)
		}
		label := textCell(t.Label)
		if label == "" {
			label = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, textCell(t.UserName), label, yesNo(t.ReadOnly), formatTime(t.CreatedAt), expires, revoked)
	}
	return tw.Flush()
}

// parseTokenID accepts a token's id, or the whole token ("indus_ID_…"),
// whose id is its first part.
func parseTokenID(s string) (int64, error) {
	idText := s
	if rest, ok := strings.CutPrefix(s, "indus_"); ok {
		idText, _, _ = strings.Cut(rest, "_")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return 0, indus.Errorf(indus.EInvalid, "token id %q: use the number in the ID column of 'indus user tokens'", s)
	}
	return id, nil
}

func userRevoke(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "user revoke", "TOKEN-ID [--db FILE]")
	db := dbFlag(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := parseTokenID(pos[0])
	if err != nil {
		return err
	}
	acc, st, err := openAccess(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := acc.Revoke(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "token %d revoked\n", id)
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// formatTime shows a time in the local zone, to the second.
func formatTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }

// textCell makes a value safe for an aligned terminal table: control
// characters (tabs, newlines, escape sequences a hostile label or login
// name could carry) become spaces, so they can neither break the columns
// nor drive the terminal.
func textCell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

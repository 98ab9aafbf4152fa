package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

const auditUsage = "[--since DATE|TIME] [--until DATE|TIME] [--user NAME] [--action A] [--target T] [--outcome ok|denied|failed] " +
	"[--limit N] [--format text|csv|json|xlsx] [--out FILE] [--verify] [--db FILE]"

func newAuditCommand() *Command {
	return &Command{Name: "audit", Summary: "the audit log: who did what, when; filter, export, verify its hash chain",
		Run: runAudit}
}

// auditHeader is the column order of the CSV and XLSX exports.
var auditHeader = []string{"seq", "at", "user", "role", "action", "target", "remote", "outcome", "detail", "prev_sha256", "sha256"}

func runAudit(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit", auditUsage)
	db := dbFlag(fs, env)
	since := fs.String("since", "", "entries at or after this date (2026-11-29) or RFC 3339 time")
	until := fs.String("until", "", "entries before this time; a date includes that whole day")
	user := fs.String("user", "", "only this user, as the log names them (e.g. cli:wang, or 'wang (token 3)')")
	action := fs.String("action", "", "only this action (login, login_failed, export, import, user_add, token_create, ...)")
	target := fs.String("target", "", "only this target")
	outcome := fs.String("outcome", "", "only this outcome: ok, denied or failed")
	limit := fs.Int("limit", 0, "only the newest N matching entries, still printed oldest first (0: all)")
	format := fs.String("format", "", "text, csv, json (one entry per line) or xlsx (default: from --out's extension, else text)")
	out := fs.String("out", "", "write to this file instead of standard output; the export is itself recorded in the log")
	verify := fs.Bool("verify", false, "check the whole hash chain instead of listing; fails when it is broken")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return indus.Errorf(indus.EInvalid, "audit takes no arguments, got %q (filters are flags: --user, --action, --target)", pos[0])
	}
	if *limit < 0 {
		return indus.Errorf(indus.EInvalid, "--limit %d: use a whole number ≥ 0", *limit)
	}
	q := store.AuditQuery{User: strings.TrimSpace(*user), Action: strings.TrimSpace(*action), Target: strings.TrimSpace(*target),
		Outcome: strings.TrimSpace(*outcome), Limit: *limit}
	if q.Since, err = parseAuditTime("since", *since, false); err != nil {
		return err
	}
	if q.Until, err = parseAuditTime("until", *until, true); err != nil {
		return err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return indus.Errorf(indus.EInvalid, "--since %s is not before --until %s", *since, *until)
	}
	if *verify && *out != "" {
		return indus.Errorf(indus.EInvalid, "--verify prints its result on standard output: drop --out")
	}
	f, err := auditFormat(*format, *out)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *verify {
		return auditVerify(ctx, env, st, f)
	}
	n, err := writeAudit(ctx, env, st, q, f, *out)
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		return nil
	}
	fmt.Fprintf(env.Stderr, "wrote %d entries to %s\n", n, *out)
	detail := fmt.Sprintf("%s rows=%d file=%s", f, n, filepath.Base(*out))
	for _, kv := range [][2]string{{"since", *since}, {"until", *until}, {"user", q.User}, {"action", q.Action}, {"target", q.Target}, {"outcome", q.Outcome}} {
		if kv[1] != "" {
			detail += " " + kv[0] + "=" + kv[1]
		}
	}
	return access.Record(ctx, st, "export", "audit", access.OutcomeOK, detail)
}

// parseAuditTime accepts a date (2026-11-29) or a time (RFC 3339, or
// without a zone in local time). A date given as an upper bound means the
// end of that day.
func parseAuditTime(name, v string, upper bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, time.Local); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, indus.Errorf(indus.EInvalid, "--%s %q is not a date (2026-11-29) or a time (2026-11-29T08:00:00+08:00)", name, v)
}

// auditFormat picks the output format: the flag, else the --out file's
// extension, else a text table.
func auditFormat(format, out string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".csv":
			f = "csv"
		case ".xlsx":
			f = "xlsx"
		case ".json", ".jsonl", ".ndjson":
			f = "json"
		default:
			f = "text"
		}
	}
	if f == "table" {
		f = "text"
	}
	if !slices.Contains([]string{"text", "csv", "json", "xlsx"}, f) {
		return "", indus.Errorf(indus.EInvalid, "unknown format %q: use text, csv, json or xlsx", format)
	}
	if f == "xlsx" && (out == "" || out == "-") {
		return "", indus.Errorf(indus.EInvalid, "xlsx needs a file: add --out FILE.xlsx")
	}
	return f, nil
}

// scanAudit streams the matching entries oldest first. With a limit they
// are the newest N, which are read newest first and then reversed (at most
// N in memory).
func scanAudit(ctx context.Context, st *store.Store, q store.AuditQuery, fn func(store.AuditEntry) error) error {
	if q.Limit == 0 {
		return st.ScanAudit(ctx, q, fn)
	}
	q.Desc = true
	var last []store.AuditEntry
	if err := st.ScanAudit(ctx, q, func(e store.AuditEntry) error {
		last = append(last, e)
		return nil
	}); err != nil {
		return err
	}
	for i := len(last) - 1; i >= 0; i-- {
		if err := fn(last[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeAudit writes the entries in format f to out (standard output when
// empty or "-") and returns how many it wrote.
func writeAudit(ctx context.Context, env *Env, st *store.Store, q store.AuditQuery, f, out string) (int64, error) {
	var n int64
	if f == "csv" || f == "xlsx" {
		var w export.Writer
		var err error
		if out == "" || out == "-" {
			w, err = export.ToWriter(env.Stdout, auditHeader)
		} else {
			w, err = export.Create(out, export.Format(f), "audit", auditHeader)
		}
		if err != nil {
			return 0, indus.Errorf(indus.EInvalid, "cannot write %s: %v", out, err)
		}
		err = scanAudit(ctx, st, q, func(e store.AuditEntry) error {
			n++
			// The time in UTC to the microsecond, as hashed: an exported
			// row can be checked against its sha256.
			return w.WriteRow([]export.Cell{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.User, e.Role, e.Action, e.Target,
				e.Remote, e.Outcome, e.Detail, e.PrevSHA256, e.SHA256})
		})
		if err != nil {
			w.Abort()
			return 0, err
		}
		return n, w.Close()
	}
	err := withOutput(env, out, func(w io.Writer) error {
		if f == "json" {
			enc := json.NewEncoder(w)
			return scanAudit(ctx, st, q, func(e store.AuditEntry) error {
				n++
				e.At = e.At.UTC()
				return enc.Encode(e)
			})
		}
		// A text table, flushed every 1000 rows so a long log streams
		// (columns are aligned within each block of rows).
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		header := "SEQ\tAT\tUSER\tROLE\tACTION\tTARGET\tREMOTE\tOUTCOME\tDETAIL"
		fmt.Fprintln(tw, header)
		err := scanAudit(ctx, st, q, func(e store.AuditEntry) error {
			n++
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, formatTime(e.At), textCell(e.User), orDash(e.Role), textCell(e.Action),
				orDash(textCell(e.Target)), textCell(e.Remote), textCell(e.Outcome), textCell(e.Detail))
			if n%1000 == 0 {
				return tw.Flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(w, "no matching entries")
		}
		return nil
	})
	return n, err
}

// withOutput runs fn on standard output, or on the file out, which is
// written under a temporary name and renamed when complete.
func withOutput(env *Env, out string, fn func(io.Writer) error) error {
	if out == "" || out == "-" {
		return fn(env.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot write %s: %v", out, err)
	}
	if err := fn(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), out)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// auditVerify checks the hash chain and reports it; a broken chain is a
// failure (exit status 1).
func auditVerify(ctx context.Context, env *Env, st *store.Store, f string) error {
	v, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	switch {
	case f == "json":
		if err := writeJSONTo(env.Stdout, v); err != nil {
			return err
		}
	case v.OK && v.Entries == 0:
		fmt.Fprintln(env.Stdout, "audit chain OK: 0 entries (the log is empty)")
	case v.OK:
		fmt.Fprintf(env.Stdout, "audit chain OK: %d entries, head %s\n", v.Entries, v.Head)
		fmt.Fprintln(env.Stderr, "keep the head hash somewhere else: it shows later whether entries were removed from the end")
	default:
		fmt.Fprintf(env.Stdout, "audit chain BROKEN at entry %d: %s\n", v.BrokenAt, v.Problem)
	}
	if !v.OK {
		return indus.Errorf(indus.EConflict, "the audit log's hash chain is broken at entry %d of %d: it was altered or damaged after it was written",
			v.BrokenAt, v.Entries)
	}
	return nil
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	User       string    `json:"user"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Remote     string    `json:"remote"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail"`
	PrevSHA256 string    `json:"prev_sha256"`
	SHA256     string    `json:"sha256"`
}

// auditGenesis is the "previous hash" of the first entry.
const auditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// chainHash is the entry's hash: SHA-256 over the previous hash and every
// field, each length-prefixed so no two different entries serialise alike.
func (e AuditEntry) chainHash() string {
	h := sha256.New()
	for _, f := range []string{e.PrevSHA256, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.User, e.Role, e.Action, e.Target, e.Remote, e.Outcome, e.Detail} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AppendAudit adds an entry at the end of the chain and returns it with its
// sequence number and hashes. Appends are serialised so the chain never
// forks.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	// The entry is written even when the request that caused it was
	// cancelled: an attempt must not vanish from the log because the client
	// hung up.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()
	last, prev := s.auditHead.seq, s.auditHead.hash
	if !s.auditHead.loaded {
		err = tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0), coalesce(arg_max(sha256, seq), '') FROM audit_log`).Scan(&last, &prev)
		if err != nil {
			return e, fmt.Errorf("audit: %w", err)
		}
	}
	if prev == "" {
		prev = auditGenesis
	}
	e.Seq, e.PrevSHA256 = last+1, prev
	if e.At.IsZero() {
		e.At = time.Now()
	}
	// Microseconds: what the TIMESTAMP column keeps, so the hash can be
	// recomputed from the stored row.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.SHA256 = e.chainHash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, logged_at, username, role, action, target, remote, outcome, detail, prev_sha256, sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.User, e.Role, e.Action, e.Target, e.Remote, e.Outcome, e.Detail, e.PrevSHA256, e.SHA256); err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		// The head is read again next time: the commit may or may not
		// have happened.
		s.auditHead.loaded = false
		return e, fmt.Errorf("audit: %w", err)
	}
	s.auditHead.loaded, s.auditHead.seq, s.auditHead.hash = true, e.Seq, e.SHA256
	return e, nil
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	Since   time.Time // entries at or after (zero: all)
	Until   time.Time // entries before (zero: all)
	User    string
	Action  string
	Target  string
	Outcome string
	Limit   int // 0: no limit
	Offset  int
	Desc    bool // newest first
}

func (q AuditQuery) where() (string, []any) {
	var conds []string
	var args []any
	if !q.Since.IsZero() {
		conds, args = append(conds, "logged_at >= ?"), append(args, q.Since.UTC())
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, "logged_at < ?"), append(args, q.Until.UTC())
	}
	if q.User != "" {
		conds, args = append(conds, "username = ?"), append(args, q.User)
	}
	if q.Action != "" {
		conds, args = append(conds, "action = ?"), append(args, q.Action)
	}
	if q.Target != "" {
		conds, args = append(conds, "target = ?"), append(args, q.Target)
	}
	if q.Outcome != "" {
		conds, args = append(conds, "outcome = ?"), append(args, q.Outcome)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Audit returns the matching entries in sequence order (or reversed) and
// how many match in all.
func (s *Store) Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, int64, error) {
	where, args := q.where()
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	var out []AuditEntry
	err := s.ScanAudit(ctx, q, func(e AuditEntry) error {
		out = append(out, e)
		return nil
	})
	return out, total, err
}

// ScanAudit calls fn for each matching entry, streaming (for exports).
func (s *Store) ScanAudit(ctx context.Context, q AuditQuery, fn func(AuditEntry) error) error {
	where, args := q.where()
	order := " ORDER BY seq"
	if q.Desc {
		order += " DESC"
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT ? OFFSET ?"
		args = append(args, q.Limit, q.Offset)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, logged_at, username, role, action, target, remote, outcome, detail, prev_sha256, sha256 FROM audit_log`+where+order+limit, args...)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.User, &e.Role, &e.Action, &e.Target, &e.Remote, &e.Outcome, &e.Detail, &e.PrevSHA256, &e.SHA256); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditVerification is the result of checking the whole chain.
type AuditVerification struct {
	Entries  int64  `json:"entries"`
	OK       bool   `json:"ok"`
	BrokenAt int64  `json:"broken_at,omitempty"` // the first entry that does not match
	Problem  string `json:"problem,omitempty"`
	Head     string `json:"head_sha256,omitempty"` // the last entry's hash: write it down to detect truncation later
}

// VerifyAudit recomputes every hash in order and checks each entry links to
// the one before, with no gaps in the sequence.
func (s *Store) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	v := AuditVerification{OK: true}
	prev := auditGenesis
	var want int64 = 1
	err := s.ScanAudit(ctx, AuditQuery{}, func(e AuditEntry) error {
		v.Entries++
		if !v.OK {
			return nil
		}
		switch {
		case e.Seq != want:
			v.OK, v.BrokenAt, v.Problem = false, e.Seq, fmt.Sprintf("entry %d is missing (found %d next)", want, e.Seq)
		case e.PrevSHA256 != prev:
			v.OK, v.BrokenAt, v.Problem = false, e.Seq, fmt.Sprintf("entry %d does not link to entry %d", e.Seq, e.Seq-1)
		case e.chainHash() != e.SHA256:
			v.OK, v.BrokenAt, v.Problem = false, e.Seq, fmt.Sprintf("entry %d was altered (its hash does not match its contents)", e.Seq)
		}
		prev, want = e.SHA256, e.Seq+1
		v.Head = e.SHA256
		return nil
	})
	return v, err
}

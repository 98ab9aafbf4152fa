package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// User is an account. PasswordHash is an argon2id PHC string, never a
// password.
type User struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Role         indus.Role `json:"role"`
	Units        []string   `json:"units,omitempty"`
	Park         string     `json:"park,omitempty"`
	USCC         string     `json:"uscc,omitempty"`
	PasswordHash string     `json:"-"`
	Disabled     bool       `json:"disabled"`
	FailedLogins int        `json:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Principal is the user as the one acting.
func (u User) Principal() indus.Principal {
	return indus.Principal{UserID: u.ID, Name: u.Name, Role: u.Role, Units: u.Units, Park: u.Park, USCC: u.USCC}
}

const userColumns = `id, name, role, units, park, uscc, password_hash, disabled, failed_logins, locked_until, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var role, units string
	var locked sql.NullTime
	if err := sc.Scan(&u.ID, &u.Name, &role, &units, &u.Park, &u.USCC, &u.PasswordHash, &u.Disabled, &u.FailedLogins, &locked, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return u, err
	}
	u.Role = indus.Role(role)
	if units != "" {
		u.Units = strings.Split(units, ",")
	}
	if locked.Valid {
		t := locked.Time
		u.LockedUntil = &t
	}
	return u, nil
}

// CreateUser adds an account; a taken name is a conflict.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name = ?`, u.Name).Scan(&n); err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	if n > 0 {
		return u, indus.Errorf(indus.EConflict, "a user named %q already exists", u.Name).Zh("账号 %q 已存在", u.Name)
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM users`).Scan(&u.ID); err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	u.CreatedAt, u.UpdatedAt = now, now
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)`,
		u.ID, u.Name, string(u.Role), strings.Join(u.Units, ","), u.Park, u.USCC, u.PasswordHash, u.Disabled, now, now); err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, tx.Commit()
}

// UserByName returns the account called name (not found otherwise).
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, indus.Errorf(indus.ENotFound, "no user named %q", name).Zh("没有名为 %q 的账号", name)
	}
	if err != nil {
		return u, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// UserByID returns the account with this id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, indus.Errorf(indus.ENotFound, "no user with id %d", id)
	}
	if err != nil {
		return u, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountActiveAdmins counts enabled administrators.
func (s *Store) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = ? AND NOT disabled`, string(indus.RoleAdmin)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count administrators: %w", err)
	}
	return n, nil
}

// SetUserPassword replaces the password hash and clears any lockout.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return s.updateUser(ctx, id, `password_hash = ?, failed_logins = 0, locked_until = NULL`, hash)
}

// SetUserDisabled disables or re-enables an account; disabling also ends
// its sessions and revokes its tokens.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	if err := s.updateUser(ctx, id, `disabled = ?`, disabled); err != nil {
		return err
	}
	if !disabled {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, time.Now().UTC(), id); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}

// RecordLoginFailure counts a failed login and locks the account until
// lockUntil when the count reaches limit; it returns the new count.
func (s *Store) RecordLoginFailure(ctx context.Context, id int64, limit int, lockUntil time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1,
		locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
		WHERE id = ? RETURNING failed_logins`, limit, lockUntil.UTC(), id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("record failed login: %w", err)
	}
	return n, nil
}

// RecordLoginSuccess clears the failure count and any lockout.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64) error {
	return s.updateUser(ctx, id, `failed_logins = 0, locked_until = NULL`)
}

func (s *Store) updateUser(ctx context.Context, id int64, set string, args ...any) error {
	args = append(args, time.Now().UTC(), id)
	res, err := s.db.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return indus.Errorf(indus.ENotFound, "no user with id %d", id)
	}
	return nil
}

// Session is a signed-in browser. IDSHA256 is the digest of the cookie
// value; the cookie value itself is never stored.
type Session struct {
	IDSHA256  string
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	Remote    string
}

// CreateSession records a session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_sha256, user_id, csrf, created_at, expires_at, remote) VALUES (?, ?, ?, ?, ?, ?)`,
		se.IDSHA256, se.UserID, se.CSRF, se.CreatedAt.UTC(), se.ExpiresAt.UTC(), se.Remote)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with this digest; expired sessions are
// not found.
func (s *Store) SessionByHash(ctx context.Context, idSHA256 string, now time.Time) (Session, error) {
	var se Session
	err := s.db.QueryRowContext(ctx, `SELECT id_sha256, user_id, csrf, created_at, expires_at, remote FROM sessions WHERE id_sha256 = ? AND expires_at > ?`,
		idSHA256, now.UTC()).Scan(&se.IDSHA256, &se.UserID, &se.CSRF, &se.CreatedAt, &se.ExpiresAt, &se.Remote)
	if errors.Is(err, sql.ErrNoRows) {
		return se, indus.Errorf(indus.ENotFound, "no such session")
	}
	if err != nil {
		return se, fmt.Errorf("session: %w", err)
	}
	return se, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, idSHA256 string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_sha256 = ?`, idSHA256); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.UTC()); err != nil {
		return fmt.Errorf("remove expired sessions: %w", err)
	}
	return nil
}

// Token is an API token; the secret is only ever shown once, at creation.
type Token struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"user_id"`
	UserName     string     `json:"user"`
	SecretSHA256 string     `json:"-"`
	Label        string     `json:"label"`
	ReadOnly     bool       `json:"read_only"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken records a token and returns its id.
func (s *Store) CreateToken(ctx context.Context, t Token) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("create token: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM api_tokens`).Scan(&t.ID); err != nil {
		return 0, fmt.Errorf("create token: %w", err)
	}
	var expires any
	if t.ExpiresAt != nil {
		expires = t.ExpiresAt.UTC()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, secret_sha256, label, read_only, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
		t.ID, t.UserID, t.SecretSHA256, t.Label, t.ReadOnly, t.CreatedAt.UTC(), expires); err != nil {
		return 0, fmt.Errorf("create token: %w", err)
	}
	return t.ID, tx.Commit()
}

const tokenColumns = `t.id, t.user_id, u.name, t.secret_sha256, t.label, t.read_only, t.created_at, t.expires_at, t.revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var exp, rev sql.NullTime
	if err := sc.Scan(&t.ID, &t.UserID, &t.UserName, &t.SecretSHA256, &t.Label, &t.ReadOnly, &t.CreatedAt, &exp, &rev); err != nil {
		return t, err
	}
	if exp.Valid {
		v := exp.Time
		t.ExpiresAt = &v
	}
	if rev.Valid {
		v := rev.Time
		t.RevokedAt = &v
	}
	return t, nil
}

// TokenByID returns a token (revoked or not).
func (s *Store) TokenByID(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, indus.Errorf(indus.ENotFound, "no token with id %d", id).Zh("没有编号为 %d 的令牌", id)
	}
	if err != nil {
		return t, fmt.Errorf("token %d: %w", id, err)
	}
	return t, nil
}

// Tokens lists the tokens of one user (userID > 0) or of everyone.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ? = 0 OR t.user_id = ? ORDER BY t.id`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked; revoking twice is a conflict.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.TokenByID(ctx, id); err != nil {
			return err
		}
		return indus.Errorf(indus.EConflict, "token %d is already revoked", id).Zh("令牌 %d 已被吊销", id)
	}
	return nil
}

// DemoTerritory picks the territory of the demo accounts: the unit with the
// most enterprises, and in it an enterprise graded C in the latest
// evaluation run (else any of its enterprises). Either is "" when there is
// no data.
func (s *Store) DemoTerritory(ctx context.Context) (unit, uscc string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT coalesce((SELECT unit_code FROM enterprises GROUP BY unit_code ORDER BY count(*) DESC, unit_code LIMIT 1), '')`).Scan(&unit)
	if err != nil || unit == "" {
		return "", "", err
	}
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(
		(SELECT uscc FROM evaluation_enterprises WHERE run_id = (SELECT max(id) FROM evaluation_runs) AND unit_code = ? AND class = 'C' ORDER BY rank_all LIMIT 1),
		(SELECT min(uscc) FROM enterprises WHERE unit_code = ?), '')`, unit, unit).Scan(&uscc)
	return unit, uscc, err
}

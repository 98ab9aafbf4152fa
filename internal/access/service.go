package access

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Policy holds the knobs of sign-in; DefaultPolicy is what Indus uses.
type Policy struct {
	SessionTTL time.Duration // a session ends this long after sign-in
	LockAfter  int           // consecutive failures that lock an account
	LockFor    time.Duration // how long a lock lasts
	// FailDelay is the least time a failed sign-in takes, whoever it
	// names: it slows guessing and hides whether the account exists.
	FailDelay time.Duration
	// CacheFor is how long a session or token, once checked against the
	// database, is trusted from memory. Revocation, logout and disabling
	// through this service take effect at once; the cache only spares the
	// database a query on every request.
	CacheFor time.Duration
}

// DefaultPolicy: 8-hour sessions (a working day), 5 failures lock for 15
// minutes, failed sign-ins take at least one second.
var DefaultPolicy = Policy{SessionTTL: 8 * time.Hour, LockAfter: 5, LockFor: 15 * time.Minute, FailDelay: time.Second, CacheFor: time.Minute}

// Service signs users in and answers who is acting.
type Service struct {
	st     *store.Store
	policy Policy
	now    func() time.Time
	// hashing bounds concurrent password hashes: each takes 64 MiB.
	hashing chan struct{}

	mu       sync.Mutex
	sessions map[string]cachedSession // by digest of the cookie value
	tokens   map[int64]cachedToken
}

type cachedSession struct {
	principal indus.Principal
	csrf      string
	expires   time.Time
	checked   time.Time
}

type cachedToken struct {
	token     store.Token
	principal indus.Principal
	checked   time.Time
}

// New returns the service over st with the given policy.
func New(st *store.Store, policy Policy) *Service {
	return &Service{st: st, policy: policy, now: time.Now, hashing: make(chan struct{}, 2),
		sessions: map[string]cachedSession{}, tokens: map[int64]cachedToken{}}
}

// SetClock replaces the clock (tests of expiry and lockout).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Policy returns the service's policy.
func (s *Service) Policy() Policy { return s.policy }

var userNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$`)

// NewUser is what `indus user add` gives.
type NewUser struct {
	Name     string
	Role     indus.Role
	Units    []string
	Park     string
	USCC     string
	Password string
}

// validate checks the account's territory fits its role.
func (u *NewUser) validate() error {
	if !userNamePattern.MatchString(u.Name) {
		return indus.Errorf(indus.EInvalid, "user name %q: use 2–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", u.Name).
			Zh("账号名 %q 不合规：须为 2–64 个字母、数字或 . _ @ -，并以字母或数字开头", u.Name)
	}
	if _, err := indus.ParseRole(string(u.Role)); err != nil {
		return err
	}
	for i, c := range u.Units {
		u.Units[i] = strings.TrimSpace(c)
		if _, ok := refdata.UnitByCode(u.Units[i]); !ok {
			return indus.Errorf(indus.EInvalid, "unit %q is not one of the 41 evaluation units (see `indus clusters` or the units page for codes)", c).
				Zh("%q 不是 41 个评价单元之一（代码见区县页面）", c)
		}
	}
	slices.Sort(u.Units)
	u.Units = slices.Compact(u.Units)
	u.USCC = strings.ToUpper(strings.TrimSpace(u.USCC))
	switch u.Role {
	case indus.RoleUnit:
		if len(u.Units) == 0 {
			return indus.Errorf(indus.EInvalid, "a unit official needs at least one --unit CODE").Zh("区县用户至少需要选择一个区县")
		}
		if u.USCC != "" {
			return indus.Errorf(indus.EInvalid, "--uscc is for enterprise users, not unit officials").Zh("统一社会信用代码只用于企业用户，不用于区县用户")
		}
	case indus.RoleEnterprise:
		if u.USCC == "" {
			return indus.Errorf(indus.EInvalid, "an enterprise user needs --uscc CODE").Zh("企业用户需要填写统一社会信用代码")
		}
		if problem, msg := indus.CheckUSCC(u.USCC); problem == indus.USCCMalformed {
			return indus.Errorf(indus.EInvalid, "%s", msg)
		}
		if len(u.Units) > 0 || u.Park != "" {
			return indus.Errorf(indus.EInvalid, "--unit and --park are for unit officials, not enterprise users").Zh("区县和园区只用于区县用户，不用于企业用户")
		}
	default:
		if len(u.Units) > 0 || u.Park != "" || u.USCC != "" {
			return indus.Errorf(indus.EInvalid, "role %s covers all territory: --unit, --park and --uscc do not apply", u.Role).
				Zh("该角色覆盖全市，不需要区县、园区或统一社会信用代码")
		}
	}
	if u.Park != "" && u.Role == indus.RoleUnit && len(u.Units) != 1 {
		return indus.Errorf(indus.EInvalid, "--park narrows one unit: give exactly one --unit with it").Zh("园区只能限定在一个区县内：请只选择一个区县")
	}
	return checkPasswordStrength(u.Password)
}

func checkPasswordStrength(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return indus.Errorf(indus.EInvalid, "the password must have at least %d characters", MinPasswordLength).Zh("密码至少需要 %d 个字符", MinPasswordLength)
	}
	return nil
}

// AddUser creates an account and records it in the audit log.
func (s *Service) AddUser(ctx context.Context, nu NewUser) (store.User, error) {
	if err := nu.validate(); err != nil {
		return store.User{}, err
	}
	hash, err := s.hash(ctx, nu.Password)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.st.CreateUser(ctx, store.User{Name: nu.Name, Role: nu.Role, Units: nu.Units, Park: nu.Park, USCC: nu.USCC, PasswordHash: hash})
	if err != nil {
		return u, err
	}
	detail := "role=" + string(u.Role)
	if len(u.Units) > 0 {
		detail += " units=" + strings.Join(u.Units, ",")
	}
	if u.Park != "" {
		detail += " park=" + u.Park
	}
	if u.USCC != "" {
		detail += " uscc=" + u.USCC
	}
	return u, s.Record(ctx, "user_add", u.Name, OutcomeOK, detail)
}

// Users lists the accounts.
func (s *Service) Users(ctx context.Context) ([]store.User, error) { return s.st.Users(ctx) }

// SetPassword replaces a user's password (and lifts a lockout).
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPasswordStrength(password); err != nil {
		return err
	}
	u, err := s.st.UserByName(ctx, name)
	if err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.st.SetUserPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	return s.Record(ctx, "user_passwd", name, OutcomeOK, "")
}

// SetDisabled disables (ending sessions, revoking tokens) or re-enables a
// user. Disabling the last active administrator is refused.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	u, err := s.st.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if disabled && u.Role == indus.RoleAdmin && !u.Disabled {
		n, err := s.st.CountActiveAdmins(ctx)
		if err != nil {
			return err
		}
		if n <= 1 {
			return indus.Errorf(indus.EConflict, "%s is the last active administrator; add another before disabling this one", name).
				Zh("%s 是最后一个在用的系统管理员；请先新增一名管理员再停用", name)
		}
	}
	if err := s.st.SetUserDisabled(ctx, u.ID, disabled); err != nil {
		return err
	}
	s.forgetUser(u.ID)
	action := "user_enable"
	if disabled {
		action = "user_disable"
	}
	return s.Record(ctx, action, name, OutcomeOK, "")
}

// forgetUser drops a user's cached sessions and tokens.
func (s *Service) forgetUser(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range s.sessions {
		if c.principal.UserID == id {
			delete(s.sessions, k)
		}
	}
	for k, c := range s.tokens {
		if c.token.UserID == id {
			delete(s.tokens, k)
		}
	}
}

// hashSlot waits for one of the hashing slots (at most two argon2id runs
// at a time, 64 MiB each); release frees it.
func (s *Service) hashSlot(ctx context.Context) (release func(), err error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password)
}

func (s *Service) check(ctx context.Context, hash, password string) (bool, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return CheckPassword(hash, password), nil
}

// errSignIn is the one answer to every failed sign-in, whatever the cause,
// so it reveals neither whether the user exists nor whether it is locked.
var errSignIn = indus.Errorf(indus.EUnauthenticated, "sign-in failed: wrong name or password, or the account is disabled or temporarily locked")

// IsSignInFailure reports whether err is the generic sign-in failure.
func IsSignInFailure(err error) bool { return err == errSignIn }

// Login checks a name and password and opens a session. It returns the
// cookie value (shown to nobody else, stored only as a digest) and the
// session's CSRF token.
func (s *Service) Login(ctx context.Context, name, password, remote string) (cookie, csrf string, p indus.Principal, err error) {
	start := s.now()
	fail := func(reason string, u *store.User) (string, string, indus.Principal, error) {
		who := indus.Principal{Name: name, Remote: remote}
		if u != nil {
			who.Role = u.Role
		}
		// The reason goes to the audit log, never to the client.
		if err := s.Record(indus.WithPrincipal(ctx, who), "login_failed", name, OutcomeFailed, reason); err != nil {
			return "", "", indus.Principal{}, err
		}
		if wait := s.policy.FailDelay - s.now().Sub(start); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		return "", "", indus.Principal{}, errSignIn
	}
	u, err := s.st.UserByName(ctx, name)
	if indus.Code(err) == indus.ENotFound {
		s.check(ctx, dummyHash(), password)
		return fail("no such user", nil)
	}
	if err != nil {
		return "", "", indus.Principal{}, err
	}
	ok, err := s.check(ctx, u.PasswordHash, password)
	if err != nil {
		return "", "", indus.Principal{}, err
	}
	now := s.now()
	switch {
	case u.Disabled:
		return fail("account disabled", &u)
	case u.LockedUntil != nil && now.Before(*u.LockedUntil):
		return fail("account locked until "+u.LockedUntil.UTC().Format(time.RFC3339), &u)
	case !ok:
		n, err := s.st.RecordLoginFailure(ctx, u.ID, s.policy.LockAfter, now.Add(s.policy.LockFor))
		if err != nil {
			return "", "", indus.Principal{}, err
		}
		reason := "wrong password (" + strconv.Itoa(n) + " in a row)"
		if n >= s.policy.LockAfter {
			reason += "; account locked for " + s.policy.LockFor.String()
		}
		return fail(reason, &u)
	}
	if err := s.st.RecordLoginSuccess(ctx, u.ID); err != nil {
		return "", "", indus.Principal{}, err
	}
	cookie, csrf = randomString(32), randomString(32)
	se := store.Session{IDSHA256: digest(cookie), UserID: u.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(s.policy.SessionTTL), Remote: remote}
	if err := s.st.CreateSession(ctx, se); err != nil {
		return "", "", indus.Principal{}, err
	}
	p = u.Principal()
	p.Remote = remote
	s.mu.Lock()
	s.sessions[se.IDSHA256] = cachedSession{principal: p, csrf: csrf, expires: se.ExpiresAt, checked: now}
	s.mu.Unlock()
	return cookie, csrf, p, s.Record(indus.WithPrincipal(ctx, p), "login", u.Name, OutcomeOK, "")
}

// Session returns who holds the session cookie and the session's CSRF
// token; an unknown or expired cookie is EUnauthenticated.
func (s *Service) Session(ctx context.Context, cookie string) (indus.Principal, string, error) {
	key := digest(cookie)
	now := s.now()
	s.mu.Lock()
	c, ok := s.sessions[key]
	s.mu.Unlock()
	if ok && now.Before(c.expires) && now.Sub(c.checked) < s.policy.CacheFor {
		return c.principal, c.csrf, nil
	}
	se, err := s.st.SessionByHash(ctx, key, now)
	if err != nil {
		s.mu.Lock()
		delete(s.sessions, key)
		s.mu.Unlock()
		if indus.Code(err) == indus.ENotFound {
			return indus.Principal{}, "", indus.Errorf(indus.EUnauthenticated, "your session has ended; please sign in again")
		}
		return indus.Principal{}, "", err
	}
	u, err := s.st.UserByID(ctx, se.UserID)
	if err != nil || u.Disabled {
		return indus.Principal{}, "", indus.Errorf(indus.EUnauthenticated, "your session has ended; please sign in again")
	}
	p := u.Principal()
	s.mu.Lock()
	s.sessions[key] = cachedSession{principal: p, csrf: se.CSRF, expires: se.ExpiresAt, checked: now}
	s.mu.Unlock()
	return p, se.CSRF, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, cookie string) error {
	key := digest(cookie)
	s.mu.Lock()
	delete(s.sessions, key)
	s.mu.Unlock()
	if err := s.st.DeleteSession(ctx, key); err != nil {
		return err
	}
	return s.Record(ctx, "logout", indus.PrincipalFrom(ctx).Name, OutcomeOK, "")
}

// tokenPrefix starts every API token, so a leaked one is easy to spot.
const tokenPrefix = "indus_"

// NewToken creates an API token for a user and returns it: the only time
// the secret is ever shown. A read-only token cannot change anything; ttl
// 0 means no expiry.
func (s *Service) NewToken(ctx context.Context, name, label string, readOnly bool, ttl time.Duration) (string, store.Token, error) {
	u, err := s.st.UserByName(ctx, name)
	if err != nil {
		return "", store.Token{}, err
	}
	if u.Disabled {
		return "", store.Token{}, indus.Errorf(indus.EConflict, "user %s is disabled", name).Zh("账号 %s 已停用", name)
	}
	secret := randomString(32)
	t := store.Token{UserID: u.ID, UserName: u.Name, SecretSHA256: digest(secret), Label: label, ReadOnly: readOnly, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if ttl > 0 {
		e := t.CreatedAt.Add(ttl)
		t.ExpiresAt = &e
	}
	if t.ID, err = s.st.CreateToken(ctx, t); err != nil {
		return "", t, err
	}
	detail := "label=" + label
	if readOnly {
		detail += " read-only"
	}
	if err := s.Record(ctx, "token_create", name+"#"+strconv.FormatInt(t.ID, 10), OutcomeOK, detail); err != nil {
		return "", t, err
	}
	return tokenPrefix + strconv.FormatInt(t.ID, 10) + "_" + secret, t, nil
}

// Tokens lists tokens (of one user when name is set).
func (s *Service) Tokens(ctx context.Context, name string) ([]store.Token, error) {
	var id int64
	if name != "" {
		u, err := s.st.UserByName(ctx, name)
		if err != nil {
			return nil, err
		}
		id = u.ID
	}
	return s.st.Tokens(ctx, id)
}

// Revoke revokes a token by its id; it stops working at once.
func (s *Service) Revoke(ctx context.Context, id int64) error {
	t, err := s.st.TokenByID(ctx, id)
	if err != nil {
		return err
	}
	if err := s.st.RevokeToken(ctx, id, s.now()); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.tokens, id)
	s.mu.Unlock()
	return s.Record(ctx, "token_revoke", t.UserName+"#"+strconv.FormatInt(id, 10), OutcomeOK, "")
}

// errToken is the answer to any unusable token.
var errToken = indus.Errorf(indus.EUnauthenticated, "the API token is not valid (unknown, revoked or expired)")

// Token returns who holds an API token ("indus_ID_SECRET").
func (s *Service) Token(ctx context.Context, bearer string) (indus.Principal, error) {
	rest, ok := strings.CutPrefix(bearer, tokenPrefix)
	idText, secret, ok2 := strings.Cut(rest, "_")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || !ok2 || err != nil || secret == "" {
		return indus.Principal{}, errToken
	}
	now := s.now()
	s.mu.Lock()
	c, cached := s.tokens[id]
	s.mu.Unlock()
	if !cached || now.Sub(c.checked) >= s.policy.CacheFor {
		t, err := s.st.TokenByID(ctx, id)
		if indus.Code(err) == indus.ENotFound {
			return indus.Principal{}, errToken
		}
		if err != nil {
			return indus.Principal{}, err
		}
		u, err := s.st.UserByID(ctx, t.UserID)
		if err != nil {
			return indus.Principal{}, err
		}
		if u.Disabled && t.RevokedAt == nil {
			t.RevokedAt = &now
		}
		p := u.Principal()
		p.TokenID, p.ReadOnly = t.ID, t.ReadOnly
		c = cachedToken{token: t, principal: p, checked: now}
		s.mu.Lock()
		s.tokens[id] = c
		s.mu.Unlock()
	}
	if digestEqual(c.token.SecretSHA256, digest(secret)) && c.token.RevokedAt == nil && (c.token.ExpiresAt == nil || now.Before(*c.token.ExpiresAt)) {
		return c.principal, nil
	}
	return indus.Principal{}, errToken
}

// The outcomes of audited actions.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// Record appends an entry for the principal in ctx to the audit log.
func (s *Service) Record(ctx context.Context, action, target, outcome, detail string) error {
	return Record(ctx, s.st, action, target, outcome, detail)
}

// Record appends an audit entry for the principal in ctx; callers without a
// Service (the import and evaluation commands) use it directly.
func Record(ctx context.Context, st *store.Store, action, target, outcome, detail string) error {
	p := indus.PrincipalFrom(ctx)
	remote := p.Remote
	if remote == "" {
		remote = "cli"
	}
	user := p.Name
	if p.TokenID > 0 {
		user += " (token " + strconv.FormatInt(p.TokenID, 10) + ")"
	}
	_, err := st.AppendAudit(ctx, store.AuditEntry{At: time.Now(), User: user, Role: string(p.Role), Action: action,
		Target: target, Remote: remote, Outcome: outcome, Detail: detail})
	return err
}

// AdminExists reports whether at least one enabled administrator exists.
func (s *Service) AdminExists(ctx context.Context) (bool, error) {
	n, err := s.st.CountActiveAdmins(ctx)
	return n > 0, err
}

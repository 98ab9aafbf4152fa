package indus

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
)

// Role is what a user is allowed to do; territory (units, park, USCC)
// narrows which enterprises they see.
type Role string

// The roles. Their rights are in Allows and Principal.Scope.
const (
	RoleAdmin      Role = "admin"      // everything, including users and the audit log
	RoleAnalyst    Role = "analyst"    // municipal analyst: all territory, imports, evaluations
	RoleUnit       Role = "unit"       // district/county/zone official: enterprises of their units (or park)
	RoleEnterprise Role = "enterprise" // one enterprise: its own record and anonymised peer comparisons
	RoleViewer     Role = "viewer"     // read-only: the city's aggregate figures, no enterprise rows
)

// Roles lists every role in order of decreasing reach.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleUnit, RoleEnterprise, RoleViewer}

// ParseRole accepts a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Errorf(EInvalid, "unknown role %q: use one of admin, analyst, unit, enterprise, viewer", s)
}

// Action is something a role may or may not do, independent of territory.
type Action string

// The actions checked at the server's door. Territory is checked separately,
// by the scope in every query that returns enterprise rows.
const (
	ActViewAggregates  Action = "view_aggregates"  // overview, clusters, units, tracks, warnings, evaluation summaries
	ActViewEnterprises Action = "view_enterprises" // enterprise rows (lists, profiles), limited by scope
	ActImport          Action = "import"           // upload, accept, undo imports; import history
	ActAdmin           Action = "admin"            // audit log, users
)

// Allows reports whether the role may perform the action at all.
func (r Role) Allows(a Action) bool {
	switch a {
	case ActViewAggregates:
		return r == RoleAdmin || r == RoleAnalyst || r == RoleUnit || r == RoleViewer
	case ActViewEnterprises:
		return r == RoleAdmin || r == RoleAnalyst || r == RoleUnit || r == RoleEnterprise
	case ActImport:
		return r == RoleAdmin || r == RoleAnalyst
	case ActAdmin:
		return r == RoleAdmin
	}
	return false
}

// Principal is who is acting: a signed-in user, a script with a token, or
// the operator at the command line (System).
type Principal struct {
	UserID   int64
	Name     string
	Role     Role
	Units    []string // unit officials: the evaluation units they cover
	Park     string   // unit officials: optionally one park within those units
	USCC     string   // enterprise users: their enterprise
	TokenID  int64    // > 0 when authenticated by an API token
	ReadOnly bool     // a read-only token: no state-changing requests
	Remote   string   // the client address, for the audit log
}

// System is the principal of in-process callers (the command line, which
// already has the database file): all territory.
var System = Principal{Name: "system", Role: RoleAdmin}

// Scope is the set of enterprises a principal may see row by row. The zero
// Scope sees nothing.
type Scope struct {
	All   bool
	Units []string // enterprises whose unit is one of these
	Park  string   // and, when set, whose park is this
	USCC  string   // exactly this enterprise
}

// Scope returns the principal's territory.
func (p Principal) Scope() Scope {
	switch p.Role {
	case RoleAdmin, RoleAnalyst:
		return Scope{All: true}
	case RoleUnit:
		if len(p.Units) == 0 {
			return Scope{}
		}
		return Scope{Units: p.Units, Park: p.Park}
	case RoleEnterprise:
		if p.USCC == "" {
			return Scope{}
		}
		return Scope{USCC: p.USCC}
	}
	return Scope{}
}

// None reports whether the scope admits no enterprise at all.
func (s Scope) None() bool { return !s.All && len(s.Units) == 0 && s.USCC == "" }

// Admits reports whether an enterprise in unit (and park) with this USCC is
// in scope. Queries express the same rule in SQL (store.scopeSQL).
func (s Scope) Admits(uscc, unit, park string) bool {
	switch {
	case s.All:
		return true
	case s.USCC != "":
		return uscc == s.USCC
	case len(s.Units) > 0:
		return slices.Contains(s.Units, unit) && (s.Park == "" || s.Park == park)
	}
	return false
}

// Key identifies the scope for caches: two principals with the same key see
// the same rows.
func (s Scope) Key() string {
	switch {
	case s.All:
		return "all"
	case s.USCC != "":
		return "e:" + s.USCC
	case len(s.Units) > 0:
		u := slices.Clone(s.Units)
		slices.Sort(u)
		return "u:" + strings.Join(u, ",") + "|p:" + s.Park
	}
	return "none"
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries. A context without one
// belongs to an in-process caller (the command line, tests of the
// services) and gets System; the server refuses every request that has not
// been authenticated before any handler runs, so a request context always
// carries the real principal.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return System
}

// ScopeFrom is PrincipalFrom(ctx).Scope().
func ScopeFrom(ctx context.Context) Scope { return PrincipalFrom(ctx).Scope() }

// ErrOutOfScope marks a not-found answer given because the record lies
// outside the caller's territory; the caller sees only "not found", the
// audit log sees the attempt.
var ErrOutOfScope = errors.New("outside the caller's territory")

// AccessNotes collects, during one request, the enterprises whose
// confidential records were read and those the caller tried to reach
// outside its territory; the server writes them to the audit log when the
// request ends. The store notes them where it reads, so no handler can
// forget.
type AccessNotes struct {
	mu     sync.Mutex
	Viewed []string
	Denied []string
}

type notesKey struct{}

// WithAccessNotes returns a context that collects access notes.
func WithAccessNotes(ctx context.Context) (context.Context, *AccessNotes) {
	n := &AccessNotes{}
	return context.WithValue(ctx, notesKey{}, n), n
}

// NoteViewed records that the confidential record of uscc was read.
func NoteViewed(ctx context.Context, uscc string) {
	if n, ok := ctx.Value(notesKey{}).(*AccessNotes); ok {
		n.mu.Lock()
		if !slices.Contains(n.Viewed, uscc) {
			n.Viewed = append(n.Viewed, uscc)
		}
		n.mu.Unlock()
	}
}

// NoteDenied records an attempt to reach uscc outside the caller's scope.
func NoteDenied(ctx context.Context, uscc string) {
	if n, ok := ctx.Value(notesKey{}).(*AccessNotes); ok {
		n.mu.Lock()
		if !slices.Contains(n.Denied, uscc) {
			n.Denied = append(n.Denied, uscc)
		}
		n.mu.Unlock()
	}
}

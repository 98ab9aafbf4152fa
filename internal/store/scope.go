package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Territory is enforced here, in the queries, not in the pages: every query
// that returns enterprise rows adds the caller's scope (indus.ScopeFrom of
// its context) to its WHERE clause, so no route, export or search can
// return a row its caller may not see. Aggregates (rollups, unit sums,
// rankings) are computed over all enterprises and are not filtered: the
// city's figures are visible to every role that sees aggregates.

// scopeSQL returns a predicate admitting the rows of the scope, over a
// table (alias, "" for none) with uscc, unit_code and park columns.
func scopeSQL(sc indus.Scope, alias string) (string, []any) {
	col := func(c string) string {
		if alias == "" {
			return c
		}
		return alias + "." + c
	}
	switch {
	case sc.All:
		return "TRUE", nil
	case sc.USCC != "":
		return col("uscc") + " = ?", []any{sc.USCC}
	case len(sc.Units) > 0:
		args := make([]any, 0, len(sc.Units)+1)
		for _, u := range sc.Units {
			args = append(args, u)
		}
		pred := col("unit_code") + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(sc.Units)), ", ") + ")"
		if sc.Park != "" {
			pred += " AND coalesce(" + col("park") + ", '') = ?"
			args = append(args, sc.Park)
		}
		return "(" + pred + ")", args
	}
	return "FALSE", nil
}

// outOfScope is the error for an enterprise the caller may not see: the
// same not-found message as for one that does not exist (so guessing codes
// reveals nothing), marked with indus.ErrOutOfScope so the server can log
// the attempt.
func outOfScope(uscc string) error {
	return fmt.Errorf("%w%w", noEnterprise(uscc), indus.ErrOutOfScope)
}

// noEnterprise is the not-found error for a USCC.
func noEnterprise(uscc string) *indus.Error {
	return indus.Errorf(indus.ENotFound, "there is no enterprise with USCC %q", uscc)
}

// requireInScope returns nil when the caller may see the enterprise, a
// not-found error when it does not exist and outOfScope when it exists
// outside the caller's territory.
func (s *Store) requireInScope(ctx context.Context, uscc string) error {
	sc := indus.ScopeFrom(ctx)
	if sc.All {
		return nil
	}
	var unit string
	var park sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT unit_code, park FROM enterprises WHERE uscc = ?`, uscc).Scan(&unit, &park)
	if errors.Is(err, sql.ErrNoRows) {
		return noEnterprise(uscc)
	}
	if err != nil {
		return fmt.Errorf("check territory of %s: %w", uscc, err)
	}
	if !sc.Admits(uscc, unit, park.String) {
		indus.NoteDenied(ctx, uscc)
		return outOfScope(uscc)
	}
	return nil
}

// filterInScope keeps the USCCs the caller may see, in their order.
func (s *Store) filterInScope(ctx context.Context, usccs []string) ([]string, error) {
	sc := indus.ScopeFrom(ctx)
	if sc.All || len(usccs) == 0 {
		return usccs, nil
	}
	pred, args := scopeSQL(sc, "")
	rows, err := s.db.QueryContext(ctx, `SELECT uscc FROM enterprises WHERE uscc IN (SELECT unnest(?::VARCHAR[])) AND `+pred, append([]any{usccs}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("check territory: %w", err)
	}
	defer rows.Close()
	in := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		in[u] = true
	}
	out := make([]string, 0, len(in))
	for _, u := range usccs {
		if in[u] {
			out = append(out, u)
		}
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// Territory in the queries: units, a park within a unit, one enterprise,
// nothing; out-of-scope reads look like missing ones and are noted.
func TestScopeInQueries(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	firms := []struct{ uscc, unit, park string }{
		{"A1", "500112", "P1"}, {"A2", "500112", "P2"}, {"A3", "500112", ""}, {"B1", "500103", "P1"}, {"C1", "LJ", ""},
	}
	for _, f := range firms {
		var park any
		if f.park != "" {
			park = f.park
		}
		if _, err := st.DB().Exec(`INSERT INTO enterprises (uscc, name, unit_code, park, above_size, batch_id) VALUES (?, ?, ?, ?, true, 1)`, f.uscc, "firm "+f.uscc, f.unit, park); err != nil {
			t.Fatal(err)
		}
	}
	list := func(sc indus.Principal) []string {
		t.Helper()
		rows, total, err := st.ListEnterprises(indus.WithPrincipal(ctx, sc), EnterpriseListQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.USCC)
		}
		slices.Sort(out)
		if int(total) != len(out) {
			t.Errorf("total %d for %d rows", total, len(out))
		}
		return out
	}
	cases := []struct {
		name string
		p    indus.Principal
		want []string
	}{
		{"analyst", indus.Principal{Role: indus.RoleAnalyst}, []string{"A1", "A2", "A3", "B1", "C1"}},
		{"two units", indus.Principal{Role: indus.RoleUnit, Units: []string{"500112", "LJ"}}, []string{"A1", "A2", "A3", "C1"}},
		{"a park of a unit", indus.Principal{Role: indus.RoleUnit, Units: []string{"500112"}, Park: "P1"}, []string{"A1"}},
		{"enterprise", indus.Principal{Role: indus.RoleEnterprise, USCC: "B1"}, []string{"B1"}},
		{"viewer", indus.Principal{Role: indus.RoleViewer}, nil},
		{"unit official without units", indus.Principal{Role: indus.RoleUnit}, nil},
	}
	for _, c := range cases {
		if got := list(c.p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		for _, f := range firms {
			pctx, notes := indus.WithAccessNotes(indus.WithPrincipal(ctx, c.p))
			_, err := st.EnterpriseByUSCC(pctx, f.uscc)
			in := slices.Contains(c.want, f.uscc)
			switch {
			case in && err != nil:
				t.Errorf("%s: %s: %v", c.name, f.uscc, err)
			case !in && (indus.Code(err) != indus.ENotFound || !errors.Is(err, indus.ErrOutOfScope) || !slices.Equal(notes.Denied, []string{f.uscc})):
				t.Errorf("%s: %s outside the scope: %v, noted %v", c.name, f.uscc, err, notes.Denied)
			}
		}
	}
	// A code that does not exist: not found, not an out-of-scope attempt,
	// and the same message.
	p := indus.WithPrincipal(ctx, indus.Principal{Role: indus.RoleUnit, Units: []string{"LJ"}})
	_, missing := st.EnterpriseByUSCC(p, "ZZ")
	_, outside := st.EnterpriseByUSCC(p, "A1")
	if errors.Is(missing, indus.ErrOutOfScope) || indus.Message(missing) != `there is no enterprise with USCC "ZZ"` || indus.Message(outside) != `there is no enterprise with USCC "A1"` {
		t.Errorf("messages: %q / %q", indus.Message(missing), indus.Message(outside))
	}
}

package server

import (
	"context"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// The peer comparison agrees with a reference worked out here from every
// result of the run, and names no other firm.
func TestEvaluationPeersMatchReference(t *testing.T) {
	f := newMatrixFixture(t)
	ctx := context.Background()
	all, _, err := f.st.EvaluationEnterprises(ctx, 2, store.EnterpriseQuery{Items: true})
	if err != nil {
		t.Fatal(err)
	}
	var me store.EnterpriseResult
	for _, e := range all {
		if e.USCC == f.uscc {
			me = e
		}
	}
	if me.USCC == "" {
		t.Fatal("the fixture firm is not in run 2")
	}
	peers, err := f.st.EvaluationPeers(ctx, 2, f.uscc)
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) == 0 {
		t.Fatal("no peer comparison")
	}
	div := me.IndustryCode[:2]
	for _, p := range peers {
		var mine *float64
		for _, it := range me.Items {
			if it.Indicator == p.Indicator {
				mine = it.Value
			}
		}
		var vals []float64
		for _, e := range all {
			if e.USCC == f.uscc || (p.Division != "" && (len(e.IndustryCode) < 2 || e.IndustryCode[:2] != div)) {
				continue
			}
			for _, it := range e.Items {
				if it.Indicator == p.Indicator && it.Value != nil && it.Missing == "" {
					vals = append(vals, *it.Value)
				}
			}
		}
		if p.Division != "" && p.Division != div {
			t.Errorf("%s: division %s, want %s", p.Indicator, p.Division, div)
		}
		if int64(len(vals)) != p.Peers || p.Peers < store.MinPeers {
			t.Errorf("%s: %d peers, reference %d", p.Indicator, p.Peers, len(vals))
			continue
		}
		sort.Float64s(vals)
		n := len(vals)
		pos := 0.5 * float64(n-1)
		med := vals[int(pos)] + (pos-math.Floor(pos))*(vals[min(int(pos)+1, n-1)]-vals[int(pos)])
		if math.Abs(med-p.Median) > 1e-9*math.Max(1, math.Abs(med)) {
			t.Errorf("%s: median %g, reference %g", p.Indicator, p.Median, med)
		}
		if mine != nil {
			below := 0.0
			for _, v := range vals {
				switch {
				case v < *mine:
					below++
				case v == *mine:
					below += 0.5
				}
			}
			if p.Below == nil || math.Abs(*p.Below-below/float64(n)) > 1e-12 {
				t.Errorf("%s: share below %v, reference %g", p.Indicator, p.Below, below/float64(n))
			}
		}
	}
	// The enterprise user's own page shows the comparison and no other firm.
	_, page := f.do(t, "enterprise", "GET", "/enterprises/"+url.PathEscape(f.uscc)+"?lang=en", nil)
	if !strings.Contains(page, "Peers (anonymised)") || !strings.Contains(page, "among ") {
		t.Errorf("the enterprise page lacks the peer comparison")
	}
	for _, e := range all {
		if e.USCC != f.uscc && strings.Contains(page, e.USCC) {
			t.Fatalf("the enterprise user's page names another firm: %s", e.USCC)
		}
	}
	// Another firm's comparison is as unreachable as its record.
	if _, err := f.st.EvaluationPeers(ctxAs(f, "enterprise"), 2, f.other); err == nil {
		t.Errorf("peer comparison of another firm allowed")
	}
}

// ctxAs is a context carrying the fixture role's principal.
func ctxAs(f *matrixFixture, role string) context.Context {
	p, err := f.acc.Token(context.Background(), f.tokens[role])
	if err != nil {
		panic(err)
	}
	return indus.WithPrincipal(context.Background(), p)
}

// A unit official's filters offer the units of the territory only; an
// analyst's offer all 41.
func TestUnitFilterOffersTheTerritory(t *testing.T) {
	f := newMatrixFixture(t)
	unitChoices := func(role, path string) []string {
		t.Helper()
		resp, body := f.do(t, role, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", role, path, resp.StatusCode)
		}
		sel := regexp.MustCompile(`(?s)<select name="(?:e-)?unit"[^>]*>(.*?)</select>`).FindStringSubmatch(body)
		if sel == nil {
			t.Fatalf("%s %s: no unit filter", role, path)
		}
		var codes []string
		for _, m := range regexp.MustCompile(`<option value="([^"]*)"`).FindAllStringSubmatch(sel[1], -1) {
			if m[1] != "" {
				codes = append(codes, m[1])
			}
		}
		return codes
	}
	for _, path := range []string{"/enterprises", "/evaluation"} {
		if got := unitChoices("unit", path); len(got) != 1 || got[0] != f.unit {
			t.Errorf("unit official on %s is offered %v, want only %s", path, got, f.unit)
		}
		if got := unitChoices("analyst", path); len(got) != 41 {
			t.Errorf("analyst on %s is offered %d units, want 41", path, len(got))
		}
	}
}

package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// dump renders a table's rows (without batch ids) for before/after comparisons.
func dump(t *testing.T, st *Store, table string) string {
	t.Helper()
	rows, err := st.db.Query(fmt.Sprintf("SELECT * EXCLUDE (batch_id) FROM %s ORDER BY ALL", table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		fmt.Fprintln(&b, vals...)
	}
	return b.String()
}

func TestUndoAndRevisions(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1])); err != nil {
		t.Fatal(err)
	}
	afterFirst := dump(t, st, "enterprises")
	changed := enterprise(testUSCC[0])
	changed.LandMu = indus.Float(99)
	changed.Park = "新园区"
	res, err := loadEnterprises(t, st, changed, enterprise(testUSCC[1]), enterprise(testUSCC[2]))
	if err != nil || res.BatchID != 2 || res.Updated != 1 || res.Inserted != 1 {
		t.Fatalf("second load %+v %v", res, err)
	}
	revs, err := st.Revisions(ctx, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 {
		t.Fatalf("revisions %+v", revs)
	}
	byCol := map[string]Revision{}
	for _, r := range revs {
		byCol[r.Column] = r
	}
	if r := byCol["land_mu"]; r.RowKey != testUSCC[0] || *r.Old != "120.5" || *r.New != "99.0" {
		t.Errorf("land revision %+v (%s → %s)", r, *r.Old, *r.New)
	}
	if r := byCol["park"]; r.Old != nil || *r.New != "新园区" {
		t.Errorf("park revision %+v", r)
	}

	if _, err := st.Undo(ctx, 1, "tester"); indus.Code(err) != indus.EConflict || !strings.Contains(err.Error(), "[2]") {
		t.Fatalf("undo of an overwritten batch: %v", err)
	}
	u, err := st.Undo(ctx, 2, "tester")
	if err != nil || u.Deleted != 1 || u.Restored != 1 || u.Batch.UndoneAt == nil || u.Batch.UndoneBy != "tester" {
		t.Fatalf("undo 2: %+v %v", u, err)
	}
	if got := dump(t, st, "enterprises"); got != afterFirst {
		t.Fatalf("undo did not restore the state:\n%s\nwant\n%s", got, afterFirst)
	}
	if revs, _ := st.Revisions(ctx, 2, 0); len(revs) != 2 {
		t.Errorf("an undone batch keeps its revisions, got %d", len(revs))
	}
	if _, err := st.Undo(ctx, 2, "tester"); indus.Code(err) != indus.EConflict {
		t.Errorf("second undo: %v", err)
	}
	if _, err := st.Undo(ctx, 42, "tester"); indus.Code(err) != indus.ENotFound {
		t.Errorf("unknown batch: %v", err)
	}

	// Facts referring to enterprises of batch 1 block its undo.
	l, _ := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
	l.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2023, Revenue: indus.Float(10)})
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Undo(ctx, 1, "tester"); indus.Code(err) != indus.EConflict || !strings.Contains(err.Error(), "batches 3") {
		t.Fatalf("undo with dependent facts: %v", err)
	}
	if _, err := st.Undo(ctx, 3, "tester"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Undo(ctx, 1, "tester"); err != nil {
		t.Fatalf("undo 1 after 3 and 2: %v", err)
	}
	if c, _ := st.Counts(ctx); c.Enterprises != 0 || c.AnnualFacts != 0 {
		t.Fatalf("after undoing everything: %+v", c)
	}
	bs, err := st.Batches(ctx, 10)
	if err != nil || len(bs) != 3 || bs[0].ID != 3 || bs[2].UndoneAt == nil {
		t.Fatalf("batches %+v %v", bs, err)
	}
}

func TestAcceptValidAndDryRun(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0])); err != nil {
		t.Fatal(err)
	}
	l, _ := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
	l.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2023})
	l.AppendAnnual(3, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024})
	l.AppendAnnual(4, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024})
	l.AppendAnnual(5, &indus.AnnualFact{USCC: testUSCC[1], Year: 2024})
	res, probs, err := l.Commit(CommitOptions{AcceptValid: true, DryRun: true})
	if err != nil || !res.DryRun || res.BatchID != 0 || res.Inserted != 1 || res.Rejected != 3 || len(probs) != 3 {
		t.Fatalf("dry run: %+v %+v %v", res, probs, err)
	}
	if probs[0].Row != 3 || probs[1].Row != 4 || probs[2].Row != 5 || probs[2].Column != "uscc" {
		t.Errorf("problems %+v", probs)
	}
	if c, _ := st.Counts(ctx); c.AnnualFacts != 0 {
		t.Fatal("a dry run wrote rows")
	}
}

func TestOriginalsAreKept(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	l, _ := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindEnterprises, FileName: "e.xlsx"})
	e := enterprise(testUSCC[0])
	l.AppendEnterprise(2, e)
	l.AppendOriginal(RowKey(e.USCC, ""), "land_mu", "80,333.5", "m2")
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	var v, unit string
	var batch int64
	if err := st.db.QueryRow(`SELECT batch_id, original_value, original_unit FROM cell_originals WHERE row_key = ? AND column_name = 'land_mu'`, e.USCC).Scan(&batch, &v, &unit); err != nil {
		t.Fatal(err)
	}
	if batch != 1 || v != "80,333.5" || unit != "m2" {
		t.Errorf("original %d %q %q", batch, v, unit)
	}
}

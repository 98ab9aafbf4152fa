package analysis

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	entHeader    = "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n"
	annualHeader = "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility\n"
)

func TestImportCanonicalOrdersAndCounts(t *testing.T) {
	st := newStore(t)
	dir := t.TempDir()
	ann := writeFile(t, dir, "annual.csv", annualHeader+"91350100M000100Y43,2023,10,100,120,30,5,12,50000,,1.5,40,false,false,false,false\n")
	ent := writeFile(t, dir, "ent.csv", entHeader+
		"91350100M000100Y43,甲,500112,,3612,,true,2010-05-01,10,certificate\n"+
		"91350100M000100Y44,乙,500112,,3612,,true,,,\n") // check character fails: a warning, accepted
	res, err := ImportCanonical(context.Background(), st, []string{ann, ent}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Kind != indus.KindEnterprises || res[0].Batch.Inserted != 2 || res[1].Batch.Inserted != 1 {
		t.Fatalf("results %+v", res)
	}
	if len(res[0].Findings) != 1 || res[0].Findings[0].Severity != ingest.SevWarning || res[0].Findings[0].Row != 3 {
		t.Errorf("findings %+v", res[0].Findings)
	}
}

func TestImportWithErrorsChangesNothing(t *testing.T) {
	st := newStore(t)
	dir := t.TempDir()
	ent := writeFile(t, dir, "ent.csv", entHeader+
		"91350100M000100Y43,甲,500112,,3612,,true,,,\n"+
		"91110000600037341L,乙,500112,,9999,,true,,,\n"+
		"914403001922038216,丙,nowhere,,3612,,true,,,\n")
	res, err := ImportCanonical(context.Background(), st, []string{ent}, "tester")
	if err == nil || indus.Code(err) != indus.EInvalid {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "2 row(s) with errors") || !strings.Contains(err.Error(), "ent.csv:3") {
		t.Errorf("message should count errors and name the first row: %v", err)
	}
	// In Chinese too, with the first finding's Chinese message.
	if zh := indus.MessageIn(err, "zh-CN"); !strings.Contains(zh, "2 行有错误") || !strings.Contains(zh, "ent.csv 第 3 行") ||
		len(res) != 1 || len(res[0].Findings) == 0 || !strings.Contains(zh, res[0].Findings[0].MessageZh) {
		t.Errorf("Chinese wording %q", zh)
	}
	if len(res) != 1 || len(res[0].Findings) != 2 || res[0].Findings[1].Column != "unit_code" || res[0].Findings[1].Row != 4 {
		t.Errorf("findings %+v", res)
	}
	if c, _ := st.Counts(context.Background()); c.Enterprises != 0 || c.Batches != 0 {
		t.Fatalf("a rejected file left data: %+v", c)
	}
}

package store

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMigrateIsIdempotent(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	v, err := st.SchemaVersion(ctx)
	if err != nil || v != LatestSchemaVersion() || v < 1 {
		t.Fatalf("version %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v", applied, err)
	}
}

var testUSCC = []string{"91350100M000100Y43", "91110000600037341L", "914403001922038216"}

func enterprise(uscc string) *indus.Enterprise {
	return &indus.Enterprise{USCC: uscc, Name: "测试企业 " + uscc[:4], UnitCode: "500112", IndustryCode: "3612",
		AboveSize: true, Founded: time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), LandMu: indus.Float(120.5), LandSource: indus.LandCertificate}
}

func loadEnterprises(t *testing.T, st *Store, es ...*indus.Enterprise) (BatchResult, error) {
	t.Helper()
	l, err := st.BeginLoad(context.Background(), LoadMeta{Kind: indus.KindEnterprises, FileName: "enterprises.csv", SHA256: "x", User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range es {
		if err := l.AppendEnterprise(i+2, e); err != nil {
			t.Fatal(err)
		}
	}
	res, _, err := l.Commit(CommitOptions{})
	return res, err
}

func TestLoadInsertUpdateUnchanged(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	res, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1]))
	if err != nil {
		t.Fatal(err)
	}
	if res.BatchID != 1 || res.Inserted != 2 || res.Updated != 0 {
		t.Fatalf("first load %+v", res)
	}
	// Same rows again: nothing changes and no batch is recorded.
	res, err = loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1]))
	if err != nil || res.BatchID != 0 || res.Unchanged != 2 {
		t.Fatalf("re-load %+v, %v", res, err)
	}
	// One changed value (land becomes unknown), one new row.
	changed := enterprise(testUSCC[1])
	changed.LandMu = nil
	res, err = loadEnterprises(t, st, enterprise(testUSCC[0]), changed, enterprise(testUSCC[2]))
	if err != nil || res.BatchID != 2 || res.Inserted != 1 || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("third load %+v, %v", res, err)
	}
	c, err := st.Counts(ctx)
	if err != nil || c.Enterprises != 3 || c.Batches != 2 {
		t.Fatalf("counts %+v, %v", c, err)
	}
	var land *float64
	if err := st.db.QueryRowContext(ctx, "SELECT land_mu FROM enterprises WHERE uscc = ?", testUSCC[1]).Scan(&land); err != nil || land != nil {
		t.Fatalf("land after update = %v, %v; want NULL", land, err)
	}
}

func TestLoadRejectsDuplicatesAndChangesNothing(t *testing.T) {
	st := openTemp(t)
	_, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1]), enterprise(testUSCC[0]))
	if err == nil || indus.Code(err) != indus.EInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	if !strings.Contains(err.Error(), testUSCC[0]) || !strings.Contains(err.Error(), "row 2 (") || !strings.Contains(err.Error(), "row 4 (") {
		t.Errorf("message should name the code and rows 2 and 4: %v", err)
	}
	c, _ := st.Counts(context.Background())
	if c.Enterprises != 0 || c.Batches != 0 {
		t.Fatalf("a rejected load left data: %+v", c)
	}
}

func TestFactsNeedTheirEnterprise(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0])); err != nil {
		t.Fatal(err)
	}
	l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
	if err != nil {
		t.Fatal(err)
	}
	l.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2023, Revenue: indus.Float(100)})
	l.AppendAnnual(3, &indus.AnnualFact{USCC: testUSCC[2], Year: 2023, Revenue: indus.Float(50)})
	_, _, err = l.Commit(CommitOptions{})
	if err == nil || !strings.Contains(err.Error(), "row 3 ("+testUSCC[2]+")") {
		t.Fatalf("err = %v, want it to name row 3", err)
	}
	c, _ := st.Counts(ctx)
	if c.AnnualFacts != 0 {
		t.Fatalf("rejected facts were stored: %+v", c)
	}
	l, _ = st.BeginLoad(ctx, LoadMeta{Kind: indus.KindMonthly, FileName: "monthly.csv"})
	for m := 1; m <= 12; m++ {
		l.AppendMonthly(m+1, &indus.MonthlyFact{USCC: testUSCC[0], Month: indus.Month{Year: 2024, Month: time.Month(m)}, OutputValue: indus.Float(float64(m))})
	}
	res, _, err := l.Commit(CommitOptions{})
	if err != nil || res.Inserted != 12 {
		t.Fatalf("monthly %+v, %v", res, err)
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	st := openTemp(t)
	l, err := st.BeginLoad(context.Background(), LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv"})
	if err != nil {
		t.Fatal(err)
	}
	l.AppendEnterprise(2, enterprise(testUSCC[0]))
	if err := l.Rollback(); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.Counts(context.Background()); c.Enterprises != 0 {
		t.Fatalf("rolled-back rows are visible: %+v", c)
	}
}

func TestOpenErrorsAreClear(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "postgres://localhost/x"); err == nil || indus.Code(err) != indus.EInvalid {
		t.Errorf("postgres DSN: %v", err)
	}
	if os.Geteuid() != 0 { // root can write anywhere
		dir := t.TempDir()
		os.Chmod(dir, 0o500)
		defer os.Chmod(dir, 0o700)
		_, err := Open(ctx, filepath.Join(dir, "x.duckdb"))
		if err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("read-only dir: %v", err)
		}
	}
	_, err := Open(ctx, "/proc/indus/x.duckdb")
	if err == nil || !strings.Contains(err.Error(), "cannot create the database directory") {
		t.Errorf("impossible dir: %v", err)
	}
}

// TestLockedByAnotherProcess holds the database in a child process (this
// test binary re-executed) and checks that opening it here says so clearly.
func TestLockedByAnotherProcess(t *testing.T) {
	if path := os.Getenv("INDUS_TEST_HOLD_DB"); path != "" {
		st, err := Open(context.Background(), path)
		if err != nil {
			os.Exit(3)
		}
		st.Migrate(context.Background())
		os.Stdout.WriteString("ready\n")
		time.Sleep(30 * time.Second)
		st.Close()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockedByAnotherProcess$")
	cmd.Env = append(os.Environ(), "INDUS_TEST_HOLD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("child did not open the database: %q %v", buf, err)
	}
	_, err = Open(context.Background(), path)
	if err == nil {
		t.Fatal("opening a database held by another process succeeded")
	}
	if indus.Code(err) != indus.EConflict || !strings.Contains(err.Error(), "in use by another process (PID") {
		t.Fatalf("unclear lock error: %v", err)
	}
}

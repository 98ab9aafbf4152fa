package store

import (
	"context"
	"fmt"
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

// keyCounts returns, per fact table, its rows and its distinct keys.
func keyCounts(t *testing.T, st *Store) map[string][2]int64 {
	t.Helper()
	out := map[string][2]int64{}
	for table, key := range map[string]string{"annual_facts": "uscc, year", "monthly_facts": "uscc, month", "enterprises": "uscc"} {
		var rows, keys int64
		if err := st.db.QueryRow(fmt.Sprintf(`SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT %s FROM %s)) FROM %s`, key, table, table)).Scan(&rows, &keys); err != nil {
			t.Fatal(err)
		}
		out[table] = [2]int64{rows, keys}
	}
	return out
}

// The fact tables have no key index (migration 0006): every way of
// writing them must still store each key once.
func TestFactKeysStayUnique(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1]), enterprise(testUSCC[2])); err != nil {
		t.Fatal(err)
	}
	loadAnnual := func(keysUnique bool, facts ...indus.AnnualFact) BatchResult {
		t.Helper()
		l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range facts {
			if err := l.AppendAnnual(i+2, &facts[i]); err != nil {
				t.Fatal(err)
			}
		}
		res, _, err := l.Commit(CommitOptions{})
		if err != nil && keysUnique {
			t.Fatal(err)
		}
		return res
	}
	loadMonthly := func(facts ...indus.MonthlyFact) BatchResult {
		t.Helper()
		l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindMonthly, FileName: "monthly.csv"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range facts {
			if err := l.AppendMonthly(i+2, &facts[i]); err != nil {
				t.Fatal(err)
			}
		}
		res, _, err := l.Commit(CommitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fact := func(u, year int, revenue float64) indus.AnnualFact {
		return indus.AnnualFact{USCC: testUSCC[u], Year: year, Revenue: indus.Float(revenue)}
	}
	month := func(u, m int, output float64) indus.MonthlyFact {
		return indus.MonthlyFact{USCC: testUSCC[u], Month: indus.Month{Year: 2024, Month: time.Month(m)}, OutputValue: indus.Float(output)}
	}
	want := func(step string, annual, monthly int64) {
		t.Helper()
		c := keyCounts(t, st)
		for table, n := range map[string]int64{"annual_facts": annual, "monthly_facts": monthly, "enterprises": 3} {
			if c[table] != [2]int64{n, n} {
				t.Fatalf("%s: %s has %d rows and %d keys, want %d of each", step, table, c[table][0], c[table][1], n)
			}
		}
	}
	first := loadAnnual(true, fact(0, 2023, 10), fact(0, 2024, 11), fact(1, 2024, 20))
	want("first import", 3, 0)
	loadAnnual(true, fact(0, 2023, 10), fact(0, 2024, 11), fact(1, 2024, 20))
	want("the same file again", 3, 0)
	changed := loadAnnual(true, fact(0, 2024, 12), fact(1, 2024, 20), fact(2, 2024, 30), fact(1, 2025, 21))
	if changed.Inserted != 2 || changed.Updated != 1 || changed.Unchanged != 1 {
		t.Fatalf("changed file: %+v", changed)
	}
	want("a file with changed, same and new rows", 5, 0)
	if res := loadAnnual(false, fact(2, 2025, 1), fact(2, 2025, 2)); res.BatchID != 0 {
		t.Fatalf("a file repeating a key was stored: %+v", res)
	}
	want("a file repeating a key", 5, 0)
	loadMonthly(month(0, 1, 1), month(0, 2, 2), month(1, 1, 3))
	loadMonthly(month(0, 2, 5), month(1, 1, 3), month(2, 3, 4))
	want("two monthly files", 5, 4)
	if _, err := st.Undo(ctx, changed.BatchID, "tester"); err != nil {
		t.Fatal(err)
	}
	want("undoing the changed file", 3, 4)
	if _, err := st.Undo(ctx, first.BatchID, "tester"); err != nil {
		t.Fatal(err)
	}
	want("undoing the first file", 0, 4)
}

// Migration 0006 rebuilds the fact tables without their key index and
// keeps every row and every NOT NULL rule.
func TestMigrationDropsFactKeyIndexKeepingRows(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "old.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.migrateTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO enterprises (uscc, name, unit_code, industry_code, above_size, batch_id) VALUES ('` + testUSCC[0] + `', 'x', '500112', '3612', true, 1)`,
		`INSERT INTO annual_facts (uscc, year, revenue, safety_accident, env_violation, under_construction, utility, batch_id, above_size)
		 VALUES ('` + testUSCC[0] + `', 2024, 1.5, false, true, false, false, 1, true), ('` + testUSCC[0] + `', 2023, NULL, false, false, false, false, 1, NULL)`,
		`INSERT INTO monthly_facts (uscc, month, output_value, batch_id) VALUES ('` + testUSCC[0] + `', DATE '2024-03-01', 7, 1)`,
	} {
		if _, err := st.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	before := dump(t, st, "annual_facts") + dump(t, st, "monthly_facts")
	if applied, err := st.Migrate(ctx); err != nil || len(applied) != LatestSchemaVersion()-5 {
		t.Fatalf("migrate from 5: %v, %v", applied, err)
	}
	if after := dump(t, st, "annual_facts") + dump(t, st, "monthly_facts"); after != before {
		t.Fatalf("rows changed:\n%s\nwant\n%s", after, before)
	}
	var keys int
	if err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_constraints()
		WHERE table_name IN ('annual_facts', 'monthly_facts') AND constraint_type = 'PRIMARY KEY'`).Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("primary keys left: %d, %v", keys, err)
	}
	if _, err := st.db.ExecContext(ctx, `INSERT INTO annual_facts (uscc, year, safety_accident, env_violation, under_construction, utility, batch_id)
		VALUES (NULL, 2024, false, false, false, false, 1)`); err == nil {
		t.Fatal("annual_facts accepts a NULL uscc after the migration")
	}
}

// A request's context reads the stamp once and answers the same after,
// even across an import; a context without asks the database each time.
func TestDataStampOncePerRequest(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	request := WithDataStampOnce(ctx)
	before, err := st.DataStamp(request)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0])); err != nil {
		t.Fatal(err)
	}
	after, err := st.DataStamp(ctx)
	if err != nil || after.Key() == before.Key() {
		t.Fatalf("an import must change the stamp: %v → %v (%v)", before.Key(), after.Key(), err)
	}
	if got, err := st.DataStamp(request); err != nil || got.Key() != before.Key() {
		t.Fatalf("the request's stamp was not kept: %v (%v)", got.Key(), err)
	}
	if got, err := st.DataStamp(WithDataStampOnce(ctx)); err != nil || got.Key() != after.Key() {
		t.Fatalf("a new request must read the new stamp: %v (%v)", got.Key(), err)
	}
}

// The stamp is kept in memory between writes: every write path that
// changes it clears it at once, so the next read sees the change.
func TestDataStampFollowsEveryWrite(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	last, err := st.DataStamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	changed := func(step string) {
		t.Helper()
		d, err := st.DataStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Key() == last.Key() {
			t.Fatalf("%s: the stamp did not change (%s)", step, d.Key())
		}
		last = d
	}
	res, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1]), enterprise(testUSCC[2]))
	if err != nil {
		t.Fatal(err)
	}
	changed("import")
	saveTestRun(t, st, "s1", map[string]string{testUSCC[0]: "A"})
	changed("evaluation run")
	if _, err := st.ReplaceMemberships(ctx, AssignmentMeta{SystemID: "sys", SystemVersion: "1", User: "t"}, func(add func(MembershipRow) error) error {
		return add(MembershipRow{USCC: testUSCC[0], ClusterID: "c1", Primary: true, Source: MembershipByRule, Rule: "code 3612"})
	}); err != nil {
		t.Fatal(err)
	}
	changed("cluster assignment")
	if _, err := st.SaveOverride(ctx, Override{SystemID: "sys", USCC: testUSCC[1], ClusterID: "c1", Action: OverrideAdd, Reason: "test", Author: "t"}, nil); err != nil {
		t.Fatal(err)
	}
	changed("override")
	if _, err := st.SaveOverride(ctx, Override{SystemID: "sys", USCC: testUSCC[1], ClusterID: "c1", Author: "t"}, nil); err != nil {
		t.Fatal(err)
	}
	changed("override cleared")
	if _, err := st.Undo(ctx, res.BatchID, "t"); err != nil {
		t.Fatal(err)
	}
	changed("undo")
}

package analysis

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// writeBenchFiles writes n enterprises and n×years annual rows in the
// canonical format, with valid USCCs.
func writeBenchFiles(b *testing.B, dir string, n, years int) (ents, annual string) {
	b.Helper()
	ents, annual = filepath.Join(dir, "enterprises.csv"), filepath.Join(dir, "annual.csv")
	fe, _ := os.Create(ents)
	fa, _ := os.Create(annual)
	we, wa := bufio.NewWriterSize(fe, 1<<20), bufio.NewWriterSize(fa, 1<<20)
	fmt.Fprintln(we, "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source")
	fmt.Fprintln(wa, "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility")
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("91500112MA%07d", i)
		c, err := indus.USCCCheckChar(body)
		if err != nil {
			b.Fatal(err)
		}
		uscc := body + string(c)
		fmt.Fprintf(we, "%s,企业%d,500112,,3612,,true,2010-01-01,%d.5,certificate\n", uscc, i, 10+i%500)
		for y := 0; y < years; y++ {
			fmt.Fprintf(wa, "%s,%d,%d.5,%d.25,%d.5,%d.75,%d.1,%d.2,%d,%d.3,%d.4,%d,false,false,false,false\n",
				uscc, 2015+y, 10+i%500, 1000+i%7000, 1200+i%9000, 300+i%2000, 50+i%300, 80+i%600, 100000+i, i%50, i%90, 10+i%400)
		}
	}
	we.Flush()
	wa.Flush()
	fe.Close()
	fa.Close()
	return ents, annual
}

// BenchmarkImportAnnualMillion imports 1,000,000 annual rows (validated,
// checked and stored, with the memory bound `indus import` sets by
// default; INDUS_IMPORT_MEMORY=off lifts it) and, in the same run, has
// DuckDB load the same file with its own read_csv and no validation, each
// at its best of two, in fresh databases:
//   - into annual_facts in the database file, as the import stores it
//     (duckdb_load_rows/s; "ratio" is the import's time over this one);
//   - into a temporary table in memory, nothing compressed or written
//     (duckdb_temp_rows/s, ratio_temp).
//
// Run: go test -run '^$' -bench ImportAnnualMillion -benchtime 1x ./internal/analysis/
func BenchmarkImportAnnualMillion(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	ents, annual := writeBenchFiles(b, dir, 100000, 10)
	for i := 0; i < b.N; i++ {
		st, err := store.Open(ctx, filepath.Join(dir, fmt.Sprintf("b%d.duckdb", i)))
		if err != nil {
			b.Fatal(err)
		}
		st.Migrate(ctx)
		if _, err := ImportFiles(ctx, st, []string{ents}, ImportOptions{User: "bench"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		// As `indus import` does by default: the load's memory bounded.
		res, err := ImportFiles(ctx, st, []string{annual}, ImportOptions{User: "bench", BoundMemory: os.Getenv("INDUS_IMPORT_MEMORY") != "off"})
		if err != nil {
			b.Fatal(err)
		}
		indusSecs := time.Since(start).Seconds()
		b.StopTimer()
		rows := res[0].Batch.Inserted
		st.Close()
		loadSecs, tempSecs := math.Inf(1), math.Inf(1)
		for r := range 2 {
			bare, err := store.Open(ctx, filepath.Join(dir, fmt.Sprintf("bare%d-%d.duckdb", i, r)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bare.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			start = time.Now()
			n, err := bare.BareLoadCSV(ctx, indus.KindAnnual, annual)
			loadSecs = min(loadSecs, time.Since(start).Seconds())
			if err != nil || n != rows {
				b.Fatalf("read_csv into annual_facts: %d rows, %v; indus %d", n, err, rows)
			}
			start = time.Now()
			n, err = bare.BareReadCSV(ctx, annual)
			tempSecs = min(tempSecs, time.Since(start).Seconds())
			if err != nil || n != rows {
				b.Fatalf("read_csv into a temporary table: %d rows, %v; indus %d", n, err, rows)
			}
			bare.Close()
		}
		b.ReportMetric(float64(rows)/indusSecs, "indus_rows/s")
		b.ReportMetric(float64(rows)/loadSecs, "duckdb_load_rows/s")
		b.ReportMetric(float64(rows)/tempSecs, "duckdb_temp_rows/s")
		b.ReportMetric(indusSecs/loadSecs, "ratio")
		b.ReportMetric(indusSecs/tempSecs, "ratio_temp")
	}
}

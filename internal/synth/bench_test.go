package synth

import (
	"context"
	"os"
	"testing"
)

// BenchmarkGenerateCity measures Generate at city scale (≈25,700
// enterprises, 157k annual and 600k monthly rows), files included.
func BenchmarkGenerateCity(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(context.Background(), Config{Seed: 1}, dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateNational measures Generate at national scale (≈1 M
// enterprises, 6.3 M annual and 24 M monthly rows, ≈2.3 GB of CSV). It runs
// only with INDUS_BENCH_NATIONAL=1 (it takes tens of seconds and needs the
// disk space); INDUS_BENCH_DIR chooses where to write. Peak memory: run the
// test binary under /usr/bin/time -v, e.g.
//
//	go test -c -o synth.test ./internal/synth
//	INDUS_BENCH_NATIONAL=1 /usr/bin/time -v ./synth.test -test.run '^$' -test.bench National -test.benchtime 1x
func BenchmarkGenerateNational(b *testing.B) {
	if os.Getenv("INDUS_BENCH_NATIONAL") == "" {
		b.Skip("set INDUS_BENCH_NATIONAL=1 to run")
	}
	dir := os.Getenv("INDUS_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	for b.Loop() {
		m, err := Generate(context.Background(), Config{Seed: 1, Scale: ScaleNational}, dir)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Counts.Enterprises), "enterprises")
		b.ReportMetric(float64(m.Counts.AnnualRows+m.Counts.MonthlyRows), "rows")
	}
}

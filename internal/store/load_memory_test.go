package store

import (
	"context"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"18.5 GiB": 37 << 29, "512.0 MiB": 512 << 20, "100 MB": 100e6,
		"1 KiB": 1024, "7 bytes": 7, "": 0, "x GiB": 0, "12": 0, "-1 MiB": 0} {
		if got := parseByteSize(in); got != want {
			t.Errorf("parseByteSize(%q) = %d, want %d", in, got, want)
		}
	}
}

// The bound holds the keyed table's index for the stored rows and the
// file's, plus a margin; it grows with both and has a floor.
func TestLoadMemoryBound(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	small, err := st.LoadMemoryBound(ctx, indus.KindAnnual, 10)
	if want := int64(max(loadWorkMemory+loadIndexKeyBytes*10, minLoadMemoryBound)); err != nil || small != want {
		t.Fatalf("a small file: %d, %v; want %d", small, err, want)
	}
	big, _ := st.LoadMemoryBound(ctx, indus.KindAnnual, 10_000_000)
	if big != loadWorkMemory+loadIndexKeyBytes*10_000_000 {
		t.Errorf("10 M rows: %d", big)
	}
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1])); err != nil {
		t.Fatal(err)
	}
	withStored, _ := st.LoadMemoryBound(ctx, indus.KindEnterprises, 10_000_000)
	if withStored != big+2*loadIndexKeyBytes {
		t.Errorf("stored rows count: %d, want %d", withStored, big+2*loadIndexKeyBytes)
	}
	if _, err := st.LoadMemoryBound(ctx, "nonsense", 1); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestMemoryLimitSetAndRestore(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	prev, prevBytes, err := st.MemoryLimit(ctx)
	if err != nil || prevBytes <= 0 {
		t.Fatalf("limit %q (%d), %v", prev, prevBytes, err)
	}
	if err := st.SetMemoryLimitBytes(ctx, 200<<20+1); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := st.MemoryLimit(ctx); n < 200<<20 || n > 202<<20 {
		t.Errorf("set 200 MiB + 1 byte, DuckDB says %d", n)
	}
	if err := st.RestoreMemoryLimit(ctx, prev); err != nil {
		t.Fatal(err)
	}
	if text, n, _ := st.MemoryLimit(ctx); text != prev || n != prevBytes {
		t.Errorf("restored %q, want %q", text, prev)
	}
	// A limit that is not DuckDB's default comes back too (to the text's
	// precision).
	st.SetMemoryLimitBytes(ctx, 300<<20)
	text, _, _ := st.MemoryLimit(ctx)
	st.SetMemoryLimitBytes(ctx, 100<<20)
	if err := st.RestoreMemoryLimit(ctx, text); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := st.MemoryLimit(ctx); again != text {
		t.Errorf("restored %q, want %q", again, text)
	}
	if err := st.RestoreMemoryLimit(ctx, "lots"); err == nil {
		t.Error("a limit that is no size accepted")
	}
}

// mapIndex is a caller's row index (LoadMeta.Rows).
type mapIndex map[string]int

func (m mapIndex) SourceRow(key string) (int, bool) { row, ok := m[key]; return row, ok }

// A load given the caller's row index (whose caller has rejected repeated
// keys) and staging no originals commits the same as one keeping its own
// index, and reports rows through the caller's index.
func TestLoadWithCallersRowIndex(t *testing.T) {
	ctx := context.Background()
	var facts []string
	for _, unique := range []bool{false, true} {
		st := openTemp(t)
		if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1])); err != nil {
			t.Fatal(err)
		}
		meta := LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv", SHA256: "y", User: "t"}
		if unique {
			meta.Rows = mapIndex{}
		}
		l, err := st.BeginLoad(ctx, meta)
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range testUSCC[:2] {
			for y := 2020; y < 2023; y++ {
				if err := l.AppendAnnual(i*3+y-2018, &indus.AnnualFact{USCC: u, Year: y, Revenue: indus.Float(float64(100 + y))}); err != nil {
					t.Fatal(err)
				}
			}
		}
		res, problems, err := l.Commit(CommitOptions{})
		if err != nil || len(problems) != 0 || res.Inserted != 6 || res.BatchID != 2 {
			t.Fatalf("unique=%v: %+v %v %v", unique, res, problems, err)
		}
		var originals int
		st.db.QueryRowContext(ctx, "SELECT count(*) FROM cell_originals").Scan(&originals)
		facts = append(facts, dump(t, st, "annual_facts"))
		if originals != 0 {
			t.Errorf("unique=%v: %d originals", unique, originals)
		}
	}
	if facts[0] != facts[1] || facts[0] == "" {
		t.Errorf("the caller's index changed what is stored:\n%s\n%s", facts[0], facts[1])
	}
	// Problems found at commit name the rows the caller's index gives.
	st := openTemp(t)
	loadEnterprises(t, st, enterprise(testUSCC[0]))
	l, _ := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv", Rows: mapIndex{testUSCC[1] + "|2024": 41}})
	l.AppendAnnual(7, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024})
	l.AppendAnnual(9, &indus.AnnualFact{USCC: testUSCC[1], Year: 2024})
	if _, problems, err := l.Commit(CommitOptions{AcceptValid: true}); err != nil || len(problems) != 1 || problems[0].Row != 41 {
		t.Errorf("unknown enterprise through the caller's index: %+v %v", problems, err)
	}
	// Without the caller's index a repeated key is found at commit.
	st = openTemp(t)
	loadEnterprises(t, st, enterprise(testUSCC[0]))
	l, _ = st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
	for row := 2; row < 4; row++ {
		l.AppendAnnual(row, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024})
	}
	if _, problems, err := l.Commit(CommitOptions{}); err == nil || len(problems) != 2 {
		t.Errorf("duplicate key: %v %v", problems, err)
	}
}

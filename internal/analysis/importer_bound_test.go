package analysis

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// An import with its memory bounded (the CLI's default) gives the same
// batches and findings as one without, and leaves DuckDB's and Go's
// limits as they were.
func TestImportBoundMemory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var ents, annual strings.Builder
	ents.WriteString(entHeader)
	annual.WriteString(annualHeader)
	for i := 0; i < 3000; i++ {
		body := fmt.Sprintf("91500112MA%07d", i)
		c, _ := indus.USCCCheckChar(body)
		uscc := body + string(c)
		fmt.Fprintf(&ents, "%s,企业%d,500112,,3612,,true,2010-01-01,%d.5,certificate\n", uscc, i, 10+i%50)
		for y := 2019; y < 2024; y++ {
			land := fmt.Sprint(10 + i%50)
			if i%500 == 7 && y == 2021 {
				land = `"1,234"` // normalised: an original is kept
			}
			fmt.Fprintf(&annual, "%s,%d,%s,%d,%d,%d,%d,,,,,%d,false,false,false,false\n", uscc, y, land, 100+i, 120+i, 30+i%20, 5, 10+i%30)
		}
	}
	// An enterprise that does not exist: dropped at commit with AcceptValid.
	annual.WriteString("91350100M000100Y43,2023,1,1,1,1,1,,,,,1,false,false,false,false\n")
	files := []string{writeFile(t, dir, "enterprises.csv", ents.String()), writeFile(t, dir, "annual.csv", annual.String())}
	var got [2][]FileImport
	for i, bound := range []bool{false, true} {
		st := newStore(t)
		dbBefore, _, _ := st.MemoryLimit(ctx)
		goBefore := debug.SetMemoryLimit(-1)
		res, err := ImportFiles(ctx, st, files, ImportOptions{User: "t", AcceptValid: true, BoundMemory: bound})
		if err != nil {
			t.Fatal(err)
		}
		if dbAfter, _, _ := st.MemoryLimit(ctx); dbAfter != dbBefore {
			t.Errorf("bound=%v: DuckDB's limit %q after the import, %q before", bound, dbAfter, dbBefore)
		}
		if goAfter := debug.SetMemoryLimit(-1); goAfter != goBefore {
			t.Errorf("bound=%v: Go's limit %d after the import, %d before", bound, goAfter, goBefore)
		}
		for j := range res {
			res[j].Batch.BatchID = 0
		}
		got[i] = res
	}
	if !reflect.DeepEqual(got[0], got[1]) {
		t.Errorf("bounded import differs:\n%+v\n%+v", got[0], got[1])
	}
	if a := got[1][1]; a.Batch.Inserted != 15000 || a.Batch.Rejected != 1 || a.Errors != 1 {
		t.Errorf("annual: %+v, %d errors", a.Batch, a.Errors)
	}
}

func TestEstimateRows(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "row %d,some,values\n", i)
	}
	p := writeFile(t, dir, "f.csv", b.String())
	if n := estimateRows(p, int64(b.Len())); n < 100000 || n > 130000 {
		t.Errorf("estimate %d for 100,000 rows", n)
	}
	if n := estimateRows(filepath.Join(dir, "missing"), 1600); n != 100 {
		t.Errorf("missing file: %d", n)
	}
	x := writeFile(t, dir, "w.xlsx", "PK\x03\x04"+strings.Repeat("z", 1596))
	if n := estimateRows(x, 1600); n != 100 {
		t.Errorf("workbook: %d", n)
	}
}

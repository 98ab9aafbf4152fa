package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestImportUndoExportRoundTrip checks, through the binary, that an export
// imports back unchanged, that undo restores a byte-identical export, and
// the --check, --accept-valid and --report options.
func TestImportUndoExportRoundTrip(t *testing.T) {
	bin := buildIndus(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := filepath.Join(dir, "indus.duckdb")
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, bin, args...)
		if code != 0 {
			t.Fatalf("indus %v: %d\n%s\n%s", args, code, out, errOut)
		}
		return out
	}
	must("gen", "--out", data, "--from", "2024", "--to", "2025")
	must("import", "--db", db, "--quiet", filepath.Join(data, "enterprises.csv"), filepath.Join(data, "annual.csv"))
	export := func(name string, extra ...string) []byte {
		p := filepath.Join(dir, name)
		must(append([]string{"export", "--db", db, "--table", "enterprises", "--out", p}, extra...)...)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A formula-like name is kept as data and survives the round trip.
	hostile := filepath.Join(dir, "hostile.csv")
	os.WriteFile(hostile, []byte("uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n"+
		"91350100M000100Y43,\"=HYPERLINK(\"\"http://x\"\")\",500112,@园区,3612,-生产,true,2010-05-01,12,certificate\n"), 0o644)
	if out, errOut, code := run(t, bin, "import", "--db", db, hostile); code != 0 || !strings.Contains(errOut, "formula") {
		t.Fatalf("hostile import: %d\n%s\n%s", code, out, errOut)
	}
	first := export("e1.csv", "--lang", "en")
	// Every export (English or Chinese headers, CSV or XLSX, every table)
	// imports back unchanged.
	if out := must("import", "--db", db, filepath.Join(dir, "e1.csv")); !strings.Contains(out, "nothing changed") {
		t.Fatalf("round trip changed data:\n%s", out)
	}
	for _, table := range []string{"enterprises", "annual"} {
		for _, name := range []string{table + "_zh.csv", table + "_zh.xlsx"} {
			p := filepath.Join(dir, name)
			must("export", "--db", db, "--table", table, "--lang", "zh", "--out", p)
			if out := must("import", "--db", db, p); !strings.Contains(out, "nothing changed") || strings.Contains(out, " 0 rows read") {
				t.Fatalf("round trip of %s changed data:\n%s", name, out)
			}
		}
	}

	// Change one enterprise's land and park, add a hostile name.
	lines := strings.Split(string(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))), "\n")
	fields := strings.Split(lines[1], ",")
	fields[3] = "新园区"
	fields[8] = "77.5"
	lines[1] = strings.Join(fields, ",")
	edited := filepath.Join(dir, "edited.csv")
	os.WriteFile(edited, []byte(strings.Join(lines, "\n")), 0o644)

	out := must("import", "--db", db, "--check", edited)
	if !strings.Contains(out, "would insert 0, update 1") || !strings.Contains(out, "nothing changed") {
		t.Fatalf("--check:\n%s", out)
	}
	if again := export("e_check.csv", "--lang", "en"); !bytes.Equal(again, first) {
		t.Fatal("--check changed the data")
	}
	out = must("import", "--db", db, edited)
	if !strings.Contains(out, "batch 4") || !strings.Contains(out, "1 updated") {
		t.Fatalf("edited import:\n%s", out)
	}
	revs := must("import", "revisions", "--db", db, "4")
	if !strings.Contains(revs, "land_mu") || !strings.Contains(revs, "77.5") || !strings.Contains(revs, "新园区") {
		t.Fatalf("revisions:\n%s", revs)
	}
	if changed := export("e2.csv", "--lang", "en"); bytes.Equal(changed, first) {
		t.Fatal("the edit is not visible in the export")
	}
	must("import", "undo", "--db", db, "4")
	if restored := export("e3.csv", "--lang", "en"); !bytes.Equal(restored, first) {
		t.Fatal("undo did not restore a byte-identical export")
	}
	if hist := must("import", "history", "--db", db); !strings.Contains(hist, "undone") {
		t.Fatalf("history does not show the undo:\n%s", hist)
	}
	// Imports, the undo and the exports are in the audit log, and its chain holds.
	for action, want := range map[string]string{"import": "batch=4", "undo": "batch 4", "export": "rows="} {
		if out := must("audit", "--db", db, "--action", action); !strings.Contains(out, want) {
			t.Errorf("audit --action %s lacks %q:\n%s", action, want, out)
		}
	}
	if out := must("audit", "--db", db, "--verify"); !strings.Contains(out, "audit chain OK") {
		t.Errorf("audit --verify: %s", out)
	}

	// A file with one bad row: rejected whole by default, valid rows with --accept-valid.
	bad := filepath.Join(dir, "bad_annual.csv")
	ann, _ := os.ReadFile(filepath.Join(data, "annual.csv"))
	annLines := strings.Split(string(ann), "\n")
	f := strings.Split(annLines[1], ",")
	f[6] = "-5" // negative tax
	annLines[1] = strings.Join(f, ",")
	f2 := strings.Split(annLines[2], ",")
	f2[3] = "=1+2" // a formula in a number column
	annLines[2] = strings.Join(f2, ",")
	os.WriteFile(bad, []byte(strings.Join(annLines[:50], "\n")+"\n"), 0o644)
	report := filepath.Join(dir, "report.xlsx")
	_, errOut, code := run(t, bin, "import", "--db", db, "--report", report, bad)
	if code != 1 || !strings.Contains(errOut, "bad_annual.csv:2") || !strings.Contains(errOut, "nothing was imported") {
		t.Fatalf("bad file: %d\n%s", code, errOut)
	}
	book, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := book.GetRows(book.GetSheetList()[0])
	book.Close()
	if len(rows) != 3 || rows[1][1] != "2" || rows[1][2] != "tax" || rows[2][2] != "revenue" || !strings.HasPrefix(rows[2][3], "'=") {
		t.Fatalf("report rows %q", rows)
	}
	out = must("import", "--db", db, "--accept-valid", bad)
	if !strings.Contains(out, "2 rejected") {
		t.Fatalf("--accept-valid:\n%s", out)
	}
}

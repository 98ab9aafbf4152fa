package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/synth"
)

func runEvaluate(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Getenv: func(k string) string {
		if k == "INDUS_USER" {
			return "tester"
		}
		return ""
	}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err := newEvaluateCommand().Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func TestEvaluateSchemesAndValidate(t *testing.T) {
	out, _, err := runEvaluate(t, "schemes")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"zhejiang-2018", "below-size", "chongqing-2023"} {
		if !strings.Contains(out, id) {
			t.Errorf("schemes lists no %s:\n%s", id, out)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	src, err := os.ReadFile("../refdata/data/schemes/below-size.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(good, src, 0o644)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(src, []byte("den: land_mu"), []byte("den: land"), 1), 0o644)
	out, _, err = runEvaluate(t, "validate", good, bad)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 file(s) have errors") {
		t.Errorf("validate: %v", err)
	}
	if !strings.Contains(out, good+": ok: below-size") || !strings.Contains(out, bad+":24:10: error: den \"land\" is not an annual fact") {
		t.Errorf("validate output:\n%s", out)
	}
	// A user file is accepted by evaluate itself, errors located.
	_, stderr, err := runEvaluate(t, "--scheme", bad, "--year", "2023", "--data", dir)
	if err == nil || !strings.Contains(stderr, "bad.yaml:24:10") {
		t.Errorf("bad scheme file: %v / %s", err, stderr)
	}
	for _, args := range [][]string{
		{"--scheme", "zhejiang-2018"},
		{"--scheme", "nowhere", "--year", "2023"},
		{"--scheme", "zhejiang-2018", "--year", "2023", "--level", "country"},
		{"show", "x"},
	} {
		if _, _, err := runEvaluate(t, args...); indus.Code(err) != indus.EInvalid {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestEvaluateCommandOnSyntheticCity runs the whole command line on the
// synthetic city: a recorded run with class probabilities, list, show at
// every level, a second identical run, compare, and the files directly.
func TestEvaluateCommandOnSyntheticCity(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports the synthetic city")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := synth.Generate(ctx, synth.Config{Seed: 1}, dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "e.duckdb")
	env := &Env{Getenv: func(string) string { return "" }, Stdout: io.Discard, Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	st, err := openStore(ctx, env, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.ImportFiles(ctx, st, []string{filepath.Join(dir, "enterprises.csv"), filepath.Join(dir, "annual.csv")}, analysis.ImportOptions{User: "t"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out1 := filepath.Join(t.TempDir(), "run1.csv")
	out, _, err := runEvaluate(t, "--db", db, "--scheme", "zhejiang-2018", "--year", "2023", "--uncertainty", "100", "--seed", "9", "--out", out1)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	// The run is in the audit log.
	if st, err := openStore(ctx, env, db); err != nil {
		t.Fatal(err)
	} else {
		entries, _, err := st.Audit(ctx, store.AuditQuery{Action: "evaluation"})
		st.Close()
		if err != nil || len(entries) != 1 || entries[0].Target != "run 1" || entries[0].Detail != "scheme=zhejiang-2018 year=2023" {
			t.Errorf("audit entries of the run: %+v %v", entries, err)
		}
	}
	for _, want := range []string{"run 1: zhejiang-2018", "enterprises in scope: A ", " rated; U ", "unrated:newly_above_size",
		"tax_per_mu", "40 units ranked", "wrote " + out1} {
		if !strings.Contains(out, want) {
			t.Errorf("evaluate output lacks %q", want)
		}
	}
	csv1, _ := os.ReadFile(out1)
	recs := readCSVString(t, strings.TrimPrefix(string(csv1), "\ufeff"))
	// One row per enterprise in scope, as the summary counts them.
	inScope := regexp.MustCompile(`(\d+) enterprises in scope`).FindStringSubmatch(out)
	if strings.Join(recs[0][:7], ",") != "uscc,name,unit_code,score,rank,class,reason" || inScope == nil || fmt.Sprint(len(recs)-1) != inScope[1] {
		t.Errorf("%d rows, header %v", len(recs), recs[0][:7])
	}
	if h := strings.Join(recs[0], ","); !strings.Contains(h, ",p_A,p_B,p_C,p_D,p_U,median_rank") || !strings.Contains(h, ",explanation,") {
		t.Errorf("header %s", h)
	}

	out, _, err = runEvaluate(t, "list", "--db", db)
	if err != nil || !strings.Contains(out, "zhejiang-2018") || !strings.Contains(out, "tester") {
		t.Errorf("list: %v\n%s", err, out)
	}
	unitCSV := filepath.Join(t.TempDir(), "units.csv")
	out, _, err = runEvaluate(t, "show", "1", "--db", db, "--level", "unit", "--out", unitCSV)
	if err != nil || !strings.Contains(out, "run 1: zhejiang-2018") || !strings.Contains(out, "wrote "+unitCSV+": 41 unit rows") {
		t.Errorf("show: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(unitCSV); !strings.HasPrefix(strings.TrimPrefix(string(b), "\ufeff"), "code,name,unit_code,score,rank,enterprises,rated,land_mu,n_A") {
		t.Errorf("unit CSV %.200s", b)
	}

	// Same input and seed: a byte-identical file.
	out2 := filepath.Join(t.TempDir(), "run2.csv")
	if _, _, err := runEvaluate(t, "--db", db, "--scheme", "zhejiang-2018", "--year", "2023", "--uncertainty", "100", "--seed", "9", "--out", out2); err != nil {
		t.Fatal(err)
	}
	if csv2, _ := os.ReadFile(out2); !bytes.Equal(csv1, csv2) {
		t.Error("two runs with the same input and seed wrote different files")
	}
	// Another scheme on the same year: classes move.
	if _, _, err := runEvaluate(t, "--db", db, "--scheme", "chongqing-2023", "--year", "2023"); err != nil {
		t.Fatal(err)
	}
	movers := filepath.Join(t.TempDir(), "movers.xlsx")
	out, _, err = runEvaluate(t, "compare", "1", "3", "--db", db, "--movers", "5", "--out", movers)
	if err != nil || !strings.Contains(out, "run 1 (zhejiang-2018, 2023) → run 3 (chongqing-2023, 2023)") || !strings.Contains(out, "from \\ to") {
		t.Errorf("compare: %v\n%s", err, out)
	}
	if fi, err := os.Stat(movers); err != nil || fi.Size() == 0 {
		t.Errorf("movers file: %v", err)
	}
	if _, _, err := runEvaluate(t, "show", "9", "--db", db); indus.Code(err) != indus.ENotFound {
		t.Errorf("unknown run: %v", err)
	}

	// The files directly (they carry the yearly above-size status).
	out, _, err = runEvaluate(t, "--data", dir, "--scheme", "zhejiang-2018", "--year", "2023", "--level", "park", "--out", filepath.Join(t.TempDir(), "p.csv"))
	if err != nil || !strings.Contains(out, "not recorded") || !strings.Contains(out, "of 6633 rated") || !strings.Contains(out, "park rows") {
		t.Errorf("--data: %v\n%s", err, out)
	}
}

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillMidImport kills `indus import` with SIGKILL while it loads a large
// file and checks the database is exactly as before the import.
func TestKillMidImport(t *testing.T) {
	bin := buildIndus(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := filepath.Join(dir, "indus.duckdb")
	if _, errOut, code := run(t, bin, "gen", "--out", data, "--from", "2024", "--to", "2025"); code != 0 {
		t.Fatalf("gen: %s", errOut)
	}
	if _, errOut, code := run(t, bin, "import", "--db", db, filepath.Join(data, "enterprises.csv"), filepath.Join(data, "annual.csv")); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	before, _, _ := run(t, bin, "import", "history", "--db", db, "--json")

	// A monthly file of 60 months for every enterprise: about 1.5 M rows.
	ents, err := os.ReadFile(filepath.Join(data, "enterprises.csv"))
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big_monthly.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "uscc,month,output_value,revenue,electricity_kwh,employees")
	for _, line := range strings.Split(string(ents), "\n")[1:] {
		uscc, _, ok := strings.Cut(line, ",")
		if !ok {
			continue
		}
		for m := 0; m < 60; m++ {
			fmt.Fprintf(w, "%s,%04d-%02d,%d.5,%d,1000,12\n", uscc, 2015+m/12, m%12+1, m, m)
		}
	}
	w.Flush()
	f.Close()

	// Killed as soon as rows are read, and again later, once runs of rows
	// have gone into monthly_facts and DuckDB has written row groups of
	// them to the database file (it does before the commit).
	for _, later := range []time.Duration{0, 400 * time.Millisecond} {
		killMidImport(t, bin, db, big, later)
		after, errOut, code := run(t, bin, "import", "history", "--db", db, "--json")
		if code != 0 {
			t.Fatalf("the database does not open after the kill: %s", errOut)
		}
		if after != before {
			t.Fatalf("history changed by a killed import:\n%s\nwant\n%s", after, before)
		}
	}
	out, _, _ := run(t, bin, "export", "--db", db, "--table", "monthly", "--out", filepath.Join(dir, "m.csv"))
	if !strings.Contains(out, "exported 0 rows") {
		t.Fatalf("monthly rows visible after a killed import: %s", out)
	}
}

// killMidImport starts importing file, waits for the first progress line
// and then for later, and kills the process.
func killMidImport(t *testing.T, bin, db, file string, later time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, "import", "--db", db, file)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first progress line: rows are being read.
	sc := bufio.NewScanner(stderr)
	deadline := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	if !sc.Scan() || !strings.Contains(sc.Text(), "rows") {
		t.Fatalf("no progress before the end: %q", sc.Text())
	}
	time.Sleep(later)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the import finished before it could be killed %v after the first progress line (%v); make the file larger", later, err)
	}
}

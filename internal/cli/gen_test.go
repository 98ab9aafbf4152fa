package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// genRun runs `indus gen ARGS` through Run, as the binary does, and returns
// the exit code and both streams.
func genRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := Run(context.Background(), append([]string{"gen"}, args...), getenv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestGenWritesDatasetAndSummary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, errs := genRun(t, nil, "--out", dir, "--seed", "7", "--from", "2022", "--to", "2023")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	for _, n := range []string{"enterprises.csv", "annual.csv", "monthly.csv", "manifest.json"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", n, err)
		}
	}
	for _, want := range []string{"seed 7", "2022–2023", "enterprises:", "rows: annual", "nev", "electronics",
		"advanced_materials", "food", "per mu", "firms > 10 bn", "done in"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestGenEnvironmentFallbacks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "from-env")
	code, out, errs := genRun(t, map[string]string{"INDUS_GEN_OUT": dir, "INDUS_GEN_SEED": "11"}, "--from", "2023", "--to", "2023")
	if code != 0 || !strings.Contains(out, "seed 11") {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Error(err)
	}
}

// User errors get one plain line on stderr and exit 1 (exit 2 for flags the
// flag package rejects), never a stack trace.
func TestGenUserErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--out", t.TempDir(), "--from", "2025", "--to", "2019"}, 1, "the first year (2025) is after the last year (2019)"},
		{[]string{"--out", t.TempDir(), "--scale", "world"}, 1, `unknown scale "world"`},
		{[]string{"--out", t.TempDir(), "--seed", "one"}, 1, "--seed must be a whole number"},
		{[]string{"--out", t.TempDir(), "--from", "1850"}, 1, "years must lie between"},
		{[]string{}, 1, "--out DIR is required"},
		{[]string{"--out", filepath.Join(file, "sub")}, 1, "cannot write the dataset to " + filepath.Join(file, "sub") + ": not a directory"},
		{[]string{"--out", t.TempDir(), "extra"}, 1, `unexpected argument "extra"`},
		{[]string{"--nonsense"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		code, _, errs := genRun(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("gen %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.want)
		}
		if strings.Contains(errs, "goroutine") || strings.Contains(errs, ".go:") {
			t.Errorf("gen %v: stderr looks like a stack trace: %s", c.args, errs)
		}
	}
}

func TestGenErrorIsDomainError(t *testing.T) {
	var out, errb bytes.Buffer
	env := &Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	err := newGenCommand().Run(context.Background(), env, []string{"--out", t.TempDir(), "--from", "2024", "--to", "2020"})
	var de *indus.Error
	if !errors.As(err, &de) || de.Code != indus.EInvalid {
		t.Errorf("got %v, want an invalid-input domain error", err)
	}
}

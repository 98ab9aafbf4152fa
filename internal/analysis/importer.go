package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

// FileImport is the outcome of importing one file.
type FileImport struct {
	File     string
	Kind     indus.DatasetKind
	Batch    store.BatchResult
	Findings []ingest.Finding // warnings on accepted rows, or the errors that stopped the file
}

// maxFindings bounds the findings kept per file so a broken million-row
// file cannot exhaust memory; the count of all findings is still exact.
const maxFindings = 1000

// ImportCanonical imports canonical Indus CSV files (enterprises, annual,
// monthly; the kind is detected from the header), enterprises first. Each
// file is one transaction: a file with any error changes nothing, and the
// error names the file, row, column and value. Files already imported
// before the failing one stay imported; the result says which.
func ImportCanonical(ctx context.Context, st *store.Store, files []string, user string) ([]FileImport, error) {
	type pending struct {
		path string
		kind indus.DatasetKind
	}
	var todo []pending
	for _, f := range files {
		k, err := peekKind(f)
		if err != nil {
			return nil, err
		}
		todo = append(todo, pending{f, k})
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].kind.LoadOrder() < todo[j].kind.LoadOrder() })
	var done []FileImport
	for _, p := range todo {
		res, err := importOne(ctx, st, p.path, user)
		if err != nil {
			return append(done, res), err
		}
		done = append(done, res)
	}
	return done, nil
}

func peekKind(path string) (indus.DatasetKind, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	r, err := ingest.NewCanonicalReader(filepath.Base(path), f)
	if err != nil {
		return "", err
	}
	return r.Kind(), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func importOne(ctx context.Context, st *store.Store, path, user string) (FileImport, error) {
	name := filepath.Base(path)
	out := FileImport{File: name}
	sum, err := fileSHA256(path)
	if err != nil {
		return out, indus.Errorf(indus.EInvalid, "cannot read %s: %v", path, unwrapPath(err))
	}
	f, err := os.Open(path)
	if err != nil {
		return out, indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	r, err := ingest.NewCanonicalReader(name, f)
	if err != nil {
		return out, err
	}
	out.Kind = r.Kind()
	var findings []ingest.Finding
	errorsSeen, warnings := 0, 0
	keep := func(fs []ingest.Finding) {
		for _, f := range fs {
			if f.Severity == ingest.SevError {
				errorsSeen++
			} else {
				warnings++
			}
			if len(findings) < maxFindings {
				findings = append(findings, f)
			}
		}
	}
	load, err := st.BeginLoad(ctx, store.LoadMeta{Kind: r.Kind(), FileName: name, SHA256: sum, User: user})
	if err != nil {
		return out, err
	}
	defer load.Rollback()
	for {
		rec, fs, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		keep(fs)
		if rec == nil || errorsSeen > 0 {
			continue // keep reading to report every error, but stage nothing more
		}
		switch {
		case rec.Enterprise != nil:
			err = load.AppendEnterprise(rec.Row, rec.Enterprise)
		case rec.Annual != nil:
			err = load.AppendAnnual(rec.Row, rec.Annual)
		case rec.Monthly != nil:
			err = load.AppendMonthly(rec.Row, rec.Monthly)
		}
		if err != nil {
			return out, fmt.Errorf("%s:%d: stage row: %w", name, rec.Row, err)
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	out.Findings = findings
	if errorsSeen > 0 {
		return out, indus.Errorf(indus.EInvalid, "%s: %d error(s), %d warning(s); nothing was imported. First error: %s",
			name, errorsSeen, warnings, firstError(findings))
	}
	load.SetWarnings(warnings)
	res, _, err := load.Commit(store.CommitOptions{})
	if err != nil {
		return out, err
	}
	out.Batch = res
	return out, nil
}

func firstError(fs []ingest.Finding) string {
	for _, f := range fs {
		if f.Severity == ingest.SevError {
			return f.String()
		}
	}
	return ""
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

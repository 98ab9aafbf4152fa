package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

// maxUploadBytes bounds one import upload; larger files go through the CLI.
const maxUploadBytes = 512 << 20

// importReport is the JSON answer of POST /api/v1/imports.
type importReport struct {
	Status string             `json:"status"` // imported | checked | rejected
	Error  string             `json:"error,omitempty"`
	Files  []importFileReport `json:"files"`
}

type importFileReport struct {
	File     string            `json:"file"`
	Kind     indus.DatasetKind `json:"kind"`
	Batch    store.BatchResult `json:"batch"`
	Errors   int               `json:"errors"`
	Warnings int               `json:"warnings"`
	Findings []ingest.Finding  `json:"findings"`
}

// apiImportCreate takes a multipart upload (one or more "file" parts) and
// imports it with the CLI's semantics: ?check=true is a dry run,
// ?accept_valid=true imports the valid rows of a file with errors.
func (s *Server) apiImportCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, indus.Errorf(indus.EInvalid, "send the files as multipart/form-data with field name \"file\""))
		return
	}
	dir, err := os.MkdirTemp("", "indus-upload-*")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	var paths []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, indus.Errorf(indus.EInvalid, "the upload is larger than %d MB; use 'indus import' for large files", maxUploadBytes>>20))
				return
			}
			writeError(w, indus.Errorf(indus.EInvalid, "cannot read the upload: %v", err))
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		name := filepath.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
		p := filepath.Join(dir, strconv.Itoa(len(paths)), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			s.serverError(w, r, err)
			return
		}
		f, err := os.Create(p)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		_, err = io.Copy(f, part)
		f.Close()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, indus.Errorf(indus.EInvalid, "the upload is larger than %d MB; use 'indus import' for large files", maxUploadBytes>>20))
				return
			}
			writeError(w, indus.Errorf(indus.EInvalid, "cannot read the upload: %v", err))
			return
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		writeError(w, indus.Errorf(indus.EInvalid, "no file in the upload: send one or more parts named \"file\""))
		return
	}
	opts := analysis.ImportOptions{User: indus.PrincipalFrom(r.Context()).Name, DryRun: r.URL.Query().Get("check") == "true", AcceptValid: r.URL.Query().Get("accept_valid") == "true"}
	results, err := analysis.ImportFiles(r.Context(), s.store, paths, opts)
	if aerr := analysis.AuditImport(r.Context(), s.store, results, opts, err); aerr != nil {
		s.log.Error("audit log write failed", "err", aerr)
	}
	rep := importReport{Status: "imported"}
	if opts.DryRun {
		rep.Status = "checked"
	}
	for _, res := range results {
		fs := res.Findings
		if fs == nil {
			fs = []ingest.Finding{}
		}
		rep.Files = append(rep.Files, importFileReport{File: res.File, Kind: res.Kind, Batch: res.Batch, Errors: res.Errors, Warnings: res.Warnings, Findings: fs})
	}
	status := http.StatusOK
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.serverError(w, r, err)
			return
		}
		rep.Status, rep.Error = "rejected", indus.Message(err)
		status = statusOf(indus.Code(err))
	}
	writeJSON(w, status, rep)
}

// apiImportList lists import batches, newest first (?limit=N).
func (s *Server) apiImportList(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	bs, err := s.store.Batches(r.Context(), limit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if bs == nil {
		bs = []store.Batch{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": bs})
}

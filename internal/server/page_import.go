package server

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

// The import page: upload one or more files, see the validation report
// row by row (a dry run through the same import service as the CLI and
// POST /api/v1/imports?check=true), then import or discard; below, the
// history of import batches with undo. The form posts to /import as a
// plain multipart form, so it works without JavaScript; htmx swaps only
// the report when JavaScript runs. The server keeps nothing between the
// check and the import: "Import" sends the same file again from the form.

// maxShownFindings bounds the findings the page lists; the counts stay
// exact and the CLI writes the full report (indus import --report).
const maxShownFindings = 1000

// importView is the import page's view.
type importView struct {
	History *tableView
	Result  *importResultView
	Notice  string // a message after an undo
	Error   string
}

// importResultView is the outcome of a check or an import.
type importResultView struct {
	Action   string // check, import, import_valid
	Status   string // checked, imported, rejected
	Message  string // the service's message when it refused
	Files    []importFileView
	Errors   int
	Warnings int
	Shown    int
	Hidden   int
	CanValid bool // some file has errors but also valid rows
	NoJS     bool // rendered as a full page: the file must be chosen again
}

type importFileView struct {
	Name      string
	Kind      string
	Batch     store.BatchResult
	Errors    int
	Warnings  int
	Findings  []findingView
	Unchecked bool
	// Unreadable: the file itself could not be read (the page's message
	// says why); nothing was checked.
	Unreadable bool
}

type findingView struct {
	Row      int
	Column   string
	Value    string
	Severity string
	Message  string
	Other    string // the message in the other language
}

var historyCols = []tableCol{
	{Key: "id", Label: "imp.batch", Kind: colInt},
	{Key: "kind", Label: "imp.kind", Kind: colText},
	{Key: "file", Label: "imp.file", Kind: colText},
	{Key: "user", Label: "imp.user", Kind: colText},
	{Key: "finished", Label: "imp.finished", Kind: colText},
	{Key: "read", Label: "imp.read", Kind: colInt},
	{Key: "inserted", Label: "imp.inserted", Kind: colInt},
	{Key: "updated", Label: "imp.updated", Kind: colInt},
	{Key: "unchanged", Label: "imp.unchanged", Kind: colInt},
	{Key: "rejected", Label: "imp.rejected_rows", Kind: colInt},
	{Key: "warnings", Label: "imp.warnings", Kind: colInt},
	{Key: "state", Label: "imp.state", Kind: colText},
}

func (s *Server) importHistory(w http.ResponseWriter, r *http.Request, lang string) (*tableView, bool, error) {
	spec := &tableSpec{ID: "history", Cols: historyCols, Sort: "id", Desc: true, PerPage: 25, File: "import-history", Empty: "imp.history_empty", Search: "imp.search",
		Filters: []tableFilter{{Key: "kind", Label: "imp.kind", Options: []tableOption{
			{"enterprises", s.catalogue.T(lang, "kind.enterprises")}, {"annual", s.catalogue.T(lang, "kind.annual")}, {"monthly", s.catalogue.T(lang, "kind.monthly")}}}}}
	bs, err := s.store.Batches(r.Context(), 1000)
	if err != nil {
		return nil, false, err
	}
	var rows []tableRow
	for _, b := range bs {
		state := s.catalogue.T(lang, "imp.active")
		if b.UndoneAt != nil {
			state = s.tf(lang, "imp.undone", "date", b.UndoneAt.Format("2006-01-02 15:04"), "user", b.UndoneBy)
		}
		row := tableRow{Vals: []any{b.ID, string(b.Kind), b.FileName, b.User, b.FinishedAt.Format("2006-01-02 15:04:05"), b.Read, b.Inserted, b.Updated,
			b.Unchanged, b.Rejected, b.Warnings, state}}
		row.text(1, s.catalogue.T(lang, "kind."+string(b.Kind)))
		rows = append(rows, row)
	}
	stamp, err := s.store.DataStamp(r.Context())
	if err != nil {
		return nil, false, err
	}
	return s.serveTable(w, r, spec, s.tf(lang, "imp.history_caption", "asof", s.asOf(lang, stamp)), memTable(spec, rows))
}

func (s *Server) pageImportView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	tv, done, err := s.importHistory(w, r, lang)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if done {
		return
	}
	v := importView{History: tv}
	if id := r.URL.Query().Get("undone"); id != "" {
		v.Notice = s.tf(lang, "imp.undo_done", "batch", id, "deleted", r.URL.Query().Get("deleted"), "restored", r.URL.Query().Get("restored"))
	}
	s.render(w, r, "page_import.html", "import", "imp.title", v)
}

// pageImportPost checks or imports the uploaded files.
func (s *Server) pageImportPost(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	res, err := s.runUpload(w, r, lang)
	fragment := r.Header.Get("HX-Request") == "true"
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.pageError(w, r, err)
			return
		}
		if fragment {
			s.renderFragment(w, r, "page_import.html", "import_error", indus.MessageIn(err, lang))
			return
		}
		tv, _, herr := s.importHistory(w, r, lang)
		if herr != nil {
			s.pageError(w, r, herr)
			return
		}
		s.renderStatus(w, r, statusOf(indus.Code(err)), "page_import.html", "import", s.catalogue.T(lang, "imp.title"), importView{History: tv, Error: indus.MessageIn(err, lang)})
		return
	}
	if fragment {
		data := map[string]any{"Result": res}
		if res.Status == "imported" {
			// The history grew: send its table too, swapped out of band.
			r2 := r.Clone(r.Context())
			r2.URL = &url.URL{Path: "/import"}
			r2.Header = http.Header{}
			tv, _, err := s.importHistory(w, r2, lang)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			tv.OOB = true
			data["History"] = tv
		}
		s.renderFragment(w, r, "page_import.html", "import_result", data)
		return
	}
	res.NoJS = true
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Path: "/import"}
	tv, _, err := s.importHistory(w, r2, lang)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, "page_import.html", "import", "imp.title", importView{History: tv, Result: res})
}

// runUpload saves the uploaded files and runs the import service on them.
func (s *Server) runUpload(w http.ResponseWriter, r *http.Request, lang string) (*importResultView, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s", s.catalogue.T(lang, "imp.no_file"))
	}
	dir, err := os.MkdirTemp("", "indus-upload-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	action := "check"
	var paths []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(lang, s, err)
		}
		switch {
		case part.FormName() == "action":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			action = string(b)
		case part.FormName() == "file" && part.FileName() != "":
			p, err := saveUploadPart(dir, len(paths), part)
			if err != nil {
				return nil, uploadError(lang, s, err)
			}
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "%s", s.catalogue.T(lang, "imp.no_file"))
	}
	if action != "import" && action != "import_valid" {
		action = "check"
	}
	opts := analysis.ImportOptions{User: indus.PrincipalFrom(r.Context()).Name, DryRun: action == "check", AcceptValid: action == "import_valid"}
	results, err := analysis.ImportFiles(r.Context(), s.store, paths, opts)
	if aerr := analysis.AuditImport(r.Context(), s.store, results, opts, err); aerr != nil {
		s.log.Error("audit log write failed", "err", aerr)
	}
	v := &importResultView{Action: action, Status: "imported"}
	if opts.DryRun {
		v.Status = "checked"
	}
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			return nil, err
		}
		v.Status, v.Message = "rejected", indus.MessageIn(err, lang)
	}
	errs := 0
	for _, res := range results {
		errs += res.Errors
	}
	if opts.DryRun && errs > 0 && indus.Code(err) == indus.EInvalid {
		// A check that found errors did its job: the report lists them.
		v.Status, v.Message = "checked", ""
	}
	seen := map[string]bool{}
	for _, res := range results {
		fv := importFileView{Name: res.File, Kind: s.catalogue.T(lang, "kind."+string(res.Kind)), Batch: res.Batch, Errors: res.Errors, Warnings: res.Warnings}
		seen[res.File] = true
		v.Errors += res.Errors
		v.Warnings += res.Warnings
		for _, f := range res.Findings {
			if v.Shown >= maxShownFindings {
				v.Hidden++
				continue
			}
			v.Shown++
			fv.Findings = append(fv.Findings, s.findingView(lang, f))
		}
		if res.Errors > 0 && res.Batch.Read > int64(res.Errors) {
			v.CanValid = true
		}
		if res.Errors > 0 && res.Batch.Read == 0 {
			// A dry run that stopped at errors stages nothing; rows may
			// still be valid, so offer to import them.
			v.CanValid = true
		}
		v.Files = append(v.Files, fv)
	}
	var unreadable *analysis.FileError
	errors.As(err, &unreadable)
	for _, p := range paths {
		if name := filepath.Base(p); !seen[name] {
			v.Files = append(v.Files, importFileView{Name: name, Unchecked: true,
				Unreadable: unreadable != nil && unreadable.File == name})
		}
	}
	return v, nil
}

func (s *Server) findingView(lang string, f ingest.Finding) findingView {
	fv := findingView{Row: f.Row, Column: f.Column, Value: f.Value, Severity: string(f.Severity), Message: f.MessageZh, Other: f.Message}
	if lang == "en" || fv.Message == "" {
		fv.Message, fv.Other = f.Message, f.MessageZh
	}
	return fv
}

// saveUploadPart writes one uploaded file under dir, keeping its base name
// (the import service reads the file's kind and reports by name).
func saveUploadPart(dir string, i int, part *multipart.Part) (string, error) {
	name := filepath.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
	p := filepath.Join(dir, strconv.Itoa(i), name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return p, err
}

func uploadError(lang string, s *Server, err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return indus.Errorf(indus.EInvalid, "%s", s.tf(lang, "imp.too_big", "mb", strconv.Itoa(maxUploadBytes>>20)))
	}
	return indus.Errorf(indus.EInvalid, "%s: %v", s.catalogue.T(lang, "imp.read_failed"), err)
}

// pageImportUndo undoes one import batch (store.Undo), then shows the
// import page again with what it did.
func (s *Server) pageImportUndo(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	id, err := strconv.ParseInt(strings.TrimSpace(r.FormValue("batch")), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, indus.Errorf(indus.EInvalid, "%s", s.catalogue.T(lang, "imp.undo_bad")))
		return
	}
	res, err := s.store.Undo(r.Context(), id, indus.PrincipalFrom(r.Context()).Name)
	if aerr := analysis.AuditUndo(r.Context(), s.store, id, res, err); aerr != nil {
		s.log.Error("audit log write failed", "err", aerr)
	}
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.pageError(w, r, err)
			return
		}
		tv, _, herr := s.importHistory(w, r, lang)
		if herr != nil {
			s.pageError(w, r, herr)
			return
		}
		s.renderStatus(w, r, statusOf(indus.Code(err)), "page_import.html", "import", s.catalogue.T(lang, "imp.title"), importView{History: tv, Error: indus.MessageIn(err, lang)})
		return
	}
	q := url.Values{"undone": {strconv.FormatInt(id, 10)}, "deleted": {strconv.FormatInt(res.Deleted, 10)}, "restored": {strconv.FormatInt(res.Restored, 10)}}
	http.Redirect(w, r, "/import?"+q.Encode(), http.StatusSeeOther)
}

package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// The audit log for administrators:
//
//	GET /api/v1/audit?since=&until=&user=&action=&target=&limit=&offset=&verify=true
//	    entries newest first (limit 1–1000, default 100); since and until
//	    are dates (2026-11-29) or RFC 3339 times; verify=true adds the
//	    result of checking the whole hash chain.
//	GET /admin/audit
//	    the same as a page: the chain's state and a filterable, exportable
//	    table of the entries.

// parseAuditTime accepts a date or an RFC 3339 time.
func parseAuditTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, indus.Errorf(indus.EInvalid, "parameter %s: %q is not a date (2026-11-29) or a time (2026-11-29T08:00:00+08:00)", name, v)
}

// auditQuery reads the filters shared by the API and the page.
func auditQuery(r *http.Request) (store.AuditQuery, error) {
	q := r.URL.Query()
	aq := store.AuditQuery{User: strings.TrimSpace(q.Get("user")), Action: strings.TrimSpace(q.Get("action")), Target: strings.TrimSpace(q.Get("target")), Desc: true}
	var err error
	if aq.Since, err = parseAuditTime("since", q.Get("since")); err != nil {
		return aq, err
	}
	if aq.Until, err = parseAuditTime("until", q.Get("until")); err != nil {
		return aq, err
	}
	return aq, nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	aq, err := auditQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	if aq.Limit, err = intParam(r, "limit", 100); err == nil && (aq.Limit < 1 || aq.Limit > 1000) {
		err = indus.Errorf(indus.EInvalid, "limit must be between 1 and 1000, got %d", aq.Limit)
	}
	if err == nil {
		aq.Offset, err = intParam(r, "offset", 0)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	entries, total, err := s.store.Audit(r.Context(), aq)
	if err != nil {
		s.log.Error("audit", "err", err)
		writeError(w, err)
		return
	}
	out := map[string]any{"total": total, "limit": aq.Limit, "offset": aq.Offset, "entries": entries}
	if entries == nil {
		out["entries"] = []store.AuditEntry{}
	}
	if v, _ := strconv.ParseBool(q.Get("verify")); v {
		ver, err := s.store.VerifyAudit(r.Context())
		if err != nil {
			writeError(w, err)
			return
		}
		out["verification"] = ver
	}
	writeJSON(w, http.StatusOK, out)
}

// auditPageView is the audit page's view.
type auditPageView struct {
	Verify store.AuditVerification
	Table  *tableView
}

var auditActions = []string{"login", "login_failed", "logout", "denied", "view_enterprise", "export", "import", "undo", "evaluation",
	"user_add", "user_disable", "user_enable", "user_passwd", "token_create", "token_revoke"}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	var actions []tableOption
	for _, a := range auditActions {
		actions = append(actions, tableOption{Value: a, Label: a})
	}
	spec := &tableSpec{ID: "audit", File: "indus-audit", Sort: "seq", Desc: true, PerPage: 50, Search: "audit.search", Empty: "audit.empty",
		Cols: []tableCol{
			{Key: "seq", Label: "audit.seq", Kind: colInt},
			{Key: "at", Label: "audit.at", Kind: colText, NoSort: true},
			{Key: "user", Label: "audit.user", Kind: colText, NoSort: true},
			{Key: "role", Label: "audit.role", Kind: colText, NoSort: true},
			{Key: "action", Label: "audit.action", Kind: colCode, NoSort: true},
			{Key: "target", Label: "audit.target", Kind: colCode, NoSort: true},
			{Key: "remote", Label: "audit.remote", Kind: colCode, NoSort: true},
			{Key: "outcome", Label: "audit.outcome", Kind: colText, NoSort: true},
			{Key: "detail", Label: "audit.detail", Kind: colText, NoSort: true},
			{Key: "hash", Label: "audit.hash", Kind: colCode, NoSort: true},
		},
		Filters: []tableFilter{{Key: "action", Label: "audit.action", Options: actions},
			{Key: "outcome", Label: "audit.outcome", Options: []tableOption{{access.OutcomeOK, access.OutcomeOK}, {access.OutcomeDenied, access.OutcomeDenied}, {access.OutcomeFailed, access.OutcomeFailed}}}},
	}
	src := func(st tableState, paged bool, emit func(tableRow) error) (int, error) {
		aq := store.AuditQuery{User: st.Q, Action: st.F["action"], Outcome: st.F["outcome"], Desc: st.Desc}
		if paged {
			aq.Limit, aq.Offset = st.PerPage, st.offset()
		}
		entries, total, err := s.store.Audit(r.Context(), aq)
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if err := emit(tableRow{Vals: []any{e.Seq, e.At.Local().Format("2006-01-02 15:04:05"), e.User, e.Role, e.Action, e.Target, e.Remote, e.Outcome, e.Detail, e.SHA256[:12]}}); err != nil {
				return 0, err
			}
		}
		return int(total), nil
	}
	tv, done, err := s.serveTable(w, r, spec, s.catalogue.T(lang, "audit.caption"), src)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if done {
		return
	}
	ver, err := s.store.VerifyAudit(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, "page_audit.html", "audit", "audit.title", auditPageView{Verify: ver, Table: tv})
}

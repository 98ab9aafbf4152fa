package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
)

// The enterprise API (issue 8 item 2):
//
//	GET /api/v1/enterprises?q=&unit=&cluster=&above_size=&industry=&year=&sort=&dir=&limit=&offset=
//	    search and list, paginated: q matches a part of the name or the USCC;
//	    unit may repeat; cluster is a cluster id of the default system;
//	    above_size is true or false; industry a GB/T 4754 code prefix or a
//	    section letter; year the year of the figures (default the latest);
//	    sort one of store.EnterpriseSort (default name), dir asc or desc;
//	    limit 1–1000 (default 50), offset ≥ 0.
//	GET /api/v1/enterprises/{uscc}
//	    the profile: identity, memberships, annual facts, monthly series and
//	    the latest evaluation (null until an evaluation run exists).

// maxEnterpriseLimit bounds one page of the enterprise API.
const maxEnterpriseLimit = 1000

func (s *Server) apiEnterprises(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	eq := analysis.EnterpriseQuery{Sort: q.Get("sort"), ClusterID: q.Get("cluster")}
	eq.Query = q.Get("q")
	eq.UnitCodes = q["unit"]
	eq.Industry = q.Get("industry")
	switch q.Get("dir") {
	case "", "asc":
	case "desc":
		eq.Desc = true
	default:
		writeError(w, indus.Errorf(indus.EInvalid, "parameter dir: %q is not asc or desc", q.Get("dir")))
		return
	}
	if v := q.Get("above_size"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, indus.Errorf(indus.EInvalid, "parameter above_size: %q is not true or false", v))
			return
		}
		eq.AboveSize = &b
	}
	for _, p := range []struct {
		name     string
		dst      *int
		def, max int
	}{{"year", &eq.Year, 0, 9999}, {"limit", &eq.Limit, 50, maxEnterpriseLimit}, {"offset", &eq.Offset, 0, -1}} {
		v := q.Get(p.name)
		if v == "" {
			*p.dst = p.def
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || (p.max >= 0 && n > p.max) || (p.name == "limit" && n == 0) {
			lim := "≥ 0"
			if p.max >= 0 {
				lim = "between 0 and " + strconv.Itoa(p.max)
				if p.name == "limit" {
					lim = "between 1 and " + strconv.Itoa(p.max)
				}
			}
			writeError(w, indus.Errorf(indus.EInvalid, "parameter %s: %q must be a whole number %s", p.name, v, lim))
			return
		}
		*p.dst = n
	}
	page, err := analysis.ListEnterprises(r.Context(), s.store, eq)
	if err != nil {
		s.apiEnterpriseFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiEnterprise(w http.ResponseWriter, r *http.Request) {
	uscc := strings.TrimSpace(r.PathValue("uscc"))
	p, err := analysis.LoadEnterpriseProfile(r.Context(), s.store, uscc)
	if err != nil {
		s.apiEnterpriseFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiEnterpriseFail answers with the domain error, logging internal ones.
func (s *Server) apiEnterpriseFail(w http.ResponseWriter, r *http.Request, err error) {
	if indus.Code(err) == indus.EInternal {
		s.log.Error("enterprises", "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

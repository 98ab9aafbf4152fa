package server

import (
	"net/http"
	"strconv"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The benefit-per-mu evaluation API (issue 4 §3): the recorded runs, one
// run, its enterprises (paged, filtered), one enterprise with its
// explanation, its parks and units, a comparison of two runs, and the
// embedded schemes. Runs are made by `indus evaluate`; the API only reads
// them, so every answer about a run is the same for as long as the
// database exists.

// maxEvalPage bounds one page of enterprise results.
const maxEvalPage = 5000

// evalRunID reads the {run} path value.
func evalRunID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, indus.Errorf(indus.EInvalid, "%q is not an evaluation run id", v)
	}
	return id, nil
}

// evalError logs internal errors before answering.
func (s *Server) evalError(w http.ResponseWriter, r *http.Request, err error) {
	if indus.Code(err) == indus.EInternal {
		s.log.Error("evaluations", "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// GET /api/v1/evaluations: every run, newest first, with class counts.
func (s *Server) apiEvaluationList(w http.ResponseWriter, r *http.Request) {
	runs, err := s.store.Evaluations(r.Context())
	if err != nil {
		s.evalError(w, r, err)
		return
	}
	if runs == nil {
		runs = []store.EvaluationRun{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
}

// GET /api/v1/evaluations/{run}: the run with its scheme snapshot and
// indicators (benchmarks, medians).
func (s *Server) apiEvaluationGet(w http.ResponseWriter, r *http.Request) {
	id, err := evalRunID(r, "run")
	if err != nil {
		writeError(w, err)
		return
	}
	run, err := s.store.EvaluationByID(r.Context(), id)
	if err != nil {
		s.evalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// evalEnterprisePage is the answer of GET /api/v1/evaluations/{run}/enterprises.
type evalEnterprisePage struct {
	Run         int64                    `json:"run"`
	Total       int64                    `json:"total"`
	Limit       int                      `json:"limit"`
	Offset      int                      `json:"offset"`
	Enterprises []store.EnterpriseResult `json:"enterprises"`
}

// GET /api/v1/evaluations/{run}/enterprises?class=&unit=&limit=&offset=:
// enterprise results by score, best first (without items; ask for one
// enterprise for its explanation).
func (s *Server) apiEvaluationEnterprises(w http.ResponseWriter, r *http.Request) {
	id, err := evalRunID(r, "run")
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	eq := store.EnterpriseQuery{Class: q.Get("class"), UnitCode: q.Get("unit"), Limit: 100}
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &eq.Limit, maxEvalPage}, {"offset", &eq.Offset, 1 << 30}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > p.max || (p.name == "limit" && n == 0) {
				writeError(w, indus.Errorf(indus.EInvalid, "parameter %s: %q is not a whole number between %d and %d", p.name, v,
					map[bool]int{true: 1, false: 0}[p.name == "limit"], p.max))
				return
			}
			*p.dst = n
		}
	}
	ents, total, err := s.store.EvaluationEnterprises(r.Context(), id, eq)
	if err != nil {
		s.evalError(w, r, err)
		return
	}
	if ents == nil {
		ents = []store.EnterpriseResult{}
	}
	writeJSON(w, http.StatusOK, evalEnterprisePage{Run: id, Total: total, Limit: eq.Limit, Offset: eq.Offset, Enterprises: ents})
}

// GET /api/v1/evaluations/{run}/enterprises/{uscc}: one enterprise with
// every indicator (value, ratio to the benchmark, points, the change that
// alone would reach the next class) and the explanation.
func (s *Server) apiEvaluationEnterprise(w http.ResponseWriter, r *http.Request) {
	id, err := evalRunID(r, "run")
	if err != nil {
		writeError(w, err)
		return
	}
	e, err := s.store.EvaluationEnterprise(r.Context(), id, r.PathValue("uscc"))
	if err != nil {
		s.evalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// GET /api/v1/evaluations/{run}/units and /parks: the areas ranked by the
// same indicators over their firms (Σ numerator ÷ Σ denominator).
func (s *Server) apiEvaluationAreas(level string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := evalRunID(r, "run")
		if err != nil {
			writeError(w, err)
			return
		}
		areas, err := s.store.EvaluationAreas(r.Context(), id, level)
		if err != nil {
			s.evalError(w, r, err)
			return
		}
		if areas == nil {
			areas = []store.AreaResult{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"run": id, "level": level, "areas": areas})
	}
}

// GET /api/v1/evaluations/{run}/compare/{other}: the class-transition
// matrix from run to other and the movers.
func (s *Server) apiEvaluationCompare(w http.ResponseWriter, r *http.Request) {
	a, err := evalRunID(r, "run")
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := evalRunID(r, "other")
	if err != nil {
		writeError(w, err)
		return
	}
	cmp, err := analysis.CompareEvaluations(r.Context(), s.store, a, b)
	if err != nil {
		s.evalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cmp)
}

// GET /api/v1/evaluation-schemes: the embedded scheme presets.
func (s *Server) apiEvaluationSchemes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"schemes": refdata.Schemes(), "fields": refdata.SchemeFields})
}

// apiEvaluationUnits serves GET /api/v1/evaluations/{run}/units.
func (s *Server) apiEvaluationUnits(w http.ResponseWriter, r *http.Request) {
	s.apiEvaluationAreas(store.AreaUnit)(w, r)
}

// apiEvaluationParks serves GET /api/v1/evaluations/{run}/parks.
func (s *Server) apiEvaluationParks(w http.ResponseWriter, r *http.Request) {
	s.apiEvaluationAreas(store.AreaPark)(w, r)
}

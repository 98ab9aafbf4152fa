package server

import (
	"net/http"

	"github.com/indus-platform/indus/internal/web"
)

// route is one pattern of the mux with its door policy.
type route struct {
	pattern string
	rule    accessRule
	handler http.HandlerFunc
}

// routes lists every route Indus serves with its access rule.
func (s *Server) routes() ([]route, error) {
	static, err := web.Static(s.files)
	if err != nil {
		return nil, err
	}
	return []route{
		{"GET /static/", rulePublic, http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))).ServeHTTP},
		{"GET /static/vendor/", rulePublic, s.compressedStatic(static).ServeHTTP},
		{"GET /static/app.js", rulePublic, s.compressedStatic(static).ServeHTTP},
		{"GET /static/app.css", rulePublic, s.compressedStatic(static).ServeHTTP},
		{"GET /healthz", rulePublic, s.apiLiveness},
		{"GET /api/v1/health", ruleSignedIn, s.apiHealth},
		{"GET /api/v1/imports", ruleImport, s.apiImportList},
		{"POST /api/v1/imports", ruleImport, s.apiImportCreate},
		{"GET /api/v1/clusters", ruleAggregates, s.apiClusters},
		{"GET /api/v1/clusters/unassigned", ruleAggregateRows, s.apiUnassigned},
		{"GET /api/v1/clusters/{id}", ruleAggregates, s.apiCluster},
		{"GET /api/v1/clusters/{id}/units", ruleAggregates, s.apiClusterUnits},
		{"GET /api/v1/clusters/{id}/enterprises", ruleAggregateRows, s.apiClusterEnterprises},
		{"GET /api/v1/units/{code}", ruleAggregates, s.apiUnit},
		{"GET /api/v1/warnings", ruleAggregates, s.apiWarnings},
		{"GET /api/v1/complexity/units", ruleAggregates, s.apiComplexityUnits},
		{"GET /api/v1/complexity/units/{code}/tracks", ruleAggregates, s.apiComplexityUnitTracks},
		{"GET /api/v1/complexity/city/new-star", ruleAggregates, s.apiComplexityNewStar},
		{"POST /api/v1/complexity/city/new-star", ruleAggregates, s.apiComplexityNewStar},
		{"GET /api/v1/enterprises", ruleRows, s.apiEnterprises},
		{"GET /api/v1/enterprises/{uscc}", ruleRows, s.apiEnterprise},
		{"GET /api/v1/evaluations", ruleAggregates, s.apiEvaluationList},
		{"GET /api/v1/evaluations/{run}", ruleAggregates, s.apiEvaluationGet},
		{"GET /api/v1/evaluations/{run}/enterprises", ruleRows, s.apiEvaluationEnterprises},
		{"GET /api/v1/evaluations/{run}/enterprises/{uscc}", ruleRows, s.apiEvaluationEnterprise},
		{"GET /api/v1/evaluations/{run}/units", ruleAggregates, s.apiEvaluationUnits},
		{"GET /api/v1/evaluations/{run}/parks", ruleAggregates, s.apiEvaluationParks},
		{"GET /api/v1/evaluations/{run}/compare/{other}", ruleAggregateRows, s.apiEvaluationCompare},
		{"GET /api/v1/evaluation-schemes", ruleAggregates, s.apiEvaluationSchemes},
		{"GET /{$}", ruleSignedIn, s.pageHome},
		{"GET /clusters", ruleAggregates, s.pageClusters},
		{"GET /clusters/{id}", ruleAggregates, s.pageCluster},
		{"GET /units", ruleAggregates, s.pageUnits},
		{"GET /units/{code}", ruleAggregates, s.pageUnit},
		{"GET /enterprises", ruleRows, s.pageEnterprises},
		{"GET /enterprises/{uscc}", ruleRows, s.pageEnterprise},
		{"GET /evaluation", ruleAggregates, s.pageEvaluation},
		{"GET /tracks", ruleAggregates, s.pageTracks},
		{"GET /warnings", ruleAggregates, s.pageWarnings},
		{"GET /import", ruleImport, s.pageImport},
		{"POST /import", ruleImport, s.pageImportPost},
		{"POST /import/undo", ruleImport, s.pageImportUndo},
		{"/", ruleSignedIn, s.notFound},
		{"GET /login", rulePublic, s.pageLogin},
		{"POST /login", rulePublic, s.pageLoginPost},
		{"POST /logout", ruleSignedIn, s.pageLogout},
		{"GET /api/v1/me", ruleSignedIn, s.apiMe},
		{"GET /api/v1/audit", ruleAdmin, s.apiAudit},
		{"GET /admin/audit", ruleAdmin, s.pageAudit},
		{"GET /admin/users", ruleAdmin, s.pageUsers},
		{"POST /admin/users", ruleAdmin, s.pageUsersAdd},
		{"POST /admin/users/change", ruleAdmin, s.pageUsersChange},
		{"POST /admin/tokens", ruleAdmin, s.pageTokensAdd},
		{"POST /admin/tokens/revoke", ruleAdmin, s.pageTokensRevoke},
	}, nil
}

// mux registers every route behind its guard. The access matrix test
// (auth_test.go) fails for a route it has no expectation for.
func (s *Server) mux() (*http.ServeMux, error) {
	rs, err := s.routes()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, rt := range rs {
		mux.HandleFunc(rt.pattern, s.guard(rt.pattern, rt.rule, rt.handler))
	}
	return mux, nil
}

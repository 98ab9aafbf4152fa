package server

import (
	"net/http"

	"github.com/indus-platform/indus/internal/web"
)

// routes lists every route Indus serves.
func (s *Server) routes() (*http.ServeMux, error) {
	static, err := web.Static(s.files)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.Handle("GET /static/vendor/", s.compressedStatic(static))
	mux.Handle("GET /static/app.js", s.compressedStatic(static))
	mux.Handle("GET /static/app.css", s.compressedStatic(static))
	mux.HandleFunc("GET /healthz", s.apiHealth)
	mux.HandleFunc("GET /api/v1/health", s.apiHealth)
	mux.HandleFunc("GET /api/v1/imports", s.apiImportList)
	mux.HandleFunc("POST /api/v1/imports", s.apiImportCreate)
	mux.HandleFunc("GET /api/v1/clusters", s.apiClusters)
	mux.HandleFunc("GET /api/v1/clusters/unassigned", s.apiUnassigned)
	mux.HandleFunc("GET /api/v1/clusters/{id}", s.apiCluster)
	mux.HandleFunc("GET /api/v1/clusters/{id}/units", s.apiClusterUnits)
	mux.HandleFunc("GET /api/v1/clusters/{id}/enterprises", s.apiClusterEnterprises)
	mux.HandleFunc("GET /api/v1/units/{code}", s.apiUnit)
	mux.HandleFunc("GET /api/v1/warnings", s.apiWarnings)
	mux.HandleFunc("GET /api/v1/complexity/units", s.apiComplexityUnits)
	mux.HandleFunc("GET /api/v1/complexity/units/{code}/tracks", s.apiComplexityUnitTracks)
	mux.HandleFunc("GET /api/v1/complexity/city/new-star", s.apiComplexityNewStar)
	mux.HandleFunc("POST /api/v1/complexity/city/new-star", s.apiComplexityNewStar)
	mux.HandleFunc("GET /api/v1/enterprises", s.apiEnterprises)
	mux.HandleFunc("GET /api/v1/enterprises/{uscc}", s.apiEnterprise)
	mux.HandleFunc("GET /api/v1/evaluations", s.apiEvaluationList)
	mux.HandleFunc("GET /api/v1/evaluations/{run}", s.apiEvaluationGet)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/enterprises", s.apiEvaluationEnterprises)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/enterprises/{uscc}", s.apiEvaluationEnterprise)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/units", s.apiEvaluationUnits)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/parks", s.apiEvaluationParks)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/compare/{other}", s.apiEvaluationCompare)
	mux.HandleFunc("GET /api/v1/evaluation-schemes", s.apiEvaluationSchemes)
	mux.HandleFunc("GET /{$}", s.pageHome)
	mux.HandleFunc("GET /clusters", s.pageClusters)
	mux.HandleFunc("GET /clusters/{id}", s.pageCluster)
	mux.HandleFunc("GET /units", s.pageUnits)
	mux.HandleFunc("GET /units/{code}", s.pageUnit)
	mux.HandleFunc("GET /enterprises", s.pageEnterprises)
	mux.HandleFunc("GET /enterprises/{uscc}", s.pageEnterprise)
	mux.HandleFunc("GET /evaluation", s.pageEvaluation)
	mux.HandleFunc("GET /tracks", s.pageTracks)
	mux.HandleFunc("GET /warnings", s.pageWarnings)
	mux.HandleFunc("GET /import", s.pageImport)
	mux.HandleFunc("POST /import", s.pageImportPost)
	mux.HandleFunc("POST /import/undo", s.pageImportUndo)
	mux.HandleFunc("/", s.notFound)
	return mux, nil
}

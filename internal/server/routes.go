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
	mux.HandleFunc("GET /api/v1/evaluations", s.apiEvaluationList)
	mux.HandleFunc("GET /api/v1/evaluations/{run}", s.apiEvaluationGet)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/enterprises", s.apiEvaluationEnterprises)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/enterprises/{uscc}", s.apiEvaluationEnterprise)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/units", s.apiEvaluationUnits)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/parks", s.apiEvaluationParks)
	mux.HandleFunc("GET /api/v1/evaluations/{run}/compare/{other}", s.apiEvaluationCompare)
	mux.HandleFunc("GET /api/v1/evaluation-schemes", s.apiEvaluationSchemes)
	mux.HandleFunc("GET /{$}", s.pageHome)
	mux.HandleFunc("/", s.notFound)
	return mux, nil
}

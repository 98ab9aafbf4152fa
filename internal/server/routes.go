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
	mux.HandleFunc("GET /api/v1/complexity/units", s.apiComplexityUnits)
	mux.HandleFunc("GET /api/v1/complexity/units/{code}/tracks", s.apiComplexityUnitTracks)
	mux.HandleFunc("GET /api/v1/complexity/city/new-star", s.apiComplexityNewStar)
	mux.HandleFunc("POST /api/v1/complexity/city/new-star", s.apiComplexityNewStar)
	mux.HandleFunc("GET /{$}", s.pageHome)
	mux.HandleFunc("/", s.notFound)
	return mux, nil
}

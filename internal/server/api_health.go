package server

import (
	"net/http"

	"github.com/indus-platform/indus/internal/store"
)

// health is the /healthz answer.
type health struct {
	Status        string       `json:"status"`
	Version       string       `json:"version"`
	Engine        string       `json:"engine"`
	SchemaVersion int          `json:"schema_version"`
	Counts        store.Counts `json:"counts"`
}

func (s *Server) apiHealth(w http.ResponseWriter, r *http.Request) {
	v, err := s.store.SchemaVersion(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "error": "database unavailable"})
		s.log.Error("health", "err", err)
		return
	}
	c, err := s.store.Counts(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "error": "database unavailable"})
		s.log.Error("health", "err", err)
		return
	}
	writeJSON(w, http.StatusOK, health{Status: "ok", Version: s.version, Engine: s.store.Engine(), SchemaVersion: v, Counts: c})
}

// apiLiveness is the public /healthz: whether the server and its database
// answer, and nothing else (no counts, no version) for whoever asks.
func (s *Server) apiLiveness(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.SchemaVersion(r.Context()); err != nil {
		s.log.Error("health", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

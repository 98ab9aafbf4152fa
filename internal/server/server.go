// Package server serves Indus's JSON API (/api/v1) and HTML pages. Every
// route is listed in routes.go; api_*.go hold JSON handlers, page_*.go HTML
// handlers. Handlers call the analysis services and the store; they hold no
// SQL and no maths.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/web"
)

// Config is what the server needs.
type Config struct {
	Store   *store.Store
	Access  *access.Service // sign-in, sessions and tokens; required
	Logger  *slog.Logger
	Version string
	WebDir  string // when set, templates and static files are read from disk (--dev)
}

// Server is the HTTP front of Indus.
type Server struct {
	store     *store.Store
	access    *access.Service
	logins    *loginLimiter
	log       *slog.Logger
	version   string
	files     fs.FS
	catalogue *web.Catalogue
	pages     map[string]*template.Template
	handler   http.Handler
}

// New builds a server and parses its templates, so a broken template fails
// at start, not at the first request.
func New(cfg Config) (*Server, error) {
	s := &Server{store: cfg.Store, access: cfg.Access, log: cfg.Logger, version: cfg.Version, files: web.Files(cfg.WebDir),
		// 10 sign-in attempts at once per address, then one every 6 s.
		logins: newLoginLimiter(10, 6*time.Second)}
	if s.access == nil {
		return nil, fmt.Errorf("server: no access service configured")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.catalogue, err = web.LoadCatalogue(s.files); err != nil {
		return nil, fmt.Errorf("message catalogue: %w", err)
	}
	if s.pages, err = web.ParseTemplates(s.files, s.templateFuncs()); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	mux, err := s.mux()
	if err != nil {
		return nil, err
	}
	s.handler = s.recoverPanics(s.securityHeaders(s.logRequests(mux)))
	return s, nil
}

// Handler returns the root handler, for tests and for ListenAndServe.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the address, turning "address in use" into a clear message.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, indus.Errorf(indus.EConflict, "the address %s is already in use by another program; choose another with --addr, e.g. --addr 127.0.0.1:8081", addr)
		}
		return nil, indus.Errorf(indus.EInvalid, "cannot listen on %s: %v", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

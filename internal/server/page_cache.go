package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// Rendered pages are kept until the data change. A page is a function of
// its URL, its language, the htmx fragment asked for and the state of the
// data (imports, undos, cluster assignments and overrides, evaluation
// runs: store.DataStamp), so an answer can be reused for as long as that
// state holds; dozens of officials opening the overview after a monthly
// import cost one computation. A request with "Cache-Control: no-cache"
// (a hard reload) computes the page again. Exports and errors are never
// kept. HTML is sent gzip-compressed to clients that accept it.

// maxCachedPages and maxCachedBytes bound the cache.
const (
	maxCachedPages = 1024
	maxCachedBytes = 96 << 20
)

type cachedPage struct {
	status int
	header http.Header
	body   []byte
	gz     []byte
}

type pageCacheStore struct {
	mu    sync.Mutex
	stamp string
	pages map[string]*cachedPage
	bytes int
}

var pageStores sync.Map // *Server → *pageCacheStore

func (s *Server) pageStore() *pageCacheStore {
	c, _ := pageStores.LoadOrStore(s, &pageCacheStore{pages: map[string]*cachedPage{}})
	return c.(*pageCacheStore)
}

// pageRecorder keeps what a handler writes.
type pageRecorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.header }
func (p *pageRecorder) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return p.buf.Write(b)
}

// cachedPageHandler serves a page from the cache or runs h and keeps its
// answer.
func (s *Server) cachedPageHandler(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if r.Method != http.MethodGet || r.URL.Query().Get("export") != "" {
		h(w, r)
		return
	}
	lang := s.language(w, r) // sets the language cookie on ?lang=
	stamp, err := s.store.DataStamp(r.Context())
	if err != nil {
		h(w, r)
		return
	}
	// Per session: a page carries the user's name and CSRF token, and its
	// rows depend on the user's territory.
	key := requestSessionKey(r) + "\x00" + lang + "\x00" + r.Header.Get("HX-Request") + "\x00" + r.Header.Get("HX-Target") + "\x00" + r.Header.Get("HX-History-Restore-Request") +
		"\x00" + r.URL.Path + "?" + canonicalQuery(r)
	pc := s.pageStore()
	refresh := strings.Contains(r.Header.Get("Cache-Control"), "no-cache") || strings.Contains(r.Header.Get("Pragma"), "no-cache")
	pc.mu.Lock()
	if pc.stamp != stamp.Key() {
		pc.stamp, pc.pages, pc.bytes = stamp.Key(), map[string]*cachedPage{}, 0
	}
	page, ok := pc.pages[key]
	pc.mu.Unlock()
	if ok && !refresh {
		s.writePage(w, r, page)
		return
	}
	rec := &pageRecorder{header: http.Header{}}
	h(rec, r)
	page = &cachedPage{status: rec.status, header: rec.header, body: rec.buf.Bytes()}
	if page.status == 0 {
		page.status = http.StatusOK
	}
	if len(page.body) > 1024 && strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		zw.Write(page.body)
		zw.Close()
		page.gz = b.Bytes()
	}
	page.header.Del("Set-Cookie") // written directly by language(); never replayed
	if page.status == http.StatusOK && strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		pc.mu.Lock()
		if pc.stamp == stamp.Key() {
			if old, ok := pc.pages[key]; ok {
				pc.bytes -= len(old.body) + len(old.gz)
			}
			if len(pc.pages) >= maxCachedPages || pc.bytes+len(page.body) > maxCachedBytes {
				pc.pages, pc.bytes = map[string]*cachedPage{}, 0
			}
			pc.pages[key] = page
			pc.bytes += len(page.body) + len(page.gz)
		}
		pc.mu.Unlock()
	}
	s.writePage(w, r, page)
}

// canonicalQuery is the query without the language switch, in key order.
func canonicalQuery(r *http.Request) string {
	q := r.URL.Query()
	q.Del("lang")
	return q.Encode()
}

// writePage sends a page, gzip-compressed when the client accepts it.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, p *cachedPage) {
	h := w.Header()
	for k, v := range p.header {
		if k == "Set-Cookie" {
			continue
		}
		h[k] = v
	}
	body := p.body
	if p.gz != nil && acceptsGzip(r) {
		body = p.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	w.WriteHeader(p.status)
	w.Write(body)
}

// The page handlers the routes name, each through the cache.

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageHomeView)
}

func (s *Server) pageClusters(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageClustersView)
}

func (s *Server) pageCluster(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageClusterView)
}

func (s *Server) pageUnits(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageUnitsView)
}

func (s *Server) pageUnit(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageUnitView)
}

func (s *Server) pageEnterprises(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageEnterprisesView)
}

// pageEnterprise is never cached: every view of an enterprise's
// confidential record must reach the store, which notes it for the audit
// log.
func (s *Server) pageEnterprise(w http.ResponseWriter, r *http.Request) {
	s.pageEnterpriseView(w, r)
}

func (s *Server) pageEvaluation(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageEvaluationView)
}

func (s *Server) pageTracks(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageTracksView)
}

func (s *Server) pageWarnings(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageWarningsView)
}

func (s *Server) pageImport(w http.ResponseWriter, r *http.Request) {
	s.cachedPageHandler(w, r, s.pageImportView)
}

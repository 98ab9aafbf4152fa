package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Static assets for the pages, gzip-compressed once and kept in memory:
// ECharts is 1.1 MB as a file and about a third of that compressed, which
// keeps the first page load well under the 1.5 MB budget of issue 6 on the
// slow links districts often have. Files are served as they are to clients
// that do not accept gzip. An ETag lets a reload revalidate for free.

type compressedAsset struct {
	modTime time.Time
	size    int64
	raw     []byte
	gz      []byte
	etag    string
	ctype   string
}

// assetServer serves files of a static tree (after "/static/").
type assetServer struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string]*compressedAsset
}

func (s *Server) compressedStatic(static fs.FS) http.Handler {
	return &assetServer{files: static, cache: map[string]*compressedAsset{}}
}

func (a *assetServer) load(name string) (*compressedAsset, error) {
	info, err := fs.Stat(a.files, name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fs.ErrNotExist
	}
	a.mu.Lock()
	c, ok := a.cache[name]
	a.mu.Unlock()
	if ok && c.modTime.Equal(info.ModTime()) && c.size == info.Size() {
		return c, nil
	}
	raw, err := fs.ReadFile(a.files, name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	sum := sha256.Sum256(raw)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(raw)
	}
	c = &compressedAsset{modTime: info.ModTime(), size: info.Size(), raw: raw, gz: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype}
	a.mu.Lock()
	a.cache[name] = c
	a.mu.Unlock()
	return c, nil
}

func (a *assetServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, "/static/")), "/")
	c, err := a.load(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", c.ctype)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", c.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := c.raw
	if acceptsGzip(r) && len(c.gz) < len(c.raw) {
		h.Set("Content-Encoding", "gzip")
		body = c.gz
	}
	http.ServeContent(w, r, "", c.modTime, bytes.NewReader(body))
}

// acceptsGzip reports whether the client takes gzip (and has not refused
// it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") || strings.Contains(params, "q=0.")
		}
	}
	return false
}

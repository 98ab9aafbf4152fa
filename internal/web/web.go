// Package web holds the dashboard's templates, static files and message
// catalogue, embedded in the binary so Indus runs offline. Front-end
// packages (htmx, ECharts) are copied into static/vendor by `make assets`.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"os"
)

//go:embed templates static messages
var embedded embed.FS

// Files returns the web files: the embedded copy, or the source tree under
// dir when dir is set (the server's --dev mode, to edit without rebuilding).
func Files(dir string) fs.FS {
	if dir != "" {
		return os.DirFS(dir)
	}
	return embedded
}

// Static returns the static files (CSS, scripts, vendored packages).
func Static(files fs.FS) (fs.FS, error) { return fs.Sub(files, "static") }

// ParseTemplates parses every page template together with the shared
// layout and the partials (templates/partial_*.html: the table, the
// chart), which pages and htmx fragments share; funcs adds the caller's template functions (translation, number
// formatting) so templates never compute anything themselves.
func ParseTemplates(files fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	pages, err := fs.Glob(files, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(files, "templates/partial_*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, append([]string{"templates/layout.html", p}, partials...)...)
		if err != nil {
			return nil, err
		}
		out[p[len("templates/"):]] = t
	}
	return out, nil
}

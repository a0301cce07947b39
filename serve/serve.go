// Package serve is the playground's HTTP handler: the static files of the built page
// (dist/) with the headers a browser needs to load them fast and safely, plus room for
// API routes. `raftplay serve` uses it natively; the Cloudflare Worker reuses it.
//
// For every file it sends:
//   - the right Content-Type (application/wasm, text/javascript, text/css, text/html;
//     charset=utf-8, ...), since nosniff forbids the browser to guess;
//   - the precompressed sibling (name.br, else name.gz) the client accepts, with
//     Content-Encoding and Vary: Accept-Encoding;
//   - a strong ETag (a hash of the bytes sent), answering If-None-Match with 304, and no
//     Last-Modified (the ETag is the validator);
//   - Cache-Control: no-cache (revalidate every time) for stable names such as
//     index.html and app.wasm, and a year, immutable, for content-hashed names such as
//     app.3f9a1c2b.wasm.
//
// Every response, files, errors and API routes alike, carries X-Content-Type-Options:
// nosniff. Every response that a browser could show as a document (the page, errors, API
// routes, any file of a type not listed below) also carries a Content-Security-Policy
// that allows only the page's own files (no inline scripts or styles; 'wasm-unsafe-eval'
// for the simulator) and Referrer-Policy: no-referrer. The page's subresource files
// (JavaScript, CSS, wasm, JSON; see Subresource) are sent without those two: a browser
// applies a CSP and a referrer policy only from the document that loads them, so on a
// script or a stylesheet they are bytes on the wire and nothing else (about 260 B per
// file, 10 kB over the page's files). Unknown paths under /api/ answer 404 with a JSON
// body.
package serve

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// DefaultCSP is the Content-Security-Policy sent with every response: the page loads
// only its own scripts (and compiles its own wasm), styles, images and connections.
const DefaultCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Options configures a Server. The zero value is the playground's configuration.
type Options struct {
	// CSP replaces DefaultCSP when not empty.
	CSP string
	// RootRedirect, when not empty, is where GET or HEAD of "/" without a query is sent
	// (303, not cached): the live server's "/?live", so that its bare root opens the
	// page in live mode. The redirect carries the security headers of a document.
	RootRedirect string
}

// Server serves the static files of one fs.FS and the routes added with Handle. It is
// an http.Handler, safe for concurrent use.
type Server struct {
	mux          *http.ServeMux
	csp          string
	rootRedirect string
	assets       fs.FS
}

// New returns a server for the files in assets (the root of the built page, holding
// index.html). GET and HEAD of "/" serve index.html; other methods on files answer
// 405; paths under /api/ that no route handles answer 404 in JSON.
func New(assets fs.FS, opts Options) *Server {
	s := &Server{mux: http.NewServeMux(), csp: opts.CSP, rootRedirect: opts.RootRedirect, assets: assets}
	if s.csp == "" {
		s.csp = DefaultCSP
	}
	s.mux.Handle("/", newFileServer(assets))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteJSONError(w, http.StatusNotFound, "no API route "+r.URL.Path)
	})
	return s
}

// Handle adds a route, with a pattern as http.ServeMux reads it ("POST /api/share").
// A route under /api/ takes precedence over the JSON 404.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// HandleFunc adds a route served by a function; see Handle.
func (s *Server) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	s.mux.HandleFunc(pattern, f)
}

// ServeHTTP sets the security headers and dispatches the request. The file server
// takes the document-only ones off again when it sends a subresource file.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for _, kv := range s.securityHeaders() {
		h.Set(kv[0], kv[1])
	}
	if s.rootRedirect != "" && r.URL.Path == "/" && r.URL.RawQuery == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.Set("Location", s.rootRedirect)
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// DocumentHeaders are the security headers that only a document uses: a browser reads
// them from the response of the page it shows, never from a script, stylesheet or
// module it fetches. They are left off the page's subresource files.
var DocumentHeaders = []string{"Content-Security-Policy", "Referrer-Policy"}

// subresourceTypes are the extensions of files that are only ever loaded by the page, and
// that a browser never runs as a document of their own even when opened directly
// (it shows them as text, or downloads them). SVG and HTML are documents, so they are
// not here; nor is any type the table does not know.
var subresourceTypes = map[string]bool{".js": true, ".mjs": true, ".css": true, ".wasm": true, ".json": true, ".map": true}

// Subresource reports whether a file of the page is sent without DocumentHeaders: a
// JavaScript module, a stylesheet, the wasm or a JSON file.
func Subresource(name string) bool {
	return subresourceTypes[strings.ToLower(path.Ext(name))]
}

// WriteJSONError answers with status and the body {"error": message}.
func WriteJSONError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

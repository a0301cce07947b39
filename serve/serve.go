// Package serve is the playground's HTTP handler: the static files of the built page
// (dist/) with the headers a browser needs to load them fast and safely, plus room for
// API routes. `raftplay serve` uses it natively; the Cloudflare Worker reuses it.
//
// For every file it sends:
//   - the right Content-Type (application/wasm, text/javascript, text/css, text/html;
//     charset=utf-8, ...), since nosniff forbids the browser to guess;
//   - the precompressed sibling (name.br, else name.gz) the client accepts, with
//     Content-Encoding and Vary: Accept-Encoding;
//   - a strong ETag (a hash of the bytes sent), answering If-None-Match with 304;
//   - Cache-Control: no-cache (revalidate every time) for stable names such as
//     index.html and app.wasm, and a year, immutable, for content-hashed names such as
//     app.3f9a1c2b.wasm.
//
// Every response, files, errors and API routes alike, carries the security headers: a
// Content-Security-Policy that allows only the page's own files (no inline scripts or
// styles; 'wasm-unsafe-eval' for the simulator), X-Content-Type-Options: nosniff and
// Referrer-Policy: no-referrer. Unknown paths under /api/ answer 404 with a JSON body.
package serve

import (
	"encoding/json"
	"io/fs"
	"net/http"
)

// DefaultCSP is the Content-Security-Policy sent with every response: the page loads
// only its own scripts (and compiles its own wasm), styles, images and connections.
const DefaultCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Options configures a Server. The zero value is the playground's configuration.
type Options struct {
	// CSP replaces DefaultCSP when not empty.
	CSP string
}

// Server serves the static files of one fs.FS and the routes added with Handle. It is
// an http.Handler, safe for concurrent use.
type Server struct {
	mux *http.ServeMux
	csp string
}

// New returns a server for the files in assets (the root of the built page, holding
// index.html). GET and HEAD of "/" serve index.html; other methods on files answer
// 405; paths under /api/ that no route handles answer 404 in JSON.
func New(assets fs.FS, opts Options) *Server {
	s := &Server{mux: http.NewServeMux(), csp: opts.CSP}
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

// ServeHTTP sets the security headers and dispatches the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
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

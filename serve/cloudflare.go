package serve

import "strings"

// CloudflareHeaders returns a `_headers` file for Cloudflare's Workers static assets.
// On the Worker, Cloudflare sends the page's files itself, without running Go, so this
// file is how those responses get the same security headers that ServeHTTP adds to
// everything it answers (the Worker's own routes still go through ServeHTTP).
func (s *Server) CloudflareHeaders() string {
	var b strings.Builder
	b.WriteString("# Made by wasm/worker/headers from serve.Server: the headers of every response.\n/*\n")
	for _, h := range s.securityHeaders() {
		b.WriteString("  " + h[0] + ": " + h[1] + "\n")
	}
	return b.String()
}

// securityHeaders are the headers ServeHTTP sets on every response, as name, value.
func (s *Server) securityHeaders() [][2]string {
	return [][2]string{
		{"Content-Security-Policy", s.csp},
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "no-referrer"},
	}
}

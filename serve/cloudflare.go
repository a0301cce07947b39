package serve

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// CloudflareHeaders returns a `_headers` file for Cloudflare's Workers static assets.
// On the Worker, Cloudflare sends the page's files itself, without running Go, so this
// file is how those responses get the same security headers that ServeHTTP adds to
// everything it answers (the Worker's own routes still go through ServeHTTP): one rule
// for every path, then rules that detach ("! Name") the DocumentHeaders from the
// server's subresource files, as the file server leaves them off. A folder whose files
// are all subresources gets one rule ("/js/*"), other files one rule each.
func (s *Server) CloudflareHeaders() (string, error) {
	var b strings.Builder
	b.WriteString("# Made by wasm/worker/headers from serve.Server: the headers of every response.\n/*\n")
	for _, h := range s.securityHeaders() {
		b.WriteString("  " + h[0] + ": " + h[1] + "\n")
	}
	patterns, err := subresourcePatterns(s.assets)
	if err != nil {
		return "", err
	}
	if len(patterns) > 0 {
		b.WriteString("# The page's scripts, styles, wasm and JSON: no document headers (serve.Subresource).\n")
	}
	for _, p := range patterns {
		b.WriteString(p + "\n")
		for _, name := range DocumentHeaders {
			b.WriteString("  ! " + name + "\n")
		}
	}
	return b.String(), nil
}

// subresourcePatterns lists the URL patterns of the subresource files in assets: "/d/*"
// for a folder d (not the root) holding only subresources, at any depth, and "/f" for
// each other subresource file f, sorted.
func subresourcePatterns(assets fs.FS) ([]string, error) {
	// mixed holds every folder that has a file that is not a subresource, and its parents.
	mixed := map[string]bool{".": true}
	var subs []string
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if Subresource(name) {
			subs = append(subs, name)
			return nil
		}
		for dir := path.Dir(name); !mixed[dir]; dir = path.Dir(dir) {
			mixed[dir] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("serve: list the assets: %w", err)
	}
	seen := map[string]bool{}
	var patterns []string
	for _, name := range subs {
		// The outermost folder of name that holds only subresources, if any.
		pattern := "/" + name
		for dir := path.Dir(name); !mixed[dir]; dir = path.Dir(dir) {
			pattern = "/" + dir + "/*"
		}
		if !seen[pattern] {
			seen[pattern] = true
			patterns = append(patterns, pattern)
		}
	}
	sort.Strings(patterns)
	return patterns, nil
}

// securityHeaders are the headers ServeHTTP sets on every response, as name, value.
func (s *Server) securityHeaders() [][2]string {
	return [][2]string{
		{"Content-Security-Policy", s.csp},
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "no-referrer"},
	}
}

package serve

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloudflareRule is one rule of a _headers file: a URL pattern, the headers it attaches
// and the ones it detaches ("! Name").
type cloudflareRule struct {
	pattern string
	attach  map[string]string
	detach  []string
}

// parseCloudflareHeaders reads a _headers file as Cloudflare documents it: a line at the
// margin starts a rule, indented lines are "Name: value" or "! Name", # starts a comment.
func parseCloudflareHeaders(t *testing.T, text string) []cloudflareRule {
	t.Helper()
	var rules []cloudflareRule
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case !strings.HasPrefix(line, "  "):
			require.True(t, strings.HasPrefix(line, "/"), "a rule starts with a path: %q", line)
			rules = append(rules, cloudflareRule{pattern: line, attach: map[string]string{}})
		default:
			require.NotEmpty(t, rules, "a header line before any rule: %q", line)
			r := &rules[len(rules)-1]
			if name, ok := strings.CutPrefix(strings.TrimSpace(line), "! "); ok {
				r.detach = append(r.detach, name)
				continue
			}
			name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
			require.True(t, ok, "a header line is name: value: %q", line)
			r.attach[name] = value
		}
	}
	return rules
}

// cloudflareHeaders are the headers Cloudflare sends for path under rules: every
// matching rule's, less the detached ones. A pattern is an exact path or a prefix
// ending in the splat "*".
func cloudflareHeaders(rules []cloudflareRule, path string) map[string]string {
	got := map[string]string{}
	var detached []string
	for _, r := range rules {
		prefix, splat := strings.CutSuffix(r.pattern, "*")
		if !(splat && strings.HasPrefix(path, prefix)) && path != r.pattern {
			continue
		}
		for name, value := range r.attach {
			got[name] = value
		}
		detached = append(detached, r.detach...)
	}
	for _, name := range detached {
		delete(got, name)
	}
	return got
}

// TestCloudflareHeadersMatchServeHTTP checks that the _headers file gives Cloudflare's
// static responses exactly the security headers ServeHTTP gives its own, for documents,
// subresources at the root and in folders, and an API error, with the default and a
// custom CSP.
func TestCloudflareHeadersMatchServeHTTP(t *testing.T) {
	// The Worker's assets: no precompressed copies (Cloudflare compresses by itself).
	assets := fstest.MapFS{}
	for name, f := range dist() {
		if !strings.HasSuffix(name, ".gz") && !strings.HasSuffix(name, ".br") {
			assets[name] = f
		}
	}
	security := []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"}
	for _, opts := range []Options{{}, {CSP: "default-src 'none'"}} {
		s := New(assets, opts)
		text, err := s.CloudflareHeaders()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(text, "# "), "a comment first")
		rules := parseCloudflareHeaders(t, text)
		require.NotEmpty(t, rules)
		assert.Equal(t, "/*", rules[0].pattern, "the first rule is for every path")
		for _, name := range security {
			assert.Contains(t, rules[0].attach, name, "%s is sent by ServeHTTP, so Cloudflare must send it too", name)
		}
		var patterns []string
		for _, r := range rules[1:] {
			patterns = append(patterns, r.pattern)
			assert.ElementsMatch(t, DocumentHeaders, r.detach, "rule %s", r.pattern)
		}
		// js/ and css/ hold only subresources; the root and data/... are listed file by file.
		assert.Equal(t, []string{"/app.3f9a1c2b.wasm", "/app.wasm", "/css/*", "/data/*", "/js/*", "/wasm_exec.js"}, patterns)
		for _, target := range []string{"/", "/index.html", "/docs/index.html", "/img/logo.svg", "/app.wasm",
			"/wasm_exec.js", "/js/main.js", "/js/bridge.mjs", "/css/page.css", "/data/lesson.json", "/api/nothing"} {
			res := get(t, s, "GET", target)
			want := cloudflareHeaders(rules, target)
			for _, name := range security {
				assert.Equal(t, res.Header.Get(name), want[name], "%s on %s", name, target)
			}
		}
	}
}

func TestCloudflareHeadersFolderWithADocument(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("x")}
	s := New(fstest.MapFS{"index.html": file, "a/b/c.js": file, "a/d.css": file, "a/page.html": file, "e/f/g.js": file}, Options{})
	text, err := s.CloudflareHeaders()
	require.NoError(t, err)
	var patterns []string
	for _, r := range parseCloudflareHeaders(t, text)[1:] {
		patterns = append(patterns, r.pattern)
	}
	assert.Equal(t, []string{"/a/b/*", "/a/d.css", "/e/*"}, patterns, "a folder with a document is listed file by file")
}

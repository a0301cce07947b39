package serve

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloudflareHeadersMatchServeHTTP checks that the _headers file gives Cloudflare's
// static responses exactly the headers ServeHTTP gives its own, for both a file and an
// API error, with the default and a custom CSP.
func TestCloudflareHeadersMatchServeHTTP(t *testing.T) {
	for _, opts := range []Options{{}, {CSP: "default-src 'none'"}} {
		s := New(dist(), opts)
		text := s.CloudflareHeaders()
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		require.GreaterOrEqual(t, len(lines), 3)
		assert.True(t, strings.HasPrefix(lines[0], "# "), "a comment first")
		assert.Equal(t, "/*", lines[1], "one rule, for every path")
		rules := map[string]string{}
		for _, line := range lines[2:] {
			require.True(t, strings.HasPrefix(line, "  "), "header lines are indented: %q", line)
			name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
			require.True(t, ok, "a header line is name: value: %q", line)
			rules[name] = value
		}
		for _, target := range []string{"/app.wasm", "/api/nothing"} {
			res := get(t, s, "GET", target)
			for name, value := range rules {
				assert.Equal(t, res.Header.Get(name), value, "%s on %s", name, target)
			}
			for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
				assert.Contains(t, rules, name, "%s is sent by ServeHTTP, so Cloudflare must send it too", name)
			}
		}
	}
}

package share

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// /s/<path> redirects only a path that is plainly one of the site's own files. A
// backslash, a control character or an empty segment could make a browser read the
// Location as another host (/\evil.example and /<TAB>/evil.example both resolve to
// http://evil.example/): those answer 404. This is the handler the Worker runs too.
func TestSharePageRedirectStaysOnTheSite(t *testing.T) {
	s := site(newMemStore())
	for _, target := range []string{
		"/s/%5Cevil.example",
		"/s/%5C%5Cevil.example/x",
		"/s/%09/evil.example",
		"/s/%0A/evil.example",
		"/s/%2F%2Fevil.example",
		"/s/js/%5C/evil.example",
		"/s/..%2F..%2Fetc",
		"/s/%2e%2e",
		"/s/a%00b.js",
		"/s/%E2%80%AE.js",
	} {
		t.Run(target, func(t *testing.T) {
			res := request(t, s, "GET", target, "")
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "Location %q", res.Header.Get("Location"))
			assert.Empty(t, res.Header.Get("Location"))
			assert.NotContains(t, res.Header.Get("Cache-Control"), "max-age", "a refusal is not cached")
			assertSecurityHeaders(t, res)
		})
	}
}

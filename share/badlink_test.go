package share

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A mistyped share link (a word, a truncated id, a 26-character id that fails the
// check, an id with a stray character pasted after it) was redirected to /<it>, where
// Go's plain "404 page not found" said nothing about share links. It now gets a page
// of its own: 404, the reason CheckID gives, and a link back to the playground. This
// is the handler the Worker runs too.
func TestSharePageBadLink(t *testing.T) {
	s := site(newMemStore())
	_, id := canonicalOf(t, minimal)
	bad := id[:25] + "b" // 26 characters whose last 2 bits are not zero
	require.Error(t, CheckID(bad))
	for _, target := range []string{
		"/s/bogus",
		"/s/not-an-id",
		"/s/" + id[:20],             // truncated
		"/s/" + bad,                 // fails the check
		"/s/" + strings.ToUpper(id), // upper case
		"/s/" + id + "x",            // one character too many
		"/s/" + id + "%29",          // a ")" pasted after it
		"/s/" + id + ".",            // a full stop pasted after it
		"/s/%3Cb%3Ehi%3C%5Cb%3E",    // markup is shown, not run
	} {
		t.Run(target, func(t *testing.T) {
			res := request(t, s, "GET", target, "")
			body := readAll(t, res)
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			assert.Empty(t, res.Header.Get("Location"), "not redirected")
			assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			assertSecurityHeaders(t, res)
			assert.Contains(t, body, "This share link is not valid")
			assert.Contains(t, body, `<a href="/">`, "a link back to the playground")
			assert.Contains(t, body, "not a share link id")
			assert.NotContains(t, body, "<b>")
		})
	}

	res := request(t, s, "HEAD", "/s/bogus", "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Empty(t, readAll(t, res))

	res = request(t, s, "POST", "/s/bogus", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

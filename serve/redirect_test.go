package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// RootRedirect sends only GET and HEAD of the bare root, and the redirect carries the
// headers of a document like the page it leads to (a browser may show its body).
func TestRootRedirect(t *testing.T) {
	s := New(dist(), Options{RootRedirect: "/?live"})
	for _, tc := range []struct {
		method, target string
		status         int
		location       string
	}{
		{http.MethodGet, "/", http.StatusSeeOther, "/?live"},
		{http.MethodHead, "/", http.StatusSeeOther, "/?live"},
		{http.MethodGet, "/?live", http.StatusOK, ""},
		{http.MethodGet, "/?scenario=x", http.StatusOK, ""},
		{http.MethodGet, "/js/main.js", http.StatusOK, ""},
		{http.MethodPost, "/", http.StatusMethodNotAllowed, ""},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		assert.Equal(t, tc.status, rec.Code, "%s %s", tc.method, tc.target)
		assert.Equal(t, tc.location, rec.Header().Get("Location"), "%s %s", tc.method, tc.target)
		if tc.status == http.StatusSeeOther {
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, DefaultCSP, rec.Header().Get("Content-Security-Policy"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
		}
	}

	rec := httptest.NewRecorder()
	New(dist(), Options{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusOK, rec.Code, "without RootRedirect / is the page")
}

package main

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// The open redirect of issue 11, against a real `raftplay serve`: /s/%5Cevil.example
// answered 308 Location: /\evil.example, which a browser resolves to
// http://evil.example/. Only a plain file path may redirect.
func TestServeShareRedirectStaysOnTheSite(t *testing.T) {
	var out syncbuf.Buffer
	base := startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), shareDir: filepath.Join(t.TempDir(), "share")}, &out)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		t.Helper()
		res, err := client.Get(base + path)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	for _, path := range []string{"/s/%5Cevil.example", "/s/%09/evil.example", "/s/%5C%5Cevil.example"} {
		res := get(path)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s: Location %q", path, res.Header.Get("Location"))
		assert.Empty(t, res.Header.Get("Location"), path)
	}
	res := get("/s/js/main.js")
	assert.Equal(t, http.StatusPermanentRedirect, res.StatusCode)
	assert.Equal(t, "/js/main.js", res.Header.Get("Location"))
}

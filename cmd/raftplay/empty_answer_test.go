package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An address where a server answers with an empty body made kv say "answered 404 Not
// Found: ; that is not a raftplay node's answer", and a 503 or 401 with an empty body
// "answered 503: ; is a majority ...". Each reads cleanly now, from kv's own process.
func TestKVAnswerWithAnEmptyBody(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, " answered 404 Not Found with an empty body; that is not a raftplay node's answer: is this the address of a node's HTTP API?"},
		{http.StatusUnauthorized, " answered 401 with an empty body (pass --token-file or set"},
		{http.StatusServiceUnavailable, " answered 503 with an empty body; is a majority of the nodes running?"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.status) }))
		out, code := runRaftplayBounded(t, []string{"kv", "get", "x", "--addr", srv.URL, "--timeout", "1s"})
		srv.Close()
		assert.Equal(t, 1, code, "output:\n%s", out)
		assert.Contains(t, out, srv.URL+tt.want)
		assert.NotContains(t, out, ": ;")
	}
}

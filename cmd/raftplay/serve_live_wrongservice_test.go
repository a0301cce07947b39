package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// serve --live given the address of some other web server (the playground's own, say,
// for a node's) warned only "refuses this server: ... answered 404 Not Found: 404 page
// not found"; the warning says now that this is not a node's answer.
func TestServeLiveNamesAnAddressThatIsNoNode(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	var out syncbuf.Buffer
	startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), live: other.URL}, &out)
	assert.Contains(t, out.String(), "warning: "+other.URL+" refuses this server: "+other.URL+" answered 404 Not Found: 404 page not found; that is not a raftplay node's answer: is this the address of a node's HTTP API?")
}

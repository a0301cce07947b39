package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --addr naming a node's Raft port (7001 where 8001 was meant) ended, after kv's
// retries, in "request to http://127.0.0.1:7001 failed: Get ...: EOF", and an
// address where some other web server answers (the playground's, say) in "answered
// 404 Not Found: 404 page not found": neither says that --addr names no node's HTTP
// API. Both do now, from the commands' own processes.
func TestAddrOfSomethingElseThanANodesHTTPAPI(t *testing.T) {
	c := startCluster(t, nil)
	require.Eventually(t, func() bool { return strings.Contains(c.stdout.String(), "is the leader") }, 20*time.Second, 20*time.Millisecond)
	raft := fmt.Sprintf("http://127.0.0.1:%d", c.flags.basePort)
	out, code := runRaftplayBounded(t, []string{"kv", "get", "x", "--addr", raft, "--timeout", "1s"})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, raft+" closed the connection without an HTTP answer: is it a node's Raft port? a node's HTTP API (its --http) is wanted")
	out, code = runRaftplayBounded(t, []string{"status", "--addr", raft})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, "is it a node's Raft port? a node's HTTP API (its --http) is wanted")

	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	for _, args := range [][]string{{"kv", "get", "x"}, {"kv", "put", "x", "1"}, {"status"}} {
		out, code = runRaftplayBounded(t, append(args, "--addr", other.URL))
		assert.Equal(t, 1, code, "%v output:\n%s", args, out)
		assert.Contains(t, out, other.URL+" answered 404 Not Found: 404 page not found; that is not a raftplay node's answer: is this the address of a node's HTTP API?", "%v", args)
	}
}

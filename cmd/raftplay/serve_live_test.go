package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
	"github.com/raftplay/raftplay/serve"
)

// serve --live serves the page for nodes started elsewhere: / redirects to /?live,
// the cluster answer lists the nodes (not supervised), and the page's files are there.
func TestServeLiveFollowsNodesStartedElsewhere(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "serve-live" })
	t.Setenv(tokenEnv, "serve-live")
	var out syncbuf.Buffer
	base := startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), live: strings.Join(c.URLs, ",")}, &out)
	assert.Contains(t, out.String(), "live playground at "+base+"/?live")

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/?live", resp.Header.Get("Location"))
	redirect := resp.Header
	resp, err = http.Get(base + "/?live")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Content-Security-Policy"), "the playground's security headers")
	for _, name := range append([]string{"X-Content-Type-Options"}, serve.DocumentHeaders...) {
		assert.Equal(t, resp.Header.Get(name), redirect.Get(name), "the redirect to /?live is a document too: %s", name)
	}

	resp, err = http.Get(base + "/api/live/cluster")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Content-Security-Policy"), "the API answers carry them too")
	var cluster struct {
		Live, Supervised bool
		Nodes            []struct {
			ID     uint64
			Up     bool
			Status json.RawMessage
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&cluster))
	assert.True(t, cluster.Live)
	assert.False(t, cluster.Supervised)
	require.Len(t, cluster.Nodes, 3)
	for i, n := range cluster.Nodes {
		assert.Equal(t, uint64(i+1), n.ID)
		assert.True(t, n.Up, "node %d answers with the token from $%s", n.ID, tokenEnv)
	}
}

func TestLiveRefusesNonLoopbackWithoutInsecure(t *testing.T) {
	err := runServe(t.Context(), &syncbuf.Buffer{}, serveFlags{addr: "0.0.0.0:0", dist: fakeDist(t), live: "http://127.0.0.1:8001"}, nil)
	require.Error(t, err)
	assert.Equal(t, 2, exitCodeOf(err))
	assert.Contains(t, err.Error(), "not a loopback address")
	assert.Contains(t, err.Error(), "--insecure")

	f := clusterFlags{basePort: 7001, data: "d", tick: 1, stopTimeout: 1, logLevel: "info", web: "192.0.2.1:8080"}
	assert.ErrorContains(t, f.check(), "--web 127.0.0.1:PORT")
	f.insecure = true
	assert.NoError(t, f.check())
	f.web = "localhost:8080"
	f.insecure = false
	assert.NoError(t, f.check())
}

package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// testCluster is three nodes in this process, on 127.0.0.1 with ports the OS chose,
// each with a memstore.
type testCluster struct {
	t        testing.TB
	ids      []uint64
	raft     map[uint64]string // Raft address of each node
	http     map[uint64]string // HTTP address of each node
	stores   map[uint64]*memstore.Store
	nodes    map[uint64]*Node
	stop     map[uint64]context.CancelFunc
	done     map[uint64]chan error
	tune     func(*Config)
	client   *http.Client // follows redirects
	noFollow *http.Client // shows redirects
}

// newTestCluster starts three nodes; tune, if not nil, adjusts each Config.
func newTestCluster(t testing.TB, tune func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{
		t: t, ids: []uint64{1, 2, 3}, tune: tune,
		raft: map[uint64]string{}, http: map[uint64]string{}, stores: map[uint64]*memstore.Store{},
		nodes: map[uint64]*Node{}, stop: map[uint64]context.CancelFunc{}, done: map[uint64]chan error{},
	}
	transport := &http.Transport{DisableKeepAlives: true}
	c.client = &http.Client{Transport: transport, Timeout: 15 * time.Second}
	c.noFollow = &http.Client{Transport: transport, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	raftLns, httpLns := map[uint64]net.Listener{}, map[uint64]net.Listener{}
	for _, id := range c.ids {
		raftLns[id], httpLns[id] = listenLoopback(t), listenLoopback(t)
		c.raft[id], c.http[id] = raftLns[id].Addr().String(), httpLns[id].Addr().String()
		c.stores[id] = memstore.New(engine.ConfState{Voters: c.ids})
	}
	for _, id := range c.ids {
		c.start(id, raftLns[id], httpLns[id])
	}
	t.Cleanup(c.stopAll)
	return c
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

func (c *testCluster) config(id uint64, raftLn, httpLn net.Listener) Config {
	cfg := Config{
		ID: id, Peers: c.raft, PeerHTTP: c.http, RaftListener: raftLn, HTTPListener: httpLn,
		Store: c.stores[id], RequestTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(c.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})).With("test", c.t.Name()),
	}
	if c.tune != nil {
		c.tune(&cfg)
	}
	return cfg
}

// start runs node id on the given listeners, or on new ones at its old addresses.
func (c *testCluster) start(id uint64, raftLn, httpLn net.Listener) {
	t := c.t
	t.Helper()
	var err error
	if raftLn == nil {
		raftLn, err = net.Listen("tcp", c.raft[id])
		require.NoError(t, err)
		httpLn, err = net.Listen("tcp", c.http[id])
		require.NoError(t, err)
	}
	n, err := New(c.config(id, raftLn, httpLn))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	c.nodes[id], c.stop[id], c.done[id] = n, cancel, done
}

// halt stops node id and waits for Run to return.
func (c *testCluster) halt(id uint64) {
	c.t.Helper()
	cancel, ok := c.stop[id]
	if !ok {
		return
	}
	cancel()
	select {
	case err := <-c.done[id]:
		require.NoError(c.t, err, "node %d stopped with an error", id)
	case <-time.After(10 * time.Second):
		require.FailNow(c.t, "node did not stop", "node %d", id)
	}
	delete(c.stop, id)
	delete(c.nodes, id)
}

func (c *testCluster) stopAll() {
	for _, id := range c.ids {
		c.halt(id)
	}
}

// leader waits until the running nodes agree on one leader and returns it.
func (c *testCluster) leader() uint64 {
	c.t.Helper()
	var lead uint64
	require.Eventually(c.t, func() bool {
		lead = 0
		leaders := 0
		for _, n := range c.nodes {
			st := n.Status()
			if st.Role == "leader" {
				leaders++
				lead = st.ID
			}
		}
		if leaders != 1 {
			return false
		}
		for _, n := range c.nodes {
			if n.Leader() != lead {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "no agreed leader")
	return lead
}

func (c *testCluster) follower() uint64 {
	lead := c.leader()
	for _, id := range c.ids {
		if _, running := c.nodes[id]; running && id != lead {
			return id
		}
	}
	c.t.Fatal("no follower is running")
	return 0
}

func (c *testCluster) url(id uint64, path string) string { return "http://" + c.http[id] + path }

// do sends a request and returns the status code and body.
func (c *testCluster) do(client *http.Client, method, url, body string, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(c.t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}

func decodeJSON[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(body), &v), "body: %s", body)
	return v
}

// waitApplied waits until every running node has applied index.
func (c *testCluster) waitApplied(index uint64) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		for _, n := range c.nodes {
			if n.Status().LastApplied < index {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "not every node applied index %d", index)
}

func TestClusterElectsOneLeader(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()

	for _, id := range c.ids {
		resp, body := c.do(c.client, http.MethodGet, c.url(id, "/status"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		st := decodeJSON[Status](t, body)
		assert.Equal(t, id, st.ID)
		assert.Equal(t, uint64(DefaultClusterID), st.ClusterID)
		assert.Equal(t, lead, st.Leader)
		assert.NotZero(t, st.Term)
		require.Len(t, st.Peers, 3)
		for i, p := range st.Peers {
			assert.Equal(t, c.ids[i], p.ID)
			assert.Equal(t, c.raft[p.ID], p.RaftAddr)
			assert.Equal(t, "http://"+c.http[p.ID], p.HTTPURL)
		}
		if id == lead {
			assert.Equal(t, "leader", st.Role)
		} else {
			assert.Equal(t, "follower", st.Role)
		}
	}
	// The leader's empty entry of its term commits everywhere.
	c.waitApplied(1)
	require.Eventually(t, func() bool {
		st := c.nodes[lead].Status()
		return st.Peers[0].MatchIndex >= 1 && st.Peers[1].MatchIndex >= 1 && st.Peers[2].MatchIndex >= 1 &&
			st.Peers[0].Connected && st.Peers[1].Connected && st.Peers[2].Connected
	}, 5*time.Second, 10*time.Millisecond, "the leader's /status shows every peer connected and replicated")
}

func TestClusterKV(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, follower := c.leader(), c.follower()

	t.Run("a follower redirects writes to the leader", func(t *testing.T) {
		resp, body := c.do(c.noFollow, http.MethodPut, c.url(follower, "/kv/greeting?x=1"), "hello", nil)
		require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, body)
		assert.Equal(t, c.url(lead, "/kv/greeting?x=1"), resp.Header.Get("Location"))
		assert.Equal(t, lead, decodeJSON[ErrorBody](t, body).Leader)
	})

	var putIndex uint64
	t.Run("PUT through a follower follows the redirect", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(follower, "/kv/greeting"), "hello", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		res := decodeJSON[WriteResult](t, body)
		assert.Equal(t, WriteResult{Key: "greeting", Index: res.Index, Found: false}, res)
		assert.NotZero(t, res.Index)
		assert.Equal(t, fmt.Sprint(res.Index), resp.Header.Get(HeaderIndex))
		putIndex = res.Index
	})

	t.Run("GET is served by the leader, through any node", func(t *testing.T) {
		for _, id := range c.ids {
			resp, body := c.do(c.client, http.MethodGet, c.url(id, "/kv/greeting"), "", nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "hello", body)
			assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
		}
		resp, body := c.do(c.client, http.MethodGet, c.url(lead, "/kv/missing"), "", nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
		assert.Equal(t, "missing", decodeJSON[ErrorBody](t, body).Key)
	})

	t.Run("keys may contain slashes and escapes", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/dir/file%20name"), "x", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "dir/file name", decodeJSON[WriteResult](t, body).Key)
		resp, body = c.do(c.client, http.MethodGet, c.url(follower, "/kv/dir/file%20name"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "x", body)
	})

	t.Run("compare-and-set", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/greeting"), "bye", map[string]string{HeaderExpect: "wrong"})
		require.Equal(t, http.StatusConflict, resp.StatusCode, body)
		conflict := decodeJSON[ErrorBody](t, body)
		assert.True(t, conflict.Found)
		assert.Equal(t, "hello", conflict.Current)

		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/nothing"), "v", map[string]string{HeaderExpect: ""})
		require.Equal(t, http.StatusConflict, resp.StatusCode, body)
		assert.False(t, decodeJSON[ErrorBody](t, body).Found)

		resp, body = c.do(c.client, http.MethodPut, c.url(follower, "/kv/greeting"), "bye", map[string]string{HeaderExpect: "hello"})
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, WriteResult{Key: "greeting", Index: decodeJSON[WriteResult](t, body).Index, Found: true, Previous: "hello"}, decodeJSON[WriteResult](t, body))
	})

	t.Run("DELETE", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodDelete, c.url(follower, "/kv/greeting"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		res := decodeJSON[WriteResult](t, body)
		assert.True(t, res.Found)
		assert.Equal(t, "bye", res.Previous)
		resp, body = c.do(c.client, http.MethodGet, c.url(lead, "/kv/greeting"), "", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, body)
		resp, body = c.do(c.client, http.MethodDelete, c.url(lead, "/kv/greeting"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.False(t, decodeJSON[WriteResult](t, body).Found)
	})

	t.Run("a retried write with a session is applied once", func(t *testing.T) {
		session := map[string]string{HeaderClient: "77", HeaderSeq: "1"}
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/once"), "first", session)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		first := decodeJSON[WriteResult](t, body)
		resp, body = c.do(c.client, http.MethodPut, c.url(follower, "/kv/once"), "first", session)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, first, decodeJSON[WriteResult](t, body), "the retry gets the original's answer")
		resp, body = c.do(c.client, http.MethodGet, c.url(lead, "/kv/once"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "first", body)

		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/once"), "second", map[string]string{HeaderClient: "77", HeaderSeq: "3"})
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/once"), "stale", map[string]string{HeaderClient: "77", HeaderSeq: "2"})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		assert.Contains(t, decodeJSON[ErrorBody](t, body).Error, "stale")
	})

	t.Run("an oversized value is refused with 413", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/big"), strings.Repeat("v", defaultMaxBodyBytes+1), nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, body)
		assert.Contains(t, decodeJSON[ErrorBody](t, body).Error, "value too large")
		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/big"), strings.Repeat("v", defaultMaxBodyBytes), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	})

	t.Run("malformed requests", func(t *testing.T) {
		for _, tc := range []struct {
			name, method, path string
			header             map[string]string
			status             int
			want               string
		}{
			{"empty key", http.MethodPut, "/kv/", nil, http.StatusBadRequest, "empty key"},
			{"key too long", http.MethodGet, "/kv/" + strings.Repeat("k", 1025), nil, http.StatusBadRequest, "key is 1025 bytes"},
			{"client without seq", http.MethodPut, "/kv/a", map[string]string{HeaderClient: "1"}, http.StatusBadRequest, "send both"},
			{"client not a number", http.MethodDelete, "/kv/a", map[string]string{HeaderClient: "x1", HeaderSeq: "1"}, http.StatusBadRequest, `X-Raftplay-Client "x1"`},
			{"seq zero", http.MethodPut, "/kv/a", map[string]string{HeaderClient: "1", HeaderSeq: "0"}, http.StatusBadRequest, `X-Raftplay-Seq "0"`},
			{"unknown path", http.MethodGet, "/nope", nil, http.StatusNotFound, "no such endpoint"},
			{"kv without key", http.MethodGet, "/kv", nil, http.StatusBadRequest, "empty key"},
			{"wrong method on kv", http.MethodPost, "/kv/a", nil, http.StatusMethodNotAllowed, "method POST is not allowed"},
			{"wrong method on status", http.MethodDelete, "/status", nil, http.StatusMethodNotAllowed, "allowed: GET"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := c.do(c.noFollow, tc.method, c.url(lead, tc.path), "", tc.header)
				require.Equal(t, tc.status, resp.StatusCode, body)
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				assert.Contains(t, decodeJSON[ErrorBody](t, body).Error, tc.want)
			})
		}
		req, err := http.NewRequest(http.MethodPut, c.url(lead, "/kv/a"), strings.NewReader("v"))
		require.NoError(t, err)
		req.Header.Add(HeaderExpect, "1")
		req.Header.Add(HeaderExpect, "2")
		resp, err := c.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})

	// Every replica applies the same entries.
	c.waitApplied(putIndex + 8)
	idx := c.nodes[lead].Status().LastApplied
	c.waitApplied(idx)
}

func TestClusterRestartedNodeCatchesUp(t *testing.T) {
	c := newTestCluster(t, nil)
	follower := c.follower()
	c.halt(follower)

	lead := c.leader()
	for i := range 20 {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, fmt.Sprintf("/kv/k%d", i)), fmt.Sprint(i), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	// The node comes back on the same storage and the same addresses.
	c.start(follower, nil, nil)
	c.waitApplied(c.nodes[lead].Status().LastApplied)

	// Stop the old leader: the restarted node is now needed for a quorum, and whoever
	// leads serves every write it missed.
	c.halt(lead)
	newLead := c.leader()
	for i := range 20 {
		resp, body := c.do(c.client, http.MethodGet, c.url(newLead, fmt.Sprintf("/kv/k%d", i)), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, fmt.Sprint(i), body)
	}
}

func TestClusterTokenGuardsHTTP(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.Token = "cluster-secret" })
	lead := c.leader() // the peers found each other with the token

	resp, body := c.do(c.client, http.MethodGet, c.url(lead, "/status"), "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
	resp, body = c.do(c.client, http.MethodGet, c.url(lead, "/status"), "", map[string]string{"Authorization": "Bearer wrong"})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/a"), "1", map[string]string{"Authorization": "Bearer cluster-secret"})
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
}

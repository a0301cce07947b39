package node

import (
	"context"
	"errors"
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
	"github.com/raftplay/raftplay/internal/syncbuf"
	"github.com/raftplay/raftplay/memstore"
)

// Issue 11: a PUT body sent a byte at a time stayed open for as long as the sender
// liked. The node gives up on a body that takes longer than BodyReadTimeout.
func TestSlowBodyIsCutOff(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.BodyReadTimeout = 300 * time.Millisecond })
	lead := c.leader()
	conn, err := net.Dial("tcp", c.http[lead])
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "PUT /kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
	require.NoError(t, err)
	start := time.Now()
	answered := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // until the node closes the connection
		answered <- string(b)
	}()
	var answer string
	closed := false
	for i := 0; i < 50 && !closed; i++ {
		_, _ = conn.Write([]byte("x")) // fails once the node has closed the connection
		select {
		case answer = <-answered:
			closed = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.True(t, closed, "a body sent a byte every 100 ms is still being read after 5 s")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Contains(t, answer, "408 Request Timeout", "the answer says the body was too slow")
	resp, body := c.do(c.client, http.MethodGet, c.url(lead, "/kv/slow"), "", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "nothing was written: %s", body)
}

// 10,000 idle connections were all accepted. Past MaxHTTPConns the node closes new
// connections at once, and serves again once the idle ones are gone.
func TestHTTPConnectionsAreCapped(t *testing.T) {
	var logs syncbuf.Buffer
	c := newTestCluster(t, func(cfg *Config) {
		cfg.MaxHTTPConns = 8
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	lead := c.leader()
	var idle []net.Conn
	closedAtOnce := 0
	for range 40 {
		conn, err := net.Dial("tcp", c.http[lead])
		require.NoError(t, err)
		idle = append(idle, conn)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		_, err = conn.Read(make([]byte, 1))
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			continue // still open, as an accepted idle connection is
		}
		closedAtOnce++
	}
	assert.GreaterOrEqual(t, closedAtOnce, 40-8, "connections past the cap are closed at once")
	assert.LessOrEqual(t, strings.Count(logs.String(), "too many HTTP connections"), 1, "the refusals are logged once:\n%s", logs.String())
	for _, conn := range idle {
		_ = conn.Close()
	}
	require.Eventually(t, func() bool {
		resp, err := c.client.Get(c.url(lead, "/status"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond, "the node serves again once the idle connections are closed")
}

// 54,000 WARN lines in 12 s under a connection flood: refused peer connections are
// now logged once per kind and minute.
func TestRefusedPeerConnectionsAreLoggedOnce(t *testing.T) {
	var logs syncbuf.Buffer
	raftLn, httpLn := listenLoopback(t), listenLoopback(t)
	n, err := New(Config{
		ID:    1,
		Peers: map[uint64]string{1: raftLn.Addr().String(), 2: "127.0.0.1:1", 3: "127.0.0.1:2"},
		Store: newVoterStore(), RaftListener: raftLn, HTTPListener: httpLn, Token: "tok",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	stop := runNode(t, n)
	defer stop()
	for range 200 {
		conn, err := net.Dial("tcp", raftLn.Addr().String())
		require.NoError(t, err)
		_, _ = conn.Write(appendHandshake(nil, handshake{From: 2, To: 1, ClusterID: 1, Token: []byte("wrong")}))
		_, _ = conn.Read(make([]byte, 1)) // wait for the node to close it
		_ = conn.Close()
	}
	require.Eventually(t, func() bool { return n.TransportStats().Rejected == 200 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 1, strings.Count(logs.String(), "refused a peer connection"), "logs:\n%s", logs.String())
}

func newVoterStore() *memstore.Store {
	return memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}})
}

// runNode runs n until the returned stop is called.
func runNode(t *testing.T, n *Node) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	return func() {
		cancel()
		require.NoError(t, <-done)
	}
}

package node

import (
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/internal/syncbuf"
)

// Issue 11: one AppendEntries with term 2^64-1, sent by any local process to a
// loopback cluster without a token, left the cluster without a leader for good (no
// peer could campaign past that term). A term that far ahead is refused, logged once
// per peer and not again for each forged frame, and the cluster keeps its leader.
func TestForgedHugeTermIsRefused(t *testing.T) {
	var logs syncbuf.Buffer
	c := newTestCluster(t, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	lead := c.leader()
	victim := c.follower()

	conn, err := net.Dial("tcp", c.raft[victim])
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	frames := appendHandshake(nil, handshake{From: lead, To: victim, ClusterID: 1})
	for _, term := range []uint64{math.MaxUint64, math.MaxUint64 - 1, 1 << 40} {
		for range 50 {
			frames = appendFrame(frames, &engine.Message{Type: engine.MsgApp, From: lead, To: victim, Term: term})
			frames = appendFrame(frames, &engine.Message{Type: engine.MsgHeartbeat, From: lead, To: victim, Term: term})
		}
	}
	_, err = conn.Write(frames)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "far ahead")
	}, 5*time.Second, 10*time.Millisecond, "the refusal is logged: %s", logs.String())
	time.Sleep(300 * time.Millisecond) // the victim's election timeout is 200 ms at least

	for _, id := range c.ids {
		assert.Less(t, c.nodes[id].Status().Term, uint64(1000), "node %d took the forged term", id)
	}
	assert.Equal(t, lead, c.leader(), "the leader kept its place")
	resp, body := c.do(c.client, http.MethodPut, c.url(victim, "/kv/after"), "ok", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, 1, strings.Count(logs.String(), "far ahead"), "logged once, not per frame:\n%s", logs.String())
}

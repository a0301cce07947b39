package client

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/raftplay/raftplay/node"
)

// testNodes is a three-node cluster in this process (memstore, loopback, ports chosen
// by the OS).
type testNodes struct {
	t      *testing.T
	urls   []string
	nodes  []*node.Node
	cancel []context.CancelFunc
	done   []chan error
}

func startTestNodes(t *testing.T, token string) *testNodes {
	t.Helper()
	ids := []uint64{1, 2, 3}
	peers, peerHTTP := map[uint64]string{}, map[uint64]string{}
	raftLns, httpLns := map[uint64]net.Listener{}, map[uint64]net.Listener{}
	for _, id := range ids {
		raftLns[id], httpLns[id] = listenLoopback(t), listenLoopback(t)
		peers[id], peerHTTP[id] = raftLns[id].Addr().String(), httpLns[id].Addr().String()
	}
	c := &testNodes{t: t}
	for _, id := range ids {
		n, err := node.New(node.Config{ID: id, Peers: peers, PeerHTTP: peerHTTP, RaftListener: raftLns[id],
			HTTPListener: httpLns[id], Store: memstore.New(engine.ConfState{Voters: ids}),
			RequestTimeout: 5 * time.Second, Token: token})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		c.urls = append(c.urls, "http://"+peerHTTP[id])
		c.nodes, c.cancel, c.done = append(c.nodes, n), append(c.cancel, cancel), append(c.done, done)
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.stop(i)
		}
	})
	return c
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// deadURL is the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln := listenLoopback(t)
	url := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	return url
}

// stop stops the node at index i and waits for it.
func (c *testNodes) stop(i int) {
	if c.cancel[i] == nil {
		return
	}
	c.cancel[i]()
	c.cancel[i] = nil
	select {
	case err := <-c.done[i]:
		assert.NoError(c.t, err)
	case <-time.After(10 * time.Second):
		c.t.Errorf("node %d did not stop", i+1)
	}
}

// leader waits for a leader and returns its index.
func (c *testNodes) leader() int {
	c.t.Helper()
	lead := -1
	require.Eventually(c.t, func() bool {
		for i, n := range c.nodes {
			if c.cancel[i] != nil && n.IsLeader() {
				lead = i
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "no leader")
	return lead
}

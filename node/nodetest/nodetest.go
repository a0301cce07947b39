// Package nodetest runs a cluster of three nodes (package node) inside a test process:
// memory stores, loopback listeners on ports the OS chose, stopped when the test ends.
// The tests of node/client and of the command-line tool run against it; package node's
// own tests keep theirs, which reaches into the nodes' insides.
package nodetest

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

// Cluster is three running nodes, ids 1 to 3 at indices 0 to 2.
type Cluster struct {
	URLs  []string // the base URL of each node's HTTP API
	Nodes []*node.Node

	t      testing.TB
	cancel []context.CancelFunc
	done   []chan error
}

// Start starts the three nodes; tune, if not nil, adjusts each node's Config. They stop
// when the test ends.
func Start(t testing.TB, tune func(*node.Config)) *Cluster {
	t.Helper()
	ids := []uint64{1, 2, 3}
	peers, peerHTTP := map[uint64]string{}, map[uint64]string{}
	raftLns, httpLns := map[uint64]net.Listener{}, map[uint64]net.Listener{}
	for _, id := range ids {
		raftLns[id], httpLns[id] = listenLoopback(t), listenLoopback(t)
		peers[id], peerHTTP[id] = raftLns[id].Addr().String(), httpLns[id].Addr().String()
	}
	c := &Cluster{t: t}
	for _, id := range ids {
		cfg := node.Config{ID: id, Peers: peers, PeerHTTP: peerHTTP, RaftListener: raftLns[id], HTTPListener: httpLns[id],
			Store: memstore.New(engine.ConfState{Voters: ids}), RequestTimeout: 5 * time.Second}
		if tune != nil {
			tune(&cfg)
		}
		n, err := node.New(cfg)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		c.URLs = append(c.URLs, "http://"+peerHTTP[id])
		c.Nodes, c.cancel, c.done = append(c.Nodes, n), append(c.cancel, cancel), append(c.done, done)
	}
	t.Cleanup(func() {
		for i := range c.Nodes {
			c.Stop(i)
		}
	})
	return c
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// Stop stops the node at index i, if it runs, and waits for it.
func (c *Cluster) Stop(i int) {
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

// Leader waits up to 10 s for a running node to lead and returns its index.
func (c *Cluster) Leader() int {
	c.t.Helper()
	lead := -1
	require.Eventually(c.t, func() bool {
		for i, n := range c.Nodes {
			if c.cancel[i] != nil && n.IsLeader() {
				lead = i
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "no leader")
	return lead
}

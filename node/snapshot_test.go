package node_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/nodetest"
)

// A node snapshots on its own once the commands applied since its last snapshot pass
// SnapshotBytes (here with SnapshotEntries off), and /status shows where its log now
// starts. Every node applies the same commands, so every node snapshots.
func TestNodeSnapshotsOnBytes(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) {
		cfg.SnapshotEntries, cfg.SnapshotBytes = -1, 8<<10
	})
	c.Leader()
	api, err := client.New(c.URLs, client.Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	value := strings.Repeat("v", 1024)
	for i := range 20 {
		_, err := api.Put(ctx, fmt.Sprintf("k%d", i%4), value)
		require.NoError(t, err)
	}
	for i, n := range c.Nodes {
		require.Eventually(t, func() bool { return n.Status().SnapshotIndex > 0 }, 10*time.Second, 20*time.Millisecond,
			"node %d takes a snapshot after more than 8 KiB of commands", i+1)
		st := n.Status()
		assert.Equal(t, st.SnapshotIndex+1, st.FirstIndex)
		assert.LessOrEqual(t, st.SnapshotIndex, st.LastApplied)
	}
	got, err := api.Get(ctx, "k3")
	require.NoError(t, err)
	assert.Equal(t, value, got.Value)
}

// With both thresholds off a node never snapshots.
func TestNodeSnapshotsOff(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) {
		cfg.SnapshotEntries, cfg.SnapshotBytes = -1, -1
	})
	c.Leader()
	api, err := client.New(c.URLs, client.Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 20 {
		_, err := api.Put(ctx, "k", strings.Repeat("v", 1024+i))
		require.NoError(t, err)
	}
	for _, n := range c.Nodes {
		st := n.Status()
		assert.Zero(t, st.SnapshotIndex)
		assert.Equal(t, uint64(1), st.FirstIndex)
	}
}

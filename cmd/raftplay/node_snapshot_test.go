package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/nodetest"
)

// --snapshot-entries and --snapshot-bytes reach the node's Config; 0 turns a threshold
// off (the Config's negative), and a negative flag is refused by name.
func TestNodeFlagsSnapshotThresholds(t *testing.T) {
	f := nodeFlags{id: 1, peers: "1=127.0.0.1:7001", http: "127.0.0.1:8001", data: "d", tick: 5 * time.Millisecond,
		electionTicks: 30, logLevel: "info", token: "t", snapshotEntries: 500, snapshotBytes: 1 << 20}
	cfg, err := f.config()
	require.NoError(t, err)
	assert.Equal(t, 500, cfg.SnapshotEntries)
	assert.Equal(t, int64(1<<20), cfg.SnapshotBytes)

	f.snapshotEntries, f.snapshotBytes = 0, 0
	cfg, err = f.config()
	require.NoError(t, err)
	assert.Negative(t, cfg.SnapshotEntries)
	assert.Negative(t, cfg.SnapshotBytes)

	f.snapshotEntries = -1
	_, err = f.config()
	assert.ErrorContains(t, err, "--snapshot-entries must not be negative")
	f.snapshotEntries, f.snapshotBytes = 1, -5
	_, err = f.config()
	assert.ErrorContains(t, err, "--snapshot-bytes must not be negative")
}

// raftplay status shows each node's snapshot index and the first index of its log.
func TestStatusShowsSnapshot(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.SnapshotEntries = 3 })
	c.Leader()
	api, err := client.New(c.URLs, client.Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	for i := range 6 {
		_, err := api.Put(context.Background(), "k", fmt.Sprint(i))
		require.NoError(t, err)
	}
	var out bytes.Buffer
	require.Eventually(t, func() bool {
		out.Reset()
		return runStatus(context.Background(), &out, statusFlags{addrs: c.URLs, timeout: 2 * time.Second}) == nil &&
			regexp.MustCompile(`(?m)^\d\s+http://\S+\s+\w+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+[1-9]\d*\s+(?:[2-9]|[1-9]\d+)$`).Match(out.Bytes())
	}, 10*time.Second, 50*time.Millisecond, "a row with a snapshot index and the first index after it")
	assert.Contains(t, out.String(), "SNAPSHOT")
	assert.Contains(t, out.String(), "FIRST INDEX")
}

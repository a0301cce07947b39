package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshotEvery is the --snapshot-entries of the snapshot tests: small, so that a few
// hundred writes take several snapshots.
const snapshotEvery = 50

// putValues writes count values of size bytes over keys key0..key(keys-1), in order,
// each naming its round and number, and returns the last value of each key.
func putValues(t *testing.T, ctx context.Context, c *Cluster, round string, count, keys, size int) map[string]string {
	t.Helper()
	_, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	last := make(map[string]string, keys)
	for i := range count {
		key := fmt.Sprintf("key%d", i%keys)
		value := fmt.Sprintf("%s/%06d:", round, i)
		value += strings.Repeat("x", max(size-len(value), 0))
		_, err := c.Client().Put(ctx, key, value)
		require.NoError(t, err, "PUT %s (write %d)", key, i)
		last[key] = value
	}
	return last
}

// dirSize is the total size of the files in dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	require.NoError(t, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	}))
	return total
}

// storageLine matches what a node prints about its store when it starts.
var storageLine = regexp.MustCompile(`storage .*: replayed \d+ records of \S+: last index (\d+),.*?(?:after the snapshot at (\d+))?(?:;|\n|$)`)

// lastReplay returns the last index and snapshot index of node id's last start.
func lastReplay(t *testing.T, c *Cluster, id uint64) (last, snap uint64) {
	t.Helper()
	matches := storageLine.FindAllStringSubmatch(nodeLog(t, c, id), -1)
	require.NotEmpty(t, matches, "node %d printed no storage line", id)
	m := matches[len(matches)-1]
	last, err := strconv.ParseUint(m[1], 10, 64)
	require.NoError(t, err)
	if m[2] != "" {
		snap, err = strconv.ParseUint(m[2], 10, 64)
		require.NoError(t, err)
	}
	return last, snap
}

// A follower down for every write comes back after the leader compacted its log: it
// catches up by InstallSnapshot (§7) and serves the right values. The data directories
// stay bounded by the live data and the snapshot interval, not by the writes, and a
// restart replays only the log since the last snapshot.
func TestFollowerCatchesUpBySnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	const (
		keys   = 20
		size   = 1024
		writes = 600
	)
	c := startCluster(t, "--snapshot-entries", strconv.Itoa(snapshotEvery))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	follower := lead%3 + 1
	require.NoError(t, c.Stop(follower, 10*time.Second))

	written := putValues(t, ctx, c, "first", writes, keys, size)
	st, err := c.Status(ctx, lead)
	require.NoError(t, err)
	require.Greater(t, st.SnapshotIndex, uint64(writes-2*snapshotEvery), "the leader snapshots on its own")
	require.Equal(t, st.SnapshotIndex+1, st.FirstIndex)
	for _, n := range c.Nodes {
		if n.ID == follower {
			continue
		}
		used := dirSize(t, n.DataDir)
		t.Logf("node %d: data directory %d bytes after %d writes of %d bytes", n.ID, used, writes, size)
		assert.Less(t, used, int64(writes*size/3), "node %d: the data directory is bounded by live data, not by the writes", n.ID)
	}

	require.NoError(t, c.Start(follower))
	start := time.Now()
	require.NoError(t, waitCaughtUp(ctx, c))
	t.Logf("the follower caught up in %v", time.Since(start))
	fst, err := c.Status(ctx, follower)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, fst.SnapshotIndex, st.SnapshotIndex, "the follower holds the leader's snapshot")
	assert.Contains(t, nodeLog(t, c, follower), "installed the leader's snapshot")
	assert.Less(t, dirSize(t, c.Node(follower).DataDir), int64(writes*size/3))

	// The follower serves from the snapshot it installed. Make it the only possible
	// leader: the third node stops, misses a few writes, and comes back once the
	// leader is down, so its log is behind the follower's and the follower refuses
	// it its vote (§5.4.1).
	other := 6 - lead - follower
	require.NoError(t, c.Stop(other, 10*time.Second))
	for key, value := range putValues(t, ctx, c, "second", 5, keys, size) {
		written[key] = value
	}
	require.NoError(t, c.Stop(lead, 10*time.Second))
	require.NoError(t, c.Start(other))
	newLead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	require.Equal(t, follower, newLead, "only the follower holds every committed entry")
	requireReadable(t, ctx, c, written)

	// A restart replays the log since the last snapshot only, however many writes the
	// node has seen.
	require.NoError(t, c.Start(lead))
	require.NoError(t, waitCaughtUp(ctx, c))
	for key, value := range putValues(t, ctx, c, "third", writes, keys, size) {
		written[key] = value
	}
	require.NoError(t, waitCaughtUp(ctx, c))
	require.NoError(t, c.Stop(follower, 10*time.Second))
	require.NoError(t, c.Start(follower))
	require.NoError(t, waitCaughtUp(ctx, c))
	last, snap := lastReplay(t, c, follower)
	t.Logf("the follower restarted after %d writes: log %d..%d after the snapshot", 2*writes, snap+1, last)
	require.Positive(t, snap, "the follower restarts from a snapshot")
	assert.LessOrEqual(t, last-snap, uint64(2*snapshotEvery), "a restart replays at most the log since the last snapshot")
	requireReadable(t, ctx, c, written)
}

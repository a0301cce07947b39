package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshotTargetEnv runs TestSnapshotTarget when set: it takes minutes.
const snapshotTargetEnv = "RAFTPLAY_SNAPSHOT_TARGET"

// rssKiB reads a field of /proc/PID/status ("VmRSS", "VmHWM") in KiB.
func rssKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kib
		}
	}
	require.Failf(t, "no field", "%s not in /proc/%d/status", field, pid)
	return 0
}

// TestSnapshotTarget measures issue 13's native target: 50,000 PUTs over 100 keys
// with 1 KiB values against three node processes (fsync on) while one follower is
// down, with snapshots on (the defaults) and then off, in the same run. It checks each
// running node's data directory (at most 16 MiB) and RSS (at most 128 MiB) with
// snapshots on, and logs the follower's catch-up time after its restart and the
// throughput of both runs. Set RAFTPLAY_SNAPSHOT_TARGET=1 to run it.
func TestSnapshotTarget(t *testing.T) {
	if os.Getenv(snapshotTargetEnv) == "" {
		t.Skipf("set %s=1 to measure the snapshot target (minutes)", snapshotTargetEnv)
	}
	const (
		puts    = 50_000
		keys    = 100
		size    = 1024
		clients = 16
	)
	perSec := map[string]float64{}
	for _, mode := range []string{"on", "off"} {
		var args []string
		if mode == "off" {
			args = []string{"--snapshot-entries", "0", "--snapshot-bytes", "0"}
		}
		c := startCluster(t, args...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		lead, err := c.WaitLeader(ctx)
		require.NoError(t, err)
		follower := lead%3 + 1
		require.NoError(t, c.Stop(follower, 10*time.Second))
		res := RunPuts(ctx, PutLoad{URL: c.Node(lead).URL(), Clients: clients, Ops: puts, ValueSize: size, Keys: keys})
		require.Zero(t, res.Failed, "%v", res.FirstErr)
		perSec[mode] = res.PerSec
		t.Logf("snapshots %s: %s", mode, res)
		for _, n := range c.Nodes {
			if n.ID == follower {
				continue
			}
			used, rss, hwm := dirSize(t, n.DataDir), rssKiB(t, c.PID(n.ID), "VmRSS"), rssKiB(t, c.PID(n.ID), "VmHWM")
			t.Logf("snapshots %s: node %d: data directory %.1f MiB, RSS %.1f MiB (peak %.1f MiB)", mode, n.ID,
				float64(used)/(1<<20), float64(rss)/1024, float64(hwm)/1024)
			if mode == "on" {
				assert.LessOrEqual(t, used, int64(16<<20), "node %d: data directory", n.ID)
				assert.LessOrEqual(t, rss, int64(128<<10), "node %d: RSS", n.ID)
			}
		}
		require.NoError(t, c.Start(follower))
		start := time.Now()
		require.NoError(t, waitCaughtUp(ctx, c))
		fst, err := c.Status(ctx, follower)
		require.NoError(t, err)
		t.Logf("snapshots %s: the follower down for all %d writes caught up in %v (its snapshot index %d, data directory %.1f MiB)",
			mode, puts, time.Since(start).Round(time.Millisecond), fst.SnapshotIndex, float64(dirSize(t, c.Node(follower).DataDir))/(1<<20))
		cancel()
		c.Close()
	}
	t.Logf("throughput with snapshots on / off: %.2f", perSec["on"]/perSec["off"])
}

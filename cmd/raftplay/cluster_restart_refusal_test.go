package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With --restart, a node that refuses to start (exit status 1: here its data
// directory is a file; a damaged log does the same) was started again every second,
// for ever, printing the same refusal each time. It is left down now, once, with
// what to do; the other two nodes run on.
func TestClusterRestartLeavesANodeThatRefusesToStart(t *testing.T) {
	c := startCluster(t, func(f *clusterFlags) {
		f.restart = true
		require.NoError(t, os.WriteFile(filepath.Join(f.data, "node1"), []byte("not a directory"), 0o644))
	})
	require.Eventually(t, func() bool { return strings.Contains(c.stdout.String(), "is the leader") }, 20*time.Second, 20*time.Millisecond,
		"nodes 2 and 3 elect a leader:\n%s", &c.stdout)
	time.Sleep(3 * clusterRestartDelay) // long enough for three restarts, had there been any
	out := c.stdout.String()
	assert.Equal(t, 1, strings.Count(out, "node 1 (pid "), "node 1 was started once:\n%s", out)
	assert.NotContains(t, out, "restarting node 1")
	assert.Contains(t, out, "node 1 stopped itself (exit status 1: its log above says why), which starting it again cannot fix, so --restart leaves it down; fix the cause, then restart it with:")
	assert.Equal(t, 2, runningNodeCount(out), "nodes 2 and 3 still run:\n%s", out)
}

// runningNodeCount counts the nodes cluster's output has started and not seen exit.
func runningNodeCount(out string) int {
	return 3 - strings.Count(out, ") exited: ")
}

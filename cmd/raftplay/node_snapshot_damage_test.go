package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A node whose snapshot file is damaged said "the log in DIR is damaged in a way a
// crash cannot explain ... cut the damage": the log was intact, and repair --truncate
// does not cut anything there, it moves the snapshot and the log after it aside. The
// node's own process names the snapshot and what the repair will do.
func TestNodeWithADamagedSnapshotNamesIt(t *testing.T) {
	dir, snapFile := snapshotStore(t)
	data, err := os.ReadFile(snapFile)
	require.NoError(t, err)
	data[len(data)-6] ^= 1
	require.NoError(t, os.WriteFile(snapFile, data, 0o644))

	out, code := runRaftplayBounded(t, []string{"node", "--id", "1",
		"--peers", fmt.Sprintf("1=127.0.0.1:%d", freeLoopbackPort(t)), "--http", fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t)), "--data", dir})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, "the snapshot "+snapFile+" is missing or damaged")
	assert.Contains(t, out, "raftplay repair --data "+dir+" --truncate")
	assert.NotContains(t, out, "the log in "+dir+" is damaged")
}

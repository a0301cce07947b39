package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/filestore"
)

// A data directory reused with other --peers (a new cluster of one on the old node1
// directory, say) was refused with filestore's "Options.Voters [1] differ from the
// stored voters [1 2 3]", which names a Go option, not the flag to change. The node's
// process names --peers, the directory, and the two ways out.
func TestNodeWithPeersOtherThanItsStoreNamesTheFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	store, _, err := filestore.Open(dir, filestore.Options{Voters: []uint64{1, 2, 3}, NoSync: true})
	require.NoError(t, err)
	require.NoError(t, store.Close())

	out, code := runRaftplayBounded(t, []string{"node", "--id", "1", "--peers", fmt.Sprintf("1=127.0.0.1:%d", freeLoopbackPort(t)),
		"--http", fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t)), "--data", dir})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, "--peers names the voters [1], but the store in "+dir+" belongs to a cluster whose voters are [1 2 3]")
	assert.Contains(t, out, "give the --peers it was started with, or another --data for a new cluster")
	assert.NotContains(t, out, "Options.Voters")
}

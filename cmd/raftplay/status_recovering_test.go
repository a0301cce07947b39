package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/filestore"
)

// With a majority of the nodes recovering from lost data (every one of them here), no
// leader can ever be elected: they do not vote. kv said "no leader is known; an
// election is probably under way; is a majority of the nodes running? ('raftplay
// status' shows them)", and status showed each as recovering without saying that
// this is why, or what is left to do. status says both now.
func TestStatusExplainsAMajorityThatIsRecovering(t *testing.T) {
	c := startCluster(t, func(f *clusterFlags) {
		for id := 1; id <= 3; id++ {
			recoveringStore(t, filepath.Join(f.data, fmt.Sprintf("node%d", id)))
		}
	})
	var out string
	require.Eventually(t, func() bool {
		out, _ = runRaftplayBounded(t, []string{"status", "--addr", c.allURLs(), "--token-file", filepath.Join(c.flags.data, "token")})
		return strings.Count(out, "(recovering: lost data, not voting)") == 3
	}, 20*time.Second, 100*time.Millisecond, "every node answers, recovering:\n%s", &out)
	assert.Contains(t, out, "no leader can be elected: 3 of the 3 voters [1 2 3] are recovering from lost data and do not vote")
	assert.Contains(t, out, "raftplay repair --data DIR --accept-loss")
}

// recoveringStore makes a store of voters 1, 2 and 3 in dir whose state file was
// rebuilt from its log: it starts recovering, as after a proven loss.
func recoveringStore(t *testing.T, dir string) {
	t.Helper()
	store, _, err := filestore.Open(dir, filestore.Options{Voters: []uint64{1, 2, 3}, NoSync: true})
	require.NoError(t, err)
	require.NoError(t, store.Close())
	require.NoError(t, os.Remove(filepath.Join(dir, "state")))
	_, err = filestore.RebuildState(dir, []uint64{1, 2, 3}, filestore.RepairOptions{})
	require.NoError(t, err)
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
)

// restartedFrom matches the engine's restarted event in a node's log: its commit index
// and last index.
var restartedFrom = regexp.MustCompile(`restarted from storage: [^\n]*?commit (\d+), last index (\d+)`)

// A leader restarted in the middle of a removal still tells the removed server, through
// the engine (engine/leaving.go), not through the GET /members fallback.
//
// The state comes from real crashes, not from an edited disk: server X is stopped, then
// removed (C_old,new, then C_new, both committed by the two others, L and F), and L and
// F are killed with SIGKILL. filestore does not write a commit-only change of the
// HardState alone (filestore/store.go, Save), so both restart knowing C_old,new
// committed and not C_new: Raft's commit index is volatile state (Figure 2). Whichever
// of them wins the next election therefore holds C_new not known committed, and takes
// X on as a leaving server (Peer.Leaving) — with a fresh process that never saw X's
// address in a configuration it used. X is started before them, so it is up for the
// whole window in which the new leader tries.
//
// X ends with C_new, which only the engine path gives it (the fallback leaves its own
// configuration as it was), and its log names the engine's reason.
func TestLeaderRestartedMidRemovalTellsTheRemovedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real node processes")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	victim := lead%3 + 1
	var rest []uint64
	for id := uint64(1); id <= 3; id++ {
		if id != victim {
			rest = append(rest, id)
		}
	}
	_, err = c.Client().Put(ctx, "before", "v")
	require.NoError(t, err)

	require.NoError(t, c.Stop(victim, 10*time.Second))
	out, err := exec.CommandContext(ctx, raftplayBinary(t), "member", "remove", fmt.Sprint(victim),
		"--addr", strings.Join(c.URLs(), ","), "--timeout", "30s").CombinedOutput()
	require.NoError(t, err, "raftplay member remove:\n%s", out)
	for _, id := range rest {
		require.NoError(t, c.Kill(id))
	}

	require.NoError(t, c.Start(victim))
	require.Eventually(t, func() bool {
		_, err := c.Status(ctx, victim)
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "node %d does not answer after its restart", victim)
	for _, id := range rest {
		require.NoError(t, c.Start(id))
	}

	// The premise: each restarted with C_new, its last entry, not known committed.
	for _, id := range rest {
		var commit, last uint64
		require.Eventually(t, func() bool {
			logs, err := os.ReadFile(c.Node(id).LogFile)
			require.NoError(t, err)
			m := restartedFrom.FindAllSubmatch(logs, -1)
			if len(m) == 0 {
				return false
			}
			commit, _ = strconv.ParseUint(string(m[len(m)-1][1]), 10, 64)
			last, _ = strconv.ParseUint(string(m[len(m)-1][2]), 10, 64)
			return true
		}, 30*time.Second, 20*time.Millisecond, "node %d does not log its restart", id)
		require.Less(t, commit, last, "node %d restarted knowing its last entry committed: nothing to test", id)
	}

	var st node.Status
	require.Eventually(t, func() bool {
		st, err = c.Status(ctx, victim)
		return err == nil && st.Removed
	}, 20*time.Second, 20*time.Millisecond, "node %d does not say it was removed", victim)
	assert.Equal(t, rest, st.Voters, "node %d ends with C_new, from the restarted leader", victim)
	assert.Empty(t, st.Outgoing)

	require.NoError(t, c.Stop(victim, 10*time.Second), "the removed node did not stop cleanly")
	logs, err := os.ReadFile(c.Node(victim).LogFile)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(logs), "the configuration that removed it is committed"),
		"node %d's log does not give the engine's reason (see its log below)", victim)
	assert.False(t, strings.Contains(string(logs), "a member's committed configuration no longer holds it"),
		"node %d learned its removal from the GET /members fallback", victim)

}

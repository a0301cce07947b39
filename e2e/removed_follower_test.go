package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
)

// A follower removed with `raftplay member remove` learns it from the leader, as real
// processes: its /status ends with the final configuration, C_new without it, and
// "removed": true, and its log names the engine's reason, not the GET /members
// fallback's (which could not give it C_new either: it leaves the node's own
// configuration as it was). It stops cleanly.
func TestRemovedFollowerProcessLearnsItFromTheLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real node processes")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
	out, err := exec.CommandContext(ctx, raftplayBinary(t), "member", "remove", fmt.Sprint(victim),
		"--addr", strings.Join(c.URLs(), ","), "--timeout", "30s").CombinedOutput()
	require.NoError(t, err, "raftplay member remove:\n%s", out)
	removedAt := time.Now()

	var st node.Status
	require.Eventually(t, func() bool {
		st, err = c.Status(ctx, victim)
		return err == nil && st.Removed
	}, 10*time.Second, 20*time.Millisecond, "node %d does not say it was removed", victim)
	took := time.Since(removedAt)
	assert.Equal(t, rest, st.Voters, "node %d ends with C_new", victim)
	assert.Empty(t, st.Outgoing, "not left in C_old,new")
	t.Logf("node %d knew it was removed %v after the command returned", victim, took.Round(time.Millisecond))

	require.NoError(t, c.Stop(victim, 10*time.Second), "the removed node did not stop cleanly")
	logs, err := os.ReadFile(c.Node(victim).LogFile)
	require.NoError(t, err)
	assert.Contains(t, string(logs), "the configuration that removed it is committed")
	assert.NotContains(t, string(logs), "a member's committed configuration no longer holds it")
}

package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second snapshot, taken when the log after the first one holds no configuration
// entry, carries the configuration of the first (§7: a snapshot holds the configuration
// as of its index), not the one the peer started with. Found by chaos (seed 139 of the
// membership pattern): without it a follower that installed such a snapshot went back
// to the first voters {1, 2, 3}, and a removed server was elected in a term that
// already had a leader.
func TestSnapshotKeepsTheConfigurationOfTheSnapshotBefore(t *testing.T) {
	sc := NewScenario(4)
	sc.Options.Peers, sc.Options.Voters = 4, 3
	sc.Options.Clients = 2
	c := newCluster(t, sc)
	lead := waitLeader(c, 3000)
	require.NotZero(t, lead)
	act(t, c, Action{Type: ActAddLearner, Peer: 4})
	c.RunUntil(c.Now() + 300)
	require.Equal(t, lead, c.Leader())
	act(t, c, Action{Type: ActSnapshot, Peer: lead}) // compacts the configuration entry away
	c.RunUntil(c.Now() + 300)
	act(t, c, Action{Type: ActSnapshot, Peer: lead}) // no configuration entry after the first
	c.RunUntil(c.Now() + 50)
	snap, err := c.peers[lead-1].store.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, []uint64{4}, snap.Meta.ConfState.Learners, "snapshot at %d: %s", snap.Meta.Index, snap.Meta.ConfState)
	assert.Equal(t, []uint64{1, 2, 3}, snap.Meta.ConfState.Voters)
	assert.Empty(t, c.Violations())
}

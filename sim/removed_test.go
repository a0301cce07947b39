package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A follower the leader removes ends with the final configuration and knows it is out
// (§6): the leader replicates to it until it holds C_new, known committed. It never
// campaigns afterwards, whatever the seed (with a lossy network and clients writing).
func TestRemovedFollowerEndsWithTheFinalConfiguration(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		sc := NewScenario(seed)
		sc.Options.Peers = 3
		sc.Options.Clients = 2
		sc.Options.Drop, sc.Options.Duplicate = 0.02, 0.02
		c := newCluster(t, sc)
		lead := waitLeader(c, 3000)
		require.NotZero(t, lead, "seed %d: no leader", seed)
		victim := lead%3 + 1
		for tries := 0; c.Act(Action{Type: ActRemove, Peer: victim}) != nil; tries++ {
			require.Less(t, tries, 100, "seed %d: peer %d was never removed", seed, victim)
			c.RunUntil(c.Now() + 50)
		}
		c.RunUntil(c.Now() + 3000)
		require.Empty(t, c.Violations(), "seed %d", seed)

		var removed, final PeerState
		for _, p := range c.State().Peers {
			if p.ID == victim {
				removed = p
			} else if p.Role == "leader" {
				final = p
			}
		}
		require.NotZero(t, final.ID, "seed %d: no leader at the end", seed)
		require.NotContains(t, final.Voters, victim, "seed %d", seed)
		assert.Equal(t, final.Voters, removed.Voters, "seed %d: peer %d holds C_new", seed, victim)
		assert.Empty(t, removed.Outgoing, "seed %d: peer %d is left in C_old,new", seed, victim)
		assert.Equal(t, final.ConfIndex, removed.ConfIndex, "seed %d", seed)
		assert.True(t, removed.ConfCommitted, "seed %d: peer %d knows C_new is committed", seed, victim)
		got := eventsOf(c, "removed")
		require.Len(t, got, 1, "seed %d", seed)
		assert.Equal(t, victim, got[0].Peer)
		assert.NotEmpty(t, eventsOf(c, "replication-stopped"), "seed %d: the leader lets it go", seed)

		// Nothing more reaches it, and it stands for nothing.
		before := removed.LastIndex
		c.RunUntil(c.Now() + 2000)
		for _, p := range c.State().Peers {
			if p.ID == victim {
				assert.Equal(t, before, p.LastIndex, "seed %d: the removed peer still gets entries", seed)
				assert.NotEqual(t, "candidate", p.Role)
			}
		}
	}
}

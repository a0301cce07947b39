package sim

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Peer and TermAt show what State shows, for one peer, up or down.
func TestPeerViewMatchesState(t *testing.T) {
	sc := NewScenario(3)
	sc.Options.Clients = 2
	c := newCluster(t, sc)
	lead := waitLeader(c, 2000)
	require.NotZero(t, lead)
	c.RunUntil(c.Now() + 300)
	act(t, c, Action{Type: ActCrash, Peer: lead%3 + 1})
	st := c.State()
	for _, ps := range st.Peers {
		v := c.Peer(ps.ID)
		assert.Equal(t, ps.Role != "down", v.Up, "peer %d", ps.ID)
		assert.Equal(t, ps.Term, v.Term, "peer %d", ps.ID)
		assert.Equal(t, ps.CommitIndex, v.Commit, "peer %d", ps.ID)
		assert.Equal(t, ps.LastIndex, v.LastIndex, "peer %d", ps.ID)
		for _, e := range ps.Log {
			term, ok := c.TermAt(ps.ID, e.Index)
			assert.True(t, ok)
			assert.Equal(t, e.Term, term, "peer %d entry %d", ps.ID, e.Index)
		}
		_, ok := c.TermAt(ps.ID, ps.LastIndex+1)
		assert.False(t, ok, "no entry beyond the log")
	}
	assert.Equal(t, engine.RoleLeader, c.Peer(lead).Role)
	assert.Equal(t, engine.RoleFollower, c.Peer(lead%3+1).Role, "a peer that is down shows as a follower")
	assert.Equal(t, PeerView{}, c.Peer(0))
	assert.Equal(t, PeerView{}, c.Peer(4))
	_, ok := c.TermAt(9, 1)
	assert.False(t, ok)
}

package node

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A removed follower learns its removal from the leader itself (the engine replicates
// to it until it holds the entry that removes it, known committed), not from a
// member's GET /members (removal.go): it ends with the cluster's final configuration,
// C_new, which the fallback never gives it. Then it says so, gets no more traffic, and
// the leader no longer lists or connects to it.
func TestRemovedFollowerLearnsItsRemovalFromTheLeader(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, victim := c.leader(), c.follower()
	c.put(lead, "before", "v")
	resp, body := c.do(c.client, http.MethodDelete, c.url(lead, fmt.Sprintf("/members/%d", victim)), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var rest []uint64
	for _, id := range c.ids {
		if id != victim {
			rest = append(rest, id)
		}
	}
	c.waitVoters(rest...)

	removed := c.nodes[victim]
	require.Eventually(t, func() bool { return removed.Status().Removed }, 5*time.Second, 10*time.Millisecond,
		"node %d learns it was removed", victim)
	st := removed.Status()
	assert.Equal(t, rest, st.Voters, "the removed node holds C_new")
	assert.Empty(t, st.Outgoing, "not C_old,new: the leader sent it C_new")
	members := c.members(victim)
	assert.Equal(t, c.members(lead).ConfIndex, members.ConfIndex, "the same configuration entry as the leader's")
	assert.True(t, members.Committed, "and it knows that entry is committed")

	before := removed.TransportStats().FramesReceived
	index := c.put(lead, "after-removal", "v")
	for _, id := range rest {
		require.Eventually(t, func() bool { return c.nodes[id].Status().LastApplied >= index }, 5*time.Second, 10*time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // heartbeats every 10 ms
	assert.Equal(t, before, removed.TransportStats().FramesReceived, "the removed node still receives Raft messages")
	for _, p := range c.nodes[lead].Status().Peers {
		assert.NotEqual(t, victim, p.ID, "the leader still lists the removed node")
	}
	c.halt(victim)
}

// members asks node id for GET /members (it answers for itself).
func (c *testCluster) members(id uint64) Members {
	c.t.Helper()
	resp, body := c.do(c.noFollow, http.MethodGet, c.url(id, "/members"), "", nil)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, body)
	return decodeJSON[Members](c.t, body)
}

// A node that is down for the whole removal, and past the time the leader keeps trying
// to tell it, never hears it from the engine: it learns it from a member's GET /members
// once it has known no leader for removalCheckAfter (removal.go, the fallback).
func TestNodeDownDuringItsRemovalLearnsItFromAMember(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, victim := c.leader(), c.follower()
	c.halt(victim)
	resp, body := c.do(c.client, http.MethodDelete, c.url(lead, fmt.Sprintf("/members/%d", victim)), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var rest []uint64
	for _, id := range c.ids {
		if id != victim {
			rest = append(rest, id)
		}
	}
	c.waitVoters(rest...)
	c.put(lead, "after-removal", "v")
	time.Sleep(500 * time.Millisecond) // the leader tries one election timeout (100 ms) after the commit

	c.start(victim, nil, nil)
	restarted := c.nodes[victim]
	require.Eventually(t, func() bool { return restarted.Status().Removed }, removalCheckAfter+5*time.Second, 20*time.Millisecond,
		"node %d learns it was removed", victim)
	st := restarted.Status()
	assert.Contains(t, st.Voters, victim, "its own log never got an entry that removes it")
	assert.NotEqual(t, "leader", st.Role)
	c.halt(victim)
}

package engine_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// removeMember has leader lead propose the removal of id and runs the change to its
// end, C_new included; it returns the index of the entry that first excludes id (C_new
// for a voter, the only entry for a learner).
func removeMember(t *testing.T, n *network, lead, id uint64) uint64 {
	t.Helper()
	cc, err := n.status(lead).Conf.RemoveMember(id)
	require.NoError(t, err)
	index, err := n.peers[lead].ProposeConfChange(cc)
	require.NoError(t, err)
	n.handle(lead)
	n.deliver()
	st := n.status(lead)
	require.False(t, st.Conf.IsMember(id), "the change did not finish: %s", st.Conf)
	require.True(t, st.ConfCommitted)
	if st.ConfIndex != index {
		require.Equal(t, index+1, st.ConfIndex, "C_new follows C_old,new")
	}
	return st.ConfIndex
}

// queuedTo reports whether a message to id waits in the network's queue.
func queuedTo(n *network, id uint64) bool {
	return slices.ContainsFunc(n.queue, func(m engine.Message) bool { return m.To == id })
}

// A follower that a change removes gets the entry that removes it, with a commit index
// that covers it: it ends with the final configuration and knows it is out (§6). Once
// it has said so, the leader no longer sends it anything.
func TestRemovedFollowerLearnsTheConfigurationThatRemovesIt(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "x=1")
	n.deliver()

	cnew := removeMember(t, n, 1, 3)
	st := n.status(3)
	assert.Equal(t, []uint64{1, 2}, st.Conf.Voters)
	assert.False(t, st.Conf.Joint(), "peer 3 holds C_new, not only C_old,new")
	assert.Equal(t, cnew, st.ConfIndex)
	assert.True(t, st.ConfCommitted, "peer 3 knows C_new is committed")
	assert.True(t, st.Removed, "peer 3 knows it was removed")
	assert.Contains(t, n.log.String(), "peer 3 knows it was removed")
	assert.Empty(t, n.peers[1].Leaving(), "peer 3 said it knows: the leader let it go")
	assert.NotContains(t, n.status(1).Progress, uint64(3))
	assert.False(t, n.status(1).Removed)

	for range 3 {
		n.tick(1, 1)
		assert.False(t, queuedTo(n, 3), "the leader still sends to the removed peer 3")
		n.deliver()
	}
	n.tick(3, 50)
	assert.Equal(t, engine.RoleFollower, n.status(3).Role, "a removed server never campaigns")
	assert.Empty(t, n.queue)
}

// A learner's removal has no joint phase: the leader appends C_new directly, and the
// learner gets it all the same.
func TestRemovedLearnerLearnsItsRemoval(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.stores[4] = memstore.New(engine.ConfState{})
	n.start(4)
	cc, err := n.status(1).Conf.AddLearner(4, nil)
	require.NoError(t, err)
	_, err = n.peers[1].ProposeConfChange(cc)
	require.NoError(t, err)
	n.handle(1)
	n.deliver()
	require.True(t, n.status(4).Conf.IsLearner(4))

	cnew := removeMember(t, n, 1, 4)
	st := n.status(4)
	assert.Equal(t, engine.ConfState{Voters: []uint64{1, 2, 3}}.String(), st.Conf.String())
	assert.Equal(t, cnew, st.ConfIndex)
	assert.True(t, st.Removed)
	assert.Empty(t, n.peers[1].Leaving())
}

// A removed follower that cannot be reached costs the leader a bounded effort: it keeps
// trying for one election timeout after the entry that removed it is committed, then
// stops for good. Healed later, the follower hears nothing (a driver may ask a member,
// as native nodes do).
func TestLeaderStopsReplicatingToAnUnreachableRemovedServer(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.isolate(3)
	removeMember(t, n, 1, 3)
	require.Equal(t, []uint64{3}, n.peers[1].Leaving(), "the leader still owes peer 3 its removal")
	require.Contains(t, n.status(1).Progress, uint64(3))
	cfg := engine.DefaultConfig(1, n.stores[1])
	for range cfg.ElectionTicks - 1 {
		n.tick(1, 1)
		n.deliver()
	}
	require.Equal(t, []uint64{3}, n.peers[1].Leaving(), "it gives up only after a whole election timeout")
	n.tick(1, 1)
	assert.Empty(t, n.peers[1].Leaving())
	assert.Contains(t, n.log.String(), "peer 1 (leader) stops replicating to peer 3")
	n.deliver()
	assert.Equal(t, engine.RoleLeader, n.status(1).Role)

	n.heal()
	for range 3 {
		n.tick(1, 1)
		assert.False(t, queuedTo(n, 3))
		n.deliver()
	}
	st := n.status(3)
	assert.False(t, st.Removed)
	assert.True(t, st.Conf.IsVoter(3), "peer 3 never got an entry that removes it")
}

// A removed follower that got C_new but missed the AppendEntries that told it C_new is
// committed still answers the leader, which tells it the commit with its next
// heartbeat (a heartbeat carries the commit index up to what the follower holds).
func TestRemovedFollowerLearnsTheCommitFromAHeartbeat(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	cc, err := n.status(1).Conf.RemoveMember(3)
	require.NoError(t, err)
	joint, err := n.peers[1].ProposeConfChange(cc)
	require.NoError(t, err)
	n.handle(1)
	cnew := joint + 1
	dropped := 0
	for len(n.queue) > 0 {
		if m := n.queue[0]; m.To == 3 && m.Type == engine.MsgApp && m.Commit >= cnew {
			n.queue = n.queue[1:]
			dropped++
			continue
		}
		n.deliver1(0)
	}
	require.Equal(t, 1, dropped, "the AppendEntries that carries the commit of C_new")
	st := n.status(3)
	require.Equal(t, cnew, st.ConfIndex, "peer 3 holds C_new")
	require.False(t, st.Removed, "but does not know it is committed")
	require.Equal(t, []uint64{3}, n.peers[1].Leaving())

	n.tick(1, 1)
	n.deliver()
	assert.True(t, n.status(3).Removed, "peer 3 learned the commit from the heartbeat")
	assert.Empty(t, n.peers[1].Leaving())
}

// A removed server that restarts cleanly knows it was removed from its own log. (After
// a crash it may have lost the commit index, which is saved without a sync: it then
// waits to hear it again.)
func TestRemovedServerKnowsItAfterARestart(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	removeMember(t, n, 1, 3)
	require.True(t, n.status(3).Removed)
	n.start(3) // a new peer on the same storage, nothing lost
	assert.True(t, n.status(3).Removed)
	assert.False(t, n.status(3).Conf.IsMember(3))
}

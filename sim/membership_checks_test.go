package sim

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The membership invariants catch what they are for: each check, fed a broken decision,
// reports it (and stays quiet on the run's correct ones).

func jointCluster(t *testing.T) (*Cluster, *simPeer) {
	sc := NewScenario(2)
	sc.Options.Peers, sc.Options.Voters = 4, 3
	c := newCluster(t, sc)
	lead := waitLeader(c, 3000)
	require.NotZero(t, lead)
	act(t, c, Action{Type: ActAddLearner, Peer: 4})
	c.RunUntil(c.Now() + 300)
	require.Zero(t, c.ViolationCount(), "%v", c.Violations())
	return c, &c.peers[lead-1]
}

func TestJointQuorumCheckCatchesAnElectionWonWithOneMajority(t *testing.T) {
	c, p := jointCluster(t)
	joint := engine.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}}
	assert.True(t, jointMajority(joint, func(id uint64) bool { return id != 4 }))
	assert.False(t, jointMajority(joint, func(id uint64) bool { return id == 1 || id == 4 }), "two of four is no majority of C_new")
	assert.False(t, jointMajority(joint, func(id uint64) bool { return id >= 3 }), "3 and 4 are a majority of neither")
	assert.False(t, jointMajority(engine.ConfState{}, func(uint64) bool { return true }), "no voters decide nothing")

	// The peer's configuration is voters 1, 2, 3 (learner 4): a win with its own vote
	// and a learner's is no majority.
	term := p.term + 5
	c.checkElectionQuorum(p, []engine.Event{
		{Kind: engine.EventVoteGranted, Peer: 4, From: p.id, Term: term},
		{Kind: engine.EventElectionWon, Peer: p.id, Term: term},
	})
	require.Equal(t, 1, c.ViolationCount())
	v := c.Violations()[0]
	assert.Equal(t, InvJointQuorum, v.Invariant)
	assert.Contains(t, v.Description, "without a majority of each voter set of its configuration (voters=[1 2 3] learners=[4])")

	other := uint64(1)
	if other == p.id {
		other = 2
	}
	c.checkElectionQuorum(p, []engine.Event{
		{Kind: engine.EventVoteGranted, Peer: other, From: p.id, Term: term + 1},
		{Kind: engine.EventElectionWon, Peer: p.id, Term: term + 1},
	})
	assert.Equal(t, 1, c.ViolationCount(), "itself and another voter are a majority")
}

func TestJointQuorumCheckCatchesACommitWithoutAMajority(t *testing.T) {
	c, p := jointCluster(t)
	last, _ := p.store.LastIndex()
	c.checkCommitQuorum(p, engine.ConfState{Voters: []uint64{1, 2, 3}}, last)
	require.Zero(t, c.ViolationCount(), "every voter stores the leader's last entry")
	// A configuration whose voters are the learner and two servers that do not exist
	// in the run stores nothing at a majority.
	c.checkCommitQuorum(p, engine.ConfState{Voters: []uint64{4, 8, 9}}, last)
	require.Equal(t, 1, c.ViolationCount())
	assert.Equal(t, InvJointQuorum, c.Violations()[0].Invariant)
	assert.Contains(t, c.Violations()[0].Description, "which a majority of each voter set of its configuration (voters=[4 8 9]) does not store")
}

func TestSingleConfChangeCheckCatchesTwoChangesInProgress(t *testing.T) {
	c, p := jointCluster(t)
	last, _ := p.store.LastIndex()
	term, _ := p.store.Term(last)
	conf := func(index uint64, cs engine.ConfState) engine.Entry {
		return engine.Entry{Index: index, Term: term, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, cs)}
	}
	// Two configuration entries written above the commit index, as a broken leader would.
	require.NoError(t, p.store.Save(engine.HardState{}, []engine.Entry{
		conf(last+1, engine.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}}),
		conf(last+2, engine.ConfState{Voters: []uint64{1, 2, 3, 4}}),
	}, true))
	c.checkSingleChange(p, last)
	require.Equal(t, 1, c.ViolationCount())
	v := c.Violations()[0]
	assert.Equal(t, InvSingleConfChange, v.Invariant)
	assert.Contains(t, v.Description, "above its commit index")
	c.checkSingleChange(p, last+1)
	assert.Equal(t, 1, c.ViolationCount(), "one entry above the commit index is one change in progress")
}

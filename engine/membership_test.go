package engine_test

import (
	"errors"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProposeConfChangeRefusals(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)

	_, err := n.peers[2].ProposeConfChange(engine.ConfChange{Voters: []uint64{1, 2}})
	assert.True(t, errors.Is(err, engine.ErrNotLeader), "%v", err)

	for _, tc := range []struct {
		cc   engine.ConfChange
		want string
	}{
		{engine.ConfChange{}, "the change leaves no voters"},
		{engine.ConfChange{Voters: []uint64{1, 0}}, "id 0 is not a server"},
		{engine.ConfChange{Voters: []uint64{1, 2, 2}}, "are not sorted without duplicates"},
		{engine.ConfChange{Voters: []uint64{1, 2, 3}, Learners: []uint64{3}}, "server 3 is both a voter and a learner"},
		{engine.ConfChange{Voters: []uint64{1, 2, 3}, Contexts: []engine.MemberContext{{ID: 9}}}, "a context for server 9, which is not a member"},
		{engine.ConfChange{Voters: []uint64{3, 2, 1}}, "is the configuration already"},
	} {
		_, err := n.peers[1].ProposeConfChange(tc.cc)
		require.Error(t, err, "%+v", tc.cc)
		assert.ErrorIs(t, err, engine.ErrInvalidConf)
		assert.Contains(t, err.Error(), tc.want)
	}
	assert.Equal(t, uint64(0), n.status(1).ConfIndex, "nothing was appended")

	index, err := n.peers[1].ProposeConfChange(engine.ConfChange{Voters: []uint64{1, 2, 3, 4}})
	require.NoError(t, err)
	assert.Equal(t, n.status(1).LastIndex, index)
	_, err = n.peers[1].ProposeConfChange(engine.ConfChange{Voters: []uint64{1, 2}})
	assert.ErrorIs(t, err, engine.ErrConfChangeInProgress)
}

func TestConfStateHelpers(t *testing.T) {
	cs := engine.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}
	_, err := cs.AddLearner(4, nil)
	assert.ErrorContains(t, err, "add learner 4: it is already a member")
	_, err = cs.AddLearner(0, nil)
	assert.ErrorContains(t, err, "id 0 is not a server")
	_, err = cs.PromoteLearner(2)
	assert.ErrorContains(t, err, "promote 2: it is not a learner")
	_, err = cs.RemoveMember(7)
	assert.ErrorContains(t, err, "remove 7: it is not a member")
	_, err = engine.ConfState{Voters: []uint64{1}}.RemoveMember(1)
	assert.ErrorContains(t, err, "it is the last voter")

	cc, err := cs.PromoteLearner(4)
	require.NoError(t, err)
	assert.Equal(t, engine.ConfChange{Voters: []uint64{1, 2, 3, 4}, Learners: []uint64{}}, cc)
	cc, err = cs.RemoveMember(2)
	require.NoError(t, err)
	assert.Equal(t, engine.ConfChange{Voters: []uint64{1, 3}, Learners: []uint64{4}}, cc)

	joint := engine.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, Learners: []uint64{3}}
	require.NoError(t, joint.Validate(), "a voter being demoted is a learner of C_new and a voter of C_old")
	assert.True(t, joint.IsVoter(3))
	assert.False(t, joint.IsLearner(3))
	assert.Equal(t, []uint64{1, 2, 3, 4}, joint.Members())
	assert.Equal(t, "voters=[1 2 4] learners=[3] outgoing=[1 2 3]", joint.String())
	assert.Equal(t, "voters=[]", engine.ConfState{}.String())
}

// A learner never campaigns, and once it has not heard from the leader for an election
// timeout it no longer refuses votes in the leader's name: it may be a voter of a
// configuration it has not received, whose candidate needs its vote.
func TestLearnerNeverCampaignsAndForgetsASilentLeader(t *testing.T) {
	store := memstore.New(engine.ConfState{Voters: []uint64{1}, Learners: []uint64{2}})
	p, err := engine.NewPeer(engine.DefaultConfig(2, store))
	require.NoError(t, err)
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgHeartbeat, From: 1, To: 2, Term: 1}))
	assert.Equal(t, uint64(1), p.Status().Lead)
	for range 100 {
		p.Tick()
	}
	st := p.Status()
	assert.Equal(t, engine.RoleFollower, st.Role)
	assert.Equal(t, uint64(1), st.Term, "it never raised its term")
	assert.Equal(t, engine.None, st.Lead)
	p.Campaign()
	assert.Equal(t, engine.RoleFollower, p.Status().Role, "Campaign is ignored too")

	// A candidate whose configuration makes peer 2 a voter gets its vote.
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgVote, From: 3, To: 2, Term: 2, Index: 5, LogTerm: 1}))
	rd := p.Ready()
	require.NotEmpty(t, rd.Messages)
	vote := rd.Messages[len(rd.Messages)-1]
	assert.Equal(t, engine.MsgVoteResp, vote.Type)
	assert.False(t, vote.Reject)
}

// While joint, Status says how far each majority has come: the leader of C_old,new =
// {1, 2, 3, 4} + {1, 2, 3} waits for both.
func TestStatusShowsWhatEachMajorityStores(t *testing.T) {
	n := newNetworkOf(t, []uint64{1, 2, 3}, nil, nil)
	electLeader(t, n, 1)
	n.stores[4] = memstore.New(engine.ConfState{})
	n.start(4)
	_, err := n.peers[1].ProposeConfChange(engine.ConfChange{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}})
	require.NoError(t, err)
	n.handle(1)
	n.deliver()
	n.isolate(2)
	n.isolate(3)
	index, err := n.peers[1].ProposeConfChange(engine.ConfChange{Voters: []uint64{1, 2, 3, 4}})
	require.NoError(t, err)
	n.handle(1)
	n.deliver()
	st := n.status(1)
	require.True(t, st.Conf.Joint())
	// Peers 1 and 4 store the joint entry: half of C_new {1, 2, 3, 4}, not a majority;
	// C_old {1, 2, 3} has only peer 1.
	assert.Equal(t, index-1, st.VotersMatch)
	assert.Equal(t, index-1, st.OutgoingMatch)
	assert.Equal(t, index-1, st.CommitIndex)
	n.heal()
	n.tick(1, 1)
	n.deliver()
	st = n.status(1)
	assert.False(t, st.Conf.Joint(), "C_old,new committed, C_new appended")
	assert.Equal(t, st.LastIndex, st.VotersMatch)
	assert.Zero(t, st.OutgoingMatch)
}

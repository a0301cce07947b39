package memstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// Membership changes (§6): a store with no configuration (a server that joins), and
// snapshots that keep the whole ConfState.

func TestJoiningStoreHasNoConfiguration(t *testing.T) {
	s := New(engine.ConfState{})
	hs, cs, err := s.InitialState()
	require.NoError(t, err)
	assert.True(t, hs.IsEmpty())
	assert.True(t, cs.IsEmpty())
	p, err := engine.NewPeer(engine.DefaultConfig(4, s))
	require.NoError(t, err)
	assert.True(t, p.Status().Conf.IsEmpty())
	for range 100 {
		p.Tick()
	}
	assert.Equal(t, engine.RoleFollower, p.Status().Role, "a server with no configuration never campaigns")
}

func TestSnapshotKeepsTheWholeConfState(t *testing.T) {
	joint := engine.ConfState{Voters: []uint64{1, 2, 4}, Learners: []uint64{5}, VotersOutgoing: []uint64{1, 2, 3},
		Contexts: []engine.MemberContext{{ID: 4, Context: []byte("addr")}}}
	conf := engine.Entry{Index: 2, Term: 1, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, joint)}
	s := New(engine.ConfState{Voters: []uint64{1, 2, 3}})
	require.NoError(t, s.Save(engine.HardState{Term: 1, Commit: 2}, []engine.Entry{{Index: 1, Term: 1}, conf}, true))
	snap := engine.Snapshot{Meta: engine.SnapshotMeta{Index: 2, Term: 1, ConfState: joint.Clone()}}
	require.NoError(t, s.SaveSnapshot(snap))
	snap.Meta.ConfState.Voters[0] = 99 // the store keeps its own copy
	snap.Meta.ConfState.Contexts[0].Context[0] = 'X'
	_, cs, err := s.InitialState()
	require.NoError(t, err)
	assert.True(t, joint.Equal(cs), "%s", cs)
	got, err := s.Snapshot()
	require.NoError(t, err)
	assert.True(t, joint.Equal(got.Meta.ConfState))

	c := s.Clone()
	c.Crash()
	_, cs, err = c.InitialState()
	require.NoError(t, err)
	assert.True(t, joint.Equal(cs), "a crash keeps the snapshot's configuration")
}

func TestConfEntryKeepsItsTypeThroughACrash(t *testing.T) {
	s := New(engine.ConfState{Voters: []uint64{1}})
	conf := engine.Entry{Index: 1, Term: 1, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1}, Learners: []uint64{2}})}
	require.NoError(t, s.Save(engine.HardState{Term: 1}, []engine.Entry{conf}, true))
	require.NoError(t, s.Save(engine.HardState{}, []engine.Entry{{Index: 2, Term: 1}}, false))
	s.Crash()
	ents, err := s.Entries(1, 2, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, []engine.Entry{conf}, ents)
	last, _ := s.LastIndex()
	assert.Equal(t, uint64(1), last, "the unsynced entry is lost")
	p, err := engine.NewPeer(engine.DefaultConfig(2, s))
	require.NoError(t, err)
	st := p.Status()
	assert.Equal(t, []uint64{2}, st.Conf.Learners, "the restarted peer is a learner, from its log")
	assert.Equal(t, uint64(1), st.ConfIndex)
}

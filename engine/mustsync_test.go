package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MustSync asks for an fdatasync only for what a message may promise: new entries, a
// new term, a vote. A HardState that changed only its commit index need not be synced
// (the commit index is recovered from the leader after a crash), as in etcd.
func TestMustSyncOnlyForEntriesTermAndVote(t *testing.T) {
	cs := engine.ConfState{Voters: []uint64{1, 2, 3}}
	st, err := memstore.NewWithState(engine.HardState{Term: 1}, cs, nil)
	require.NoError(t, err)
	cfg := engine.DefaultConfig(2, st)
	cfg.CheckQuorum = false // so that the vote below is granted while a leader is known
	p, err := engine.NewPeer(cfg)
	require.NoError(t, err)
	drainReadys(t, p, st)

	ready := func() engine.Ready {
		t.Helper()
		require.True(t, p.HasReady())
		rd := p.Ready()
		require.NoError(t, st.Save(rd.HardState, rd.Entries, rd.MustSync))
		return rd
	}

	// Entries (and the new term of their leader): synced.
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 2,
		Entries: []engine.Entry{{Index: 1, Term: 2}, {Index: 2, Term: 2, Command: []byte("x")}}}))
	rd := ready()
	assert.True(t, rd.MustSync)
	p.Advance()

	// Only the commit index moves: not synced, but still saved.
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgHeartbeat, From: 1, To: 2, Term: 2, Commit: 2}))
	rd = ready()
	assert.Equal(t, uint64(2), rd.HardState.Commit)
	assert.Empty(t, rd.Entries)
	assert.False(t, rd.MustSync, "a commit-only HardState change is not synced")
	assert.Len(t, rd.CommittedEntries, 2)
	p.Advance()
	assert.Equal(t, uint64(2), st.HardState().Commit)

	// A vote: synced before the answer leaves.
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgVote, From: 3, To: 2, Term: 3, Index: 2, LogTerm: 2}))
	rd = ready()
	assert.Equal(t, uint64(3), rd.HardState.VotedFor)
	assert.True(t, rd.MustSync, "a vote is synced")
	p.Advance()
}

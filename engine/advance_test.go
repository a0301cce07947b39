package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drainReadys runs the driving loop until the peer has nothing more to hand out, and
// returns every ReadState and Event it handed out.
func drainReadys(t *testing.T, p *engine.Peer, st *memstore.Store) ([]engine.ReadState, []engine.Event) {
	t.Helper()
	var (
		reads  []engine.ReadState
		events []engine.Event
	)
	for range 100 {
		if !p.HasReady() {
			return reads, events
		}
		rd := p.Ready()
		require.NoError(t, st.Save(rd.HardState, rd.Entries, rd.MustSync))
		reads = append(reads, rd.ReadStates...)
		events = append(events, rd.Events...)
		p.Advance()
	}
	t.Fatal("the peer kept handing out Readys")
	return nil, nil
}

// A single voter commits its term's first entry inside Advance (its own copy is the
// majority). What that commit produces, the commit event and the reads that waited for
// it, must reach the next Ready instead of being cleared with the old one.
func TestAdvanceKeepsWhatItProduces(t *testing.T) {
	st := memstore.New(engine.ConfState{Voters: []uint64{1}})
	p, err := engine.NewPeer(engine.DefaultConfig(1, st))
	require.NoError(t, err)
	p.Campaign() // pre-vote and vote of one: leader at once
	require.Equal(t, engine.RoleLeader, p.Role())

	// The leader has not committed an entry of its term yet (its empty entry is not
	// durable): the read waits for that commit.
	require.NoError(t, p.ReadIndex(7))
	reads, events := drainReadys(t, p, st)

	require.Len(t, reads, 1, "the read that arrived before the first commit of the term is answered")
	assert.Equal(t, uint64(7), reads[0].RequestID)
	assert.Equal(t, uint64(1), reads[0].Index)
	var commits []uint64
	for _, e := range events {
		if e.Kind == engine.EventCommitAdvanced {
			commits = append(commits, e.Index)
		}
	}
	assert.Equal(t, []uint64{1}, commits, "the commit made inside Advance is narrated")
	assert.Equal(t, uint64(1), st.HardState().Commit, "and persisted")
}

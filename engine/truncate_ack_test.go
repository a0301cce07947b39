package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two AppendEntries stepped before one Ready: the first (leader 1, term 2) appends
// entries 2 and 3, the second (leader 2, term 3) replaces them from index 2. The Ready
// must not tell leader 1 that entries it truncates are stored: a message claims only
// what the persist before it makes durable.
func TestReadyNeverAcknowledgesWhatItTruncates(t *testing.T) {
	cs := engine.ConfState{Voters: []uint64{1, 2, 3}}
	st, err := memstore.NewWithState(engine.HardState{Term: 1, Commit: 1}, cs,
		[]engine.Entry{{Index: 1, Term: 1}})
	require.NoError(t, err)
	p, err := engine.NewPeer(engine.DefaultConfig(3, st))
	require.NoError(t, err)
	drainReadys(t, p, st)

	require.NoError(t, p.Step(engine.Message{From: 1, To: 3, Type: engine.MsgApp, Term: 2, Index: 1, LogTerm: 1, Commit: 1,
		Entries: []engine.Entry{{Index: 2, Term: 2, Command: []byte("a")}, {Index: 3, Term: 2, Command: []byte("b")}}}))
	require.NoError(t, p.Step(engine.Message{From: 2, To: 3, Type: engine.MsgApp, Term: 3, Index: 1, LogTerm: 1, Commit: 1,
		Entries: []engine.Entry{{Index: 2, Term: 3, Command: []byte("c")}}}))

	require.True(t, p.HasReady())
	rd := p.Ready()
	require.NoError(t, st.Save(rd.HardState, rd.Entries, rd.MustSync))
	durable := st.Log()
	acks := map[uint64]uint64{}
	for _, m := range rd.Messages {
		if m.Type != engine.MsgAppResp || m.Reject {
			continue
		}
		acks[m.To] = m.Index
		require.LessOrEqual(t, m.Index, uint64(len(durable)), "ack to %d beyond the saved log", m.To)
		for i := uint64(2); i <= m.Index; i++ {
			assert.LessOrEqual(t, durable[i-1].Term, m.Term,
				"the ack to %d (term %d) claims entry %d, but the saved one is of term %d: it was truncated", m.To, m.Term, i, durable[i-1].Term)
		}
	}
	p.Advance()
	assert.Equal(t, uint64(2), acks[2], "the new leader hears that entry 2 is stored")
	assert.LessOrEqual(t, acks[1], uint64(1), "the old leader hears of no more than the prefix both logs share")
}

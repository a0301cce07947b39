package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Thesis §6.4, step 1: a new leader answers ReadIndex only once it has committed an entry
// of its own term. Peer 1 commits SET x 1 (index 2) and crashes before its followers
// learn the commit; peer 2 wins term 2 holding the entry with commit index 1. A read that
// arrives at once is served at index 3 (the no-op, which commits index 2 with it), and
// with the Unsafe switch at index 1, a state without SET x 1.
func TestReadIndexWaitsForTheTermsFirstCommit(t *testing.T) {
	for _, tc := range []struct {
		unsafe bool
		want   uint64
	}{{false, 3}, {true, 1}} {
		n := newNetwork(t, func(c *engine.Config) {
			c.PreVote, c.CheckQuorum = false, false
			c.Unsafe.ReadBeforeTermCommit = tc.unsafe
		})
		electLeader(t, n, 1)
		n.propose(1, "SET x 1")
		// The AppendEntries reach the followers; then peer 1's links to them fail, so its
		// answer to their acknowledgements (the new commit index) never arrives.
		appends := n.queue
		n.queue = nil
		for _, m := range appends {
			require.NoError(t, n.peers[m.To].Step(m))
			n.handle(m.To)
		}
		n.cut[[2]uint64{1, 2}], n.cut[[2]uint64{1, 3}] = true, true
		n.deliver()
		require.Equal(t, uint64(2), n.status(1).CommitIndex, "peer 1 committed SET x 1")
		require.Equal(t, uint64(1), n.status(2).CommitIndex, "peer 2 has not heard of it")
		n.crash(1)
		n.campaign(2)
		for n.status(2).Role != engine.RoleLeader {
			require.NotEmpty(t, n.queue, "peer 2 did not win")
			m := n.queue[0]
			n.queue = n.queue[1:]
			if p := n.peers[m.To]; p != nil {
				require.NoError(t, p.Step(m))
				n.handle(m.To)
			}
		}
		require.Equal(t, uint64(1), n.status(2).CommitIndex, "the new leader's commit index lags")
		require.NoError(t, n.peers[2].ReadIndex(7))
		n.handle(2)
		n.deliver()
		n.tick(2, 1)
		n.deliver()
		require.Len(t, n.reads[2], 1, "unsafe=%v", tc.unsafe)
		assert.Equal(t, engine.ReadState{RequestID: 7, Index: tc.want}, n.reads[2][0], "unsafe=%v", tc.unsafe)
	}
}

package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staleReadScenario: peer 1 led term 2 and committed entries 2-8 with peer 2's replicas,
// then went down before telling anyone: peer 2 holds them with commit index 1, peer 3
// holds only entry 1. Peer 2 wins term 3 and must bring peer 3 up to date one entry per
// round trip before its no-op commits, while heartbeats (and so ReadIndex rounds) are
// answered at once.
func staleReadScenario(unsafe bool) Scenario {
	sc := NewScenario(1)
	sc.Options.PreVote, sc.Options.CheckQuorum = false, false
	sc.Options.Latency = []int64{5, 5}
	sc.Options.MaxMsgBytes, sc.Options.MaxInflight = 1, 1
	sc.Options.Unsafe.ReadBeforeTermCommit = unsafe
	sc.Start.Peers = map[uint64]PeerStart{
		1: {Term: 2, Vote: 1, Commit: 8, Log: []uint64{1, 2, 2, 2, 2, 2, 2, 2}},
		2: {Term: 2, Vote: 1, Commit: 1, Log: []uint64{1, 2, 2, 2, 2, 2, 2, 2}},
		3: {Term: 2, Vote: 1, Commit: 1, Log: []uint64{1}},
	}
	sc.Start.Down = []uint64{1}
	return sc
}

// readAtNewLeader runs until peer 2 leads, reads k8 there at once, and runs on.
func readAtNewLeader(t *testing.T, unsafe bool) (*Cluster, ClientOp) {
	t.Helper()
	c := newCluster(t, staleReadScenario(unsafe))
	require.Equal(t, uint64(2), waitLeader(c, 2000), "peer 3 lacks the entries and cannot win")
	require.Equal(t, uint64(1), c.State().Peers[1].CommitIndex, "the new leader does not know yet that 2-8 are committed")
	act(t, c, Action{Type: ActRead, Peer: 2, Key: "k8"})
	c.RunTicks(40)
	return c, lastOp(c)
}

func TestReadBeforeTermCommitServesStaleRead(t *testing.T) {
	c, op := readAtNewLeader(t, true)
	require.Equal(t, OutcomeOK, op.Outcome)
	assert.False(t, op.Found, "served at the old commit index 1: SET k8 2 (committed before the read) is missing")
	var stale []Violation
	for _, v := range c.Violations() {
		if v.Invariant == InvStaleRead {
			stale = append(stale, v)
		}
	}
	require.Len(t, stale, 1, "violations: %v", c.Violations())
	assert.Equal(t, uint64(2), stale[0].Peer)
	assert.Contains(t, stale[0].Description, "entry 8 was committed before the read arrived")
}

func TestReadIndexWaitsForTheTermsFirstCommit(t *testing.T) {
	c, op := readAtNewLeader(t, false)
	require.Equal(t, OutcomeOK, op.Outcome)
	assert.True(t, op.Found)
	assert.Equal(t, "2", op.Result, "the read waits for the no-op, which commits 2-8 as well")
	assert.GreaterOrEqual(t, op.Index, uint64(9), "read index: the no-op's index or later")
	assert.Empty(t, c.Violations())
}

package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// figure7 is Figure 7 of the Raft paper: the leader of term 8 (peer 1) and followers a-f
// (peers 2-7) with missing, extra and conflicting entries.
func figure7() Scenario {
	sc := NewScenario(7)
	sc.Options.Peers = 7
	sc.Start.Peers = map[uint64]PeerStart{
		1: {Term: 8, Commit: 3, Log: []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}},
		2: {Term: 6, Commit: 3, Log: []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6}},          // a: missing
		3: {Term: 4, Commit: 3, Log: []uint64{1, 1, 1, 4}},                         // b: missing
		4: {Term: 6, Commit: 3, Log: []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}},    // c: extra
		5: {Term: 7, Commit: 3, Log: []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}}, // d: extra
		6: {Term: 4, Commit: 3, Log: []uint64{1, 1, 1, 4, 4, 4, 4}},                // e: conflicting
		7: {Term: 3, Commit: 3, Log: []uint64{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}},    // f: conflicting
	}
	sc.Actions = []Action{{At: 0, Type: ActTimeout, Peer: 1}}
	return sc
}

func TestFigure7Converges(t *testing.T) {
	c := newCluster(t, figure7())
	st := c.State()
	require.Len(t, st.Peers, 7)
	assert.Equal(t, uint64(8), st.Peers[0].Term)
	assert.Equal(t, uint64(12), st.Peers[4].LastIndex)
	assert.Equal(t, LogEntry{Index: 4, Term: 2, Command: "SET k4 2"}, st.Peers[6].Log[3])

	c.RunUntil(3000)
	require.Empty(t, c.Violations())
	lead := c.Leader()
	require.Equal(t, uint64(1), lead, "peer 1 campaigns first and wins with a, b, e and f")
	st = c.State()
	want := st.Peers[0].Log
	require.Greater(t, len(want), 10)
	assert.Equal(t, []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}, terms(want[:10]), "the leader's log is kept as it was")
	for _, p := range st.Peers {
		assert.Equal(t, want, p.Log, "peer %d converges on the leader's log", p.ID)
		assert.Equal(t, p.LastIndex, p.CommitIndex, "peer %d", p.ID)
		assert.Equal(t, p.LastIndex, p.LastApplied, "peer %d", p.ID)
	}
	truncated := map[uint64]bool{}
	for _, e := range eventsOf(c, "suffix-truncated") {
		truncated[e.Peer] = true
	}
	assert.Equal(t, map[uint64]bool{4: true, 5: true, 6: true, 7: true}, truncated, "c, d, e and f lose their extra or conflicting entries")
	require.NoError(t, c.CheckLiveness(100))
}

// figure8 is the state of Figure 8 (c): peer 1 leads term 4 (peers 2, 3 and 4 voted
// for it) and holds 3@4; peers 2 and 3 hold 2@2, peer 5 holds 2@3; only index 1 is
// committed. The votes matter: without them peer 5 could be elected in term 4 too and
// create a second, different entry 3@4, which the Log Matching check reports.
func figure8(seed uint64) Scenario {
	sc := NewScenario(seed)
	sc.Options.Peers = 5
	sc.Start.Peers = map[uint64]PeerStart{
		1: {Term: 4, Vote: 1, Commit: 1, Log: []uint64{1, 2, 4}},
		2: {Term: 4, Vote: 1, Commit: 1, Log: []uint64{1, 2}},
		3: {Term: 4, Vote: 1, Commit: 1, Log: []uint64{1, 2}},
		4: {Term: 4, Vote: 1, Commit: 1, Log: []uint64{1}},
		5: {Term: 3, Commit: 1, Log: []uint64{1, 3}},
	}
	return sc
}

func TestFigure8Converges(t *testing.T) {
	leaders := map[uint64]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		c := newCluster(t, figure8(seed))
		c.RunUntil(3000)
		require.Empty(t, c.Violations(), "seed %d", seed)
		lead := c.Leader()
		require.NotZero(t, lead, "seed %d", seed)
		leaders[lead] = true
		st := c.State()
		for _, p := range st.Peers {
			assert.Equal(t, st.Peers[lead-1].Log, p.Log, "seed %d: peer %d", seed, p.ID)
			assert.Equal(t, p.LastIndex, p.CommitIndex, "seed %d: peer %d", seed, p.ID)
		}
		assert.Equal(t, uint64(1), st.Peers[0].Log[0].Term)
	}
	t.Logf("leaders over the seeds: %v", leaders)
}

func TestPresetDownPeers(t *testing.T) {
	sc := figure8(1)
	sc.Start.Down = []uint64{1, 5}
	sc.Start.Peers[5] = PeerStart{Term: 3, Vote: 5, Commit: 1, Log: []uint64{1, 3}}
	c := newCluster(t, sc)
	st := c.State()
	assert.Equal(t, PeerState{ID: 5, ClusterID: 1, Role: "down", Term: 3, Vote: 5, CommitIndex: 1, LastIndex: 2,
		Log: []LogEntry{{Index: 1, Term: 1, Command: "SET k1 1"}, {Index: 2, Term: 3, Command: "SET k2 3"}}, LogFirst: 1, KV: map[string]string{}, Voters: []uint64{1, 2, 3, 4, 5}}, st.Peers[4])
	c.RunUntil(2000)
	lead := c.Leader()
	require.NotZero(t, lead, "peers 2, 3 and 4 are a majority")
	assert.NotEqual(t, uint64(1), lead)
	assert.NotEqual(t, uint64(5), lead)
	act(t, c, Action{Type: ActRestart, Peer: 5})
	c.RunTicks(50)
	st = c.State()
	assert.Equal(t, st.Peers[lead-1].Log, st.Peers[4].Log, "peer 5's entry 2@3 is replaced")
	assert.Empty(t, c.Violations())
}

func terms(log []LogEntry) []uint64 {
	out := make([]uint64, len(log))
	for i, e := range log {
		out[i] = e.Term
	}
	return out
}

package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// compactionScenario: three peers with clients, snapshots every few entries in small
// chunks, and peer 3 down while the others write and compact, so that it comes back
// behind the leader's log and needs InstallSnapshot (§7).
func compactionScenario(seed uint64) Scenario {
	sc := NewScenario(seed)
	sc.Options.Clients = 3
	sc.Options.SnapshotEntries = 5
	sc.Options.SnapshotChunkBytes = 16
	sc.Actions = []Action{
		{At: 300, Type: ActCrash, Peer: 3},
		{At: 2500, Type: ActRestart, Peer: 3},
	}
	return sc
}

func TestSnapshotsAreOffByDefault(t *testing.T) {
	o := DefaultOptions()
	assert.Zero(t, o.SnapshotEntries)
	assert.Zero(t, o.SnapshotChunkBytes)
	data, err := NewScenario(1).Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(data), "snapshot", "a scenario without snapshots marshals as before, so share links stay the same")

	c := newCluster(t, faultScenario(7, 3000))
	c.RunUntil(4000)
	assert.Empty(t, eventsOf(c, engine.EventSnapshotTaken.String()))
}

func TestSnapshotsCompactAndBringBackAFollower(t *testing.T) {
	c := newCluster(t, compactionScenario(5))
	c.RunUntil(6000)
	require.Empty(t, c.Violations())
	require.Empty(t, c.ActionErrors())

	taken := eventsOf(c, engine.EventSnapshotTaken.String())
	installed := eventsOf(c, engine.EventSnapshotInstalled.String())
	require.NotEmpty(t, taken)
	require.NotEmpty(t, installed, "peer 3 came back behind the compacted log")
	peers := map[uint64]bool{}
	for _, e := range installed {
		peers[e.Peer] = true
	}
	assert.True(t, peers[3], "peer 3 installed a snapshot; installs: %v", installed)
	chunks := 0
	for _, e := range eventsOf(c, "deliver") {
		if e.MsgType == engine.MsgSnap.String() && e.To == 3 {
			chunks++
		}
	}
	assert.Greater(t, chunks, 1, "a snapshot of more than 16 bytes travels in several chunks")

	st := c.State()
	want := st.Peers[0].KV
	for _, ps := range st.Peers {
		assert.Positive(t, ps.SnapshotIndex, "peer %d", ps.ID)
		assert.Equal(t, ps.SnapshotIndex+1, ps.LogFirst, "peer %d: the log starts after the snapshot", ps.ID)
		assert.LessOrEqual(t, ps.LastIndex-ps.SnapshotIndex, uint64(40), "peer %d: the log since the snapshot stays short", ps.ID)
		if ps.LastApplied == st.Peers[0].LastApplied {
			assert.Equal(t, want, ps.KV, "peer %d", ps.ID)
		}
	}
}

func TestRestartRestoresFromTheSnapshot(t *testing.T) {
	sc := compactionScenario(6)
	sc.Actions = append(sc.Actions,
		Action{At: 4000, Type: ActCrash, Peer: 1},
		Action{At: 4000, Type: ActCrash, Peer: 2},
		Action{At: 4100, Type: ActRestart, Peer: 1},
		Action{At: 4100, Type: ActRestart, Peer: 2},
	)
	c := newCluster(t, sc)
	c.RunUntil(4100)
	p := &c.peers[0]
	snap, err := p.store.Snapshot()
	require.NoError(t, err)
	require.False(t, snap.IsEmpty())
	// The engine hands out only the entries after the snapshot: without the restore,
	// the first of them would be applied after entry 0 (an index-order violation).
	assert.GreaterOrEqual(t, p.applied, snap.Meta.Index)
	assert.Empty(t, c.Violations())
	c.RunUntil(7000)
	assert.Empty(t, c.Violations())
	assert.Empty(t, c.ActionErrors())
	st := c.State()
	for _, ps := range st.Peers[1:] {
		if ps.LastApplied == st.Peers[0].LastApplied {
			assert.Equal(t, st.Peers[0].KV, ps.KV, "peer %d", ps.ID)
		}
	}
}

func TestSnapshotAction(t *testing.T) {
	sc := NewScenario(8)
	c := newCluster(t, sc)
	require.NotZero(t, waitLeader(c, 2000))
	lead := c.Leader()
	err := c.Act(Action{Type: ActSnapshot, Peer: lead})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has applied nothing since its snapshot at index 0")

	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x 1"})
	c.RunUntil(c.Now() + 200)
	act(t, c, Action{Type: ActSnapshot, Peer: lead})
	p := &c.peers[lead-1]
	assert.Equal(t, p.applied, p.snapIndex())
	assert.Empty(t, p.store.Log(), "the log up to the applied index is compacted")
	require.NotEmpty(t, eventsOf(c, engine.EventSnapshotTaken.String()))
	assert.Equal(t, "take a snapshot on peer "+string(rune('0'+lead)), c.Scenario().Actions[1].Describe())

	other := lead%3 + 1
	act(t, c, Action{Type: ActCrash, Peer: other})
	err = c.Act(Action{Type: ActSnapshot, Peer: other})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is down")
	c.RunUntil(c.Now() + 500)
	assert.Empty(t, c.Violations())

	// The recorded scenario replays to the same trace.
	replay := newCluster(t, c.Scenario())
	replay.RunUntil(c.Now())
	assert.Equal(t, c.TraceHash(), replay.TraceHash())
}

func TestSnapshotScenarioValidation(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"v":1,"seed":1,"actions":[{"at":5,"type":"snapshot"}]}`, `needs field "peer"`},
		{`{"v":1,"seed":1,"actions":[{"at":5,"type":"snapshot","peer":1,"key":"x"}]}`, `field "key" does not apply to snapshot`},
		{`{"v":1,"seed":1,"actions":[{"at":5,"type":"snapshot","peer":4}]}`, "peer 4 is not in the cluster"},
		{`{"v":1,"seed":1,"actions":[{"at":5,"type":"crash","peer":2},{"at":6,"type":"snapshot","peer":2}]}`, "peer 2 is down"},
		{`{"v":1,"seed":1,"options":{"snapshot_entries":2000000}}`, "snapshot_entries must be 0 (never) to 1000000"},
		{`{"v":1,"seed":1,"options":{"snapshot_chunk_bytes":2000000}}`, "snapshot_chunk_bytes must be 0 (the default) to 1048576"},
	} {
		_, err := ParseScenario([]byte(tc.json))
		require.Error(t, err, tc.json)
		assert.Contains(t, err.Error(), tc.want, tc.json)
	}
	sc, err := ParseScenario([]byte(`{"v":1,"seed":1,"options":{"snapshot_entries":4,"snapshot_chunk_bytes":8},"actions":[{"at":900,"type":"snapshot","peer":1}]}`))
	require.NoError(t, err)
	assert.Equal(t, uint64(4), sc.Options.SnapshotEntries)
	assert.Equal(t, ActSnapshot, sc.Actions[0].Type)
	// In a replay, a snapshot action that finds nothing new to snapshot is reported,
	// not fatal.
	c := newCluster(t, sc)
	c.RunUntil(1000)
	errs := c.ActionErrors()
	if len(errs) > 0 {
		assert.Contains(t, errs[0].Error(), "nothing new to snapshot")
	}
}

// brokenRun runs the scenario with a broken engine (break changes each Ready) and stops
// at the first violation.
func brokenRun(t *testing.T, sc Scenario, until int64, br func(p *simPeer, rd *engine.Ready)) *Cluster {
	t.Helper()
	c, err := NewWithConfig(sc, RunConfig{StopOnViolation: true})
	require.NoError(t, err)
	c.breakReady = br
	c.RunUntil(until)
	return c
}

// Each snapshot check passes on the real engine and fails on one broken as it says.
func TestSnapshotChecksCatchABrokenEngine(t *testing.T) {
	sc := compactionScenario(9)
	real := newCluster(t, sc)
	real.RunUntil(5000)
	require.Empty(t, real.Violations(), "the real engine passes every check")

	t.Run("state", func(t *testing.T) {
		// An engine that labels its snapshot with the index before the state it holds.
		c := brokenRun(t, sc, 5000, func(p *simPeer, rd *engine.Ready) {
			if !rd.Snapshot.IsEmpty() && !rd.RestoreSnapshot && rd.Snapshot.Meta.Index > 1 {
				t, _ := p.store.Term(rd.Snapshot.Meta.Index - 1)
				rd.Snapshot.Meta.Index--
				rd.Snapshot.Meta.Term = t
			}
		})
		vs := c.Violations()
		require.NotEmpty(t, vs)
		assert.Equal(t, InvSnapshotState, vs[0].Invariant, vs[0].Description)
		assert.Contains(t, vs[0].Description, "differs from the state of a peer that applied exactly entries 1..")
	})
	t.Run("matching", func(t *testing.T) {
		// An engine that records the wrong term for the snapshot's last entry.
		c := brokenRun(t, sc, 5000, func(p *simPeer, rd *engine.Ready) {
			if !rd.Snapshot.IsEmpty() && !rd.RestoreSnapshot {
				rd.Snapshot.Meta.Term++
			}
		})
		vs := c.Violations()
		require.NotEmpty(t, vs)
		assert.Equal(t, InvSnapshotMatching, vs[0].Invariant, vs[0].Description)
		assert.Contains(t, vs[0].Description, "was committed at that index")
	})
	t.Run("applied", func(t *testing.T) {
		// An engine without §7's staleness check: it installs a snapshot older than
		// what the peer has applied (the first snapshot of the run, replayed later).
		var old engine.Snapshot
		c := brokenRun(t, sc, 5000, func(p *simPeer, rd *engine.Ready) {
			switch {
			case rd.Snapshot.IsEmpty():
			case old.IsEmpty():
				old = rd.Snapshot
				old.Meta.ConfState.Voters = slices.Clone(old.Meta.ConfState.Voters)
			case p.applied > old.Meta.Index:
				rd.Snapshot, rd.RestoreSnapshot = old, true
			}
		})
		vs := c.Violations()
		require.NotEmpty(t, vs)
		assert.Equal(t, InvSnapshotApplied, vs[0].Invariant, vs[0].Description)
		assert.Contains(t, vs[0].Description, "its applied index would go back")
	})
}

// Found by chaos seed 23: leader 3 is sending its snapshot 203@4 to follower 1, which
// holds 120 bytes of it when the leader crashes. Re-elected after its restart, leader 3
// starts the transfer of the same snapshot over from byte 0, and follower 1 answers
// every chunk with "I hold 120 bytes". The leader must go on from there; ignoring the
// acknowledgement (it is beyond what it has sent) left follower 1 without the snapshot
// for good, and the liveness check failed.
func TestSnapshotTransferResumesWhatTheFollowerHolds(t *testing.T) {
	data, err := os.ReadFile("testdata/snapshot-resume.json")
	require.NoError(t, err)
	sc, err := ParseScenario(data)
	require.NoError(t, err)
	c := newCluster(t, sc)
	c.RunUntil(10001)
	require.Empty(t, c.Violations())
	require.NoError(t, c.CheckLiveness(300))
	assert.Empty(t, c.Violations())
	installed := false
	for _, e := range eventsOf(c, engine.EventSnapshotInstalled.String()) {
		installed = installed || (e.Peer == 1 && e.Time > 10000)
	}
	assert.True(t, installed, "follower 1 installs the snapshot after the leader's restart")
}

// A clone or a checkpoint taken with snapshots in the stores (and the checker's own
// state machine half-way) runs on exactly as the original.
func TestCloneWithSnapshots(t *testing.T) {
	c := newCluster(t, compactionScenario(10))
	c.RunUntil(2600) // peer 3 is catching up by InstallSnapshot
	require.NotEmpty(t, eventsOf(c, engine.EventSnapshotTaken.String()))
	d := c.Clone()
	cp := c.Checkpoint(-1)
	c.RunUntil(6000)
	d.RunUntil(6000)
	r := cp.Restore()
	r.RunUntil(6000)
	assert.Equal(t, c.TraceHash(), d.TraceHash())
	assert.Equal(t, c.TraceHash(), r.TraceHash())
	assert.Equal(t, c.State(), d.State())
	assert.Empty(t, d.Violations())
	assert.Positive(t, c.SnapshotStats().Installed)
	assert.Equal(t, c.SnapshotStats(), r.SnapshotStats())
}

// The persistence lesson's fault (a restart that forgets the term and vote) on a peer
// whose log starts after a snapshot: the snapshot stays, the term becomes its last
// entry's (the snapshot's when the log after it is empty).
func TestForgetVoteKeepsTheSnapshot(t *testing.T) {
	sc := compactionScenario(11)
	sc.Options.Unsafe.ForgetVoteOnRestart = true
	sc.Actions = []Action{{At: 2000, Type: ActCrash, Peer: 2}, {At: 2100, Type: ActRestart, Peer: 2}}
	c := newCluster(t, sc)
	c.RunUntil(2000)
	p := &c.peers[1]
	before, err := p.store.Snapshot()
	require.NoError(t, err)
	require.False(t, before.IsEmpty())
	last, _ := p.store.LastIndex()
	lastTerm, _ := p.store.Term(last)
	c.RunUntil(2100)
	require.Empty(t, c.ActionErrors())
	after, _ := p.store.Snapshot()
	assert.GreaterOrEqual(t, after.Meta.Index, before.Meta.Index)
	restarts := eventsOf(c, "restart")
	require.NotEmpty(t, restarts)
	assert.Contains(t, restarts[len(restarts)-1].Text, "forgot its term")
	assert.Contains(t, restarts[len(restarts)-1].Text, fmt.Sprintf("it now has term %d", lastTerm))
	// The sentence names the switch as a scenario spells it today.
	keys, err := json.Marshal(Unsafe{})
	require.NoError(t, err)
	require.Contains(t, string(keys), `"forget_vote_on_restart"`)
	assert.Contains(t, restarts[len(restarts)-1].Text, "(unsafe: forget_vote_on_restart)")
}

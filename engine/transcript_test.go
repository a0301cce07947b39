package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// presetLog builds a log whose entries have the given terms.
func presetLog(terms ...uint64) []engine.Entry {
	ents := make([]engine.Entry, len(terms))
	for i, term := range terms {
		ents[i] = engine.Entry{Index: uint64(i + 1), Term: term, Command: fmt.Appendf(nil, "x%d=%d", i+1, term)}
	}
	return ents
}

// newPresetNetwork starts the three peers on preset HardStates and logs.
func newPresetNetwork(t *testing.T, mutate func(*engine.Config), hs map[uint64]engine.HardState, logs map[uint64][]engine.Entry) *network {
	n := &network{t: t, peers: map[uint64]*engine.Peer{}, stores: map[uint64]*memstore.Store{},
		applied: map[uint64][]engine.Entry{}, reads: map[uint64][]engine.ReadState{},
		cut: map[[2]uint64]bool{}, mutate: mutate}
	for _, id := range voters {
		st, err := memstore.NewWithState(hs[id], engine.ConfState{Voters: voters}, logs[id])
		require.NoError(t, err)
		n.stores[id] = st
		n.start(id)
	}
	return n
}

func electLeader(t *testing.T, n *network, id uint64) {
	n.campaign(id)
	n.deliver()
	require.Equal(t, engine.StateLeader, n.status(id).State, "peer %d should have won", id)
}

func TestTranscriptElection(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	for _, id := range []uint64{2, 3} {
		assert.Equal(t, engine.StateFollower, n.status(id).State)
		assert.Equal(t, uint64(1), n.status(id).Lead)
		assert.Equal(t, uint64(1), n.status(id).Term)
	}
	n.golden("election")
}

func TestTranscriptSplitVote(t *testing.T) {
	// Peers 1 and 2 time out together while peer 3 is unreachable: each votes for
	// itself and refuses the other, so neither reaches a majority in term 1. The
	// randomized election timeouts then let one of them start term 2 first and win.
	n := newNetwork(t, func(c *engine.Config) { c.PreVote = false; c.CheckQuorum = false })
	n.isolate(3)
	n.note("timeout 1 and 2 together")
	n.peers[1].Campaign()
	n.peers[2].Campaign()
	n.handle(1)
	n.handle(2)
	n.deliver()
	for _, id := range []uint64{1, 2} {
		assert.Equal(t, engine.StateCandidate, n.status(id).State, "peer %d: a split vote elects nobody", id)
		assert.Equal(t, uint64(1), n.status(id).Term)
	}
	n.heal()
	leader := uint64(0)
	for range 100 {
		for _, id := range voters {
			n.tick(id, 1)
		}
		n.deliver()
		if leader = currentLeader(n); leader != 0 {
			break
		}
	}
	require.NotZero(t, leader, "the randomized timeouts resolve the split")
	assert.GreaterOrEqual(t, n.status(leader).Term, uint64(2))
	n.golden("split_vote")
}

// currentLeader returns the only leader of the highest term, or 0.
func currentLeader(n *network) uint64 {
	leader, term := uint64(0), uint64(0)
	for _, id := range voters {
		st := n.status(id)
		if st.State == engine.StateLeader && st.Term > term {
			leader, term = id, st.Term
		}
	}
	return leader
}

func TestTranscriptReplication(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.propose(1, "SET y 2")
	n.deliver()
	n.tick(1, 1)
	n.deliver()
	for _, id := range voters {
		st := n.status(id)
		assert.Equal(t, uint64(3), st.CommitIndex, "peer %d", id)
		require.Len(t, n.applied[id], 3, "peer %d", id)
		assert.Equal(t, "SET y 2", string(n.applied[id][2].Command))
	}
	n.golden("replication")
}

func TestTranscriptCatchUpAfterPartition(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.isolate(3)
	n.note("propose 20 commands at 1 before its next Ready: one batch")
	for i := range 20 {
		_, err := n.peers[1].Propose(fmt.Appendf(nil, "SET k %d", i), nil)
		require.NoError(t, err)
	}
	n.handle(1)
	n.deliver()
	assert.Equal(t, uint64(1), n.status(3).LastIndex, "the isolated follower missed everything")
	n.heal()
	n.tick(1, 1) // a heartbeat: the answer shows peer 3 is behind
	n.deliver()
	assert.Equal(t, uint64(21), n.status(3).LastIndex)
	assert.Equal(t, uint64(21), n.status(3).CommitIndex)
	assert.Equal(t, n.terms(1), n.terms(3))
	n.golden("catch_up")
}

func TestTranscriptTruncateConflictingSuffix(t *testing.T) {
	// Peer 3 was leader of term 2 and wrote entries nobody else got; peer 1 leads term 3.
	hs := map[uint64]engine.HardState{1: {Term: 2, Commit: 1}, 2: {Term: 2, Commit: 1}, 3: {Term: 2, VotedFor: 3, Commit: 1}}
	logs := map[uint64][]engine.Entry{1: presetLog(1, 1), 2: presetLog(1, 1), 3: presetLog(1, 2, 2, 2)}
	n := newPresetNetwork(t, nil, hs, logs)
	n.isolate(3)
	electLeader(t, n, 1)
	n.heal()
	n.tick(1, 1)
	n.deliver()
	assert.Equal(t, n.terms(1), n.terms(3), "peer 3's conflicting suffix was replaced")
	assert.Equal(t, "1 1 3", n.terms(3))
	assert.Contains(t, n.log.String(), "peer 3 truncated its conflicting suffix: entries 2..4 removed")
	n.golden("truncate")
}

// figure8 sets up Figure 8 (c) of the paper: peer 1 becomes leader of term 4 holding an
// entry of term 2 at index 2. Peer 2 lacks it; peer 3 holds a conflicting entry of
// term 3 and could still be elected by peer 2. One entry per message, so the leader
// learns that index 2 is on a majority before its own entry of term 4 is.
func figure8(t *testing.T, unsafe bool) *network {
	hs := map[uint64]engine.HardState{1: {Term: 3}, 2: {Term: 3}, 3: {Term: 3}}
	logs := map[uint64][]engine.Entry{1: presetLog(1, 2), 2: presetLog(1), 3: presetLog(1, 3)}
	n := newPresetNetwork(t, func(c *engine.Config) {
		c.PreVote, c.CheckQuorum = false, false
		c.MaxSizePerMsg = 1
		c.Unsafe.CommitOldTerms = unsafe
	}, hs, logs)
	n.isolate(3)
	electLeader(t, n, 1)
	return n
}

// commitEvents lists the commit-advanced events of a peer as "index@term".
func commitEvents(n *network, id uint64) []string {
	var out []string
	prefix := fmt.Sprintf("peer %d advanced its commit index to ", id)
	for _, line := range strings.Split(n.log.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			out = append(out, rest)
		}
	}
	return out
}

func TestTranscriptFigure8(t *testing.T) {
	n := figure8(t, false)
	// §5.4.2: index 2 (term 2) reached a majority first, but only the leader's entry of
	// term 4 at index 3 commits, and index 2 with it.
	assert.Equal(t, []string{"3 (term 4)"}, commitEvents(n, 1))
	assert.Equal(t, uint64(3), n.status(1).CommitIndex)
	n.golden("figure8")
}

func TestFigure8UnsafeCommitOfOldTerm(t *testing.T) {
	n := figure8(t, true)
	// With the rule broken the leader commits index 2 by counting replicas: in Figure
	// 8 (d) peer 3 could then be elected and overwrite a committed entry.
	assert.Equal(t, []string{"2 (term 2)", "3 (term 4)"}, commitEvents(n, 1))
}

func TestTranscriptStepDownOnHigherTerm(t *testing.T) {
	n := newNetwork(t, func(c *engine.Config) { c.PreVote = false; c.CheckQuorum = false })
	electLeader(t, n, 1)
	n.isolate(1)
	electLeader(t, n, 2)
	n.heal()
	n.tick(1, 1) // the old leader's heartbeat meets the higher term
	n.deliver()
	n.tick(2, 1) // the new leader's heartbeat tells peer 1 who leads
	n.deliver()
	assert.Equal(t, engine.StateFollower, n.status(1).State)
	assert.Equal(t, uint64(2), n.status(1).Term)
	assert.Equal(t, uint64(2), n.status(1).Lead)
	n.golden("step_down")
}

func TestTranscriptRestartReload(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	n.tick(1, 1)
	n.deliver()
	before := n.status(2)
	n.crash(2)
	n.restart(2)
	after := n.status(2)
	assert.Equal(t, before.Term, after.Term, "term reloaded")
	assert.Equal(t, before.VotedFor, after.VotedFor, "vote reloaded")
	// The commit index alone is saved without a sync (Ready.MustSync), so a crash may
	// take it back to the last synced one; the leader's next heartbeat restores it.
	assert.LessOrEqual(t, after.CommitIndex, before.CommitIndex, "commit reloaded, at most as it was")
	assert.Equal(t, before.LastIndex, after.LastIndex, "log reloaded")
	assert.Len(t, n.applied[2], int(after.CommitIndex), "committed entries are applied again after a restart")
	n.tick(1, 1)
	n.deliver()
	assert.Equal(t, before.CommitIndex, n.status(2).CommitIndex, "the leader restores the commit index")
	n.golden("restart")
}

func TestTranscriptReadIndex(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	n.note("read 7 at 1")
	require.NoError(t, n.peers[1].ReadIndex(7))
	n.handle(1)
	assert.Empty(t, n.reads[1], "not confirmed before a majority answers the heartbeat round")
	n.deliver()
	require.Len(t, n.reads[1], 1)
	assert.Equal(t, engine.ReadState{RequestID: 7, Index: 2}, n.reads[1][0])

	err := n.peers[2].ReadIndex(8)
	var notLeader *engine.NotLeaderError
	require.ErrorAs(t, err, &notLeader)
	assert.Equal(t, uint64(1), notLeader.Leader)
	assert.ErrorIs(t, err, engine.ErrNotLeader)

	// An isolated leader cannot confirm a read: it may have been deposed.
	n.isolate(1)
	require.NoError(t, n.peers[1].ReadIndex(9))
	n.handle(1)
	n.deliver()
	assert.Len(t, n.reads[1], 1, "no quorum, no read")
	n.golden("read_index")
}

// FuzzStep feeds arbitrary messages to a peer of a running cluster: Step may refuse them
// with an error but must never panic.
func FuzzStep(f *testing.F) {
	f.Add(uint8(engine.MsgApp), uint64(1), uint64(5), uint64(1), uint64(1), uint64(2), uint64(2), false, uint64(0))
	f.Add(uint8(engine.MsgAppResp), uint64(2), uint64(1), uint64(9), uint64(0), uint64(0), uint64(0), true, uint64(3))
	f.Add(uint8(engine.MsgVote), uint64(3), uint64(7), uint64(4), uint64(3), uint64(0), uint64(0), false, uint64(0))
	f.Add(uint8(engine.MsgHeartbeat), uint64(2), uint64(1), uint64(0), uint64(0), uint64(99), uint64(0), false, uint64(1))
	f.Fuzz(func(t *testing.T, typ uint8, from, term, index, logTerm, commit, entryTerm uint64, reject bool, hint uint64) {
		n := newNetwork(t, nil)
		electLeader(t, n, 1)
		n.propose(1, "SET x 1")
		n.deliver()
		for _, to := range voters {
			m := engine.Message{Type: engine.MessageType(typ), From: from, To: to, Term: term, Index: index,
				LogTerm: logTerm, Commit: commit, Reject: reject, RejectHint: hint}
			if entryTerm != 0 {
				m.Entries = []engine.Entry{{Index: index + 1, Term: entryTerm, Command: []byte("x")}}
			}
			_ = n.peers[to].Step(m)
			n.handle(to)
		}
		n.deliver()
	})
}

func TestReadyDescribe(t *testing.T) {
	st := memstore.New(engine.ConfState{Voters: voters})
	p, err := engine.NewPeer(engine.DefaultConfig(1, st))
	require.NoError(t, err)
	p.Campaign()
	rd := p.Ready()
	want := `soft: lead=0 state=precandidate
send: 1->2 PreVote t1 last=0@0
send: 1->3 PreVote t1 last=0@0
event: peer 1: election timeout fired in term 0
event: peer 1 became precandidate in term 0
`
	assert.Equal(t, want, rd.Describe())
	assert.False(t, rd.MustSync, "a pre-vote changes nothing durable")
	require.NoError(t, st.Save(rd.HardState, rd.Entries, rd.MustSync))
	p.Advance()
	assert.False(t, p.HasReady())
}

func TestMaySendBeforePersist(t *testing.T) {
	early := map[engine.MessageType]bool{engine.MsgApp: true, engine.MsgHeartbeat: true}
	for typ := engine.MsgVote; typ <= engine.MsgHeartbeatResp; typ++ {
		m := engine.Message{Type: typ}
		assert.Equal(t, early[typ], engine.MaySendBeforePersist(&m), "%s", typ)
	}
}

// A pre-candidate whose pre-votes go unanswered (its peers are unreachable) must not
// raise its term when it times out again: it starts another pre-vote round. Otherwise
// a peer rejoining after a partition would disrupt the leader, which is what pre-vote
// exists to prevent.
func TestPreCandidateTimeoutKeepsTerm(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.isolate(3)
	n.tick(3, 200) // many election timeouts without an answer
	n.deliver()
	st := n.status(3)
	assert.Equal(t, engine.StatePreCandidate, st.State)
	assert.Equal(t, uint64(1), st.Term, "unanswered pre-votes never raise the term")
	assert.Equal(t, uint64(1), st.VotedFor, "its vote of term 1 stands: a pre-candidate does not vote for itself")
	n.heal()
	n.tick(1, 1)
	n.deliver()
	assert.Equal(t, engine.StateLeader, n.status(1).State, "the leader was not disturbed")
	assert.Equal(t, uint64(1), n.status(3).Term)
}

// A grant from an earlier pre-vote round must not count in a later one. Found by the
// simulator's pre-vote check: peer 1 won the pre-vote for term 1 and became a candidate,
// its timeout was forced so it asked pre-votes for term 2, and the late second grant for
// term 1 arrived and made it a candidate for term 2 with no one's consent.
func TestStalePreVoteGrantIsNotCounted(t *testing.T) {
	n := newNetwork(t, nil)
	n.campaign(1) // pre-votes for term 1 go out
	require.Len(t, n.queue, 2)
	n.deliver1(0) // 1->2 PreVote
	n.deliver1(0) // 1->3 PreVote
	// Both grants are queued; the first makes peer 1 a candidate in term 1.
	n.deliver1(0)
	require.Equal(t, engine.StateCandidate, n.status(1).State)
	require.Equal(t, uint64(1), n.status(1).Term)
	// Its timeout fires again before the second grant arrives.
	n.campaign(1)
	require.Equal(t, engine.StatePreCandidate, n.status(1).State)
	stale := n.take(func(m engine.Message) bool { return m.Type == engine.MsgPreVoteResp })
	require.Equal(t, uint64(1), stale.Term, "the late grant is for term 1")
	require.NoError(t, n.peers[1].Step(stale))
	n.handle(1)
	assert.Equal(t, engine.StatePreCandidate, n.status(1).State, "a grant for term 1 says nothing about term 2")
	assert.Equal(t, uint64(1), n.status(1).Term)
}

// A pre-vote answer that reaches a peer after it gave the round up must not move it to
// a later term: found by the simulator's check-quorum check. Peer 3 times out and asks
// for pre-votes, hears its leader again, and only then gets a refusal from a peer
// already in term 2; taking that term would have let it vote in term 2 while its
// leader of term 1 was alive.
func TestStalePreVoteRefusalIsIgnored(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.campaign(3)
	require.Equal(t, engine.StatePreCandidate, n.status(3).State)
	n.queue = n.queue[:0] // its pre-votes are lost
	n.tick(1, 1)          // the leader's heartbeat brings it back to following
	n.deliver()
	require.Equal(t, engine.StateFollower, n.status(3).State)
	refusal := engine.Message{Type: engine.MsgPreVoteResp, From: 2, To: 3, Term: 2, Reject: true}
	require.NoError(t, n.peers[3].Step(refusal))
	n.handle(3)
	assert.Equal(t, uint64(1), n.status(3).Term, "a stale answer says nothing about the term")
	assert.Equal(t, uint64(1), n.status(3).Lead)
}

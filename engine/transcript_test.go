package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

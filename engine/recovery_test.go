package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loseTail crashes peer id and replaces its storage with the first keep entries of
// its log, as a cut or zeroed tail on disk (or `raftplay repair --truncate`) leaves it.
// The HardState survives (the file store keeps term and vote in its state file too);
// the commit index cannot point past the log.
func loseTail(t *testing.T, n *network, id uint64, keep int) {
	t.Helper()
	n.crash(id)
	hs := n.stores[id].HardState()
	log := n.stores[id].Log()[:keep]
	hs.Commit = min(hs.Commit, uint64(keep))
	st, err := memstore.NewWithState(hs, engine.ConfState{Voters: voters}, log)
	require.NoError(t, err)
	n.stores[id] = st
	n.note("peer %d lost its log after index %d", id, keep)
}

// heartbeat runs one heartbeat round of the leader and everything it causes.
func heartbeat(n *network, leader uint64) {
	n.tick(leader, 1)
	n.deliver()
}

// A follower whose log got shorter than what it acknowledged must catch up: the
// leader learns from its rejection that it restarted, forgets its Match, and probes
// down from the follower's hint.
func TestFollowerWithShorterLogCatchesUp(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	for range 5 {
		n.propose(1, "SET x 1")
		n.deliver()
	}
	last := n.status(1).LastIndex
	require.Equal(t, last, n.status(1).Progress[2].Match)
	loseTail(t, n, 2, 2)
	n.restart(2)
	for range 3 {
		heartbeat(n, 1)
	}
	// No new write is needed: the restarted follower's heartbeat reply draws a probe.
	assert.Equal(t, last, n.status(2).LastIndex, "the follower caught up in an idle cluster")
	assert.Contains(t, n.log.String(), "2->1 AppendEntriesResp t1 reject index=6 hint=3@0 restarted")
	n.propose(1, "SET y 2")
	n.deliver()
	last = n.status(1).LastIndex
	assert.Equal(t, last, n.status(2).LastIndex, "the follower caught up")
	assert.Equal(t, n.logOf(1), n.logOf(2))
	assert.Equal(t, last, n.status(1).Progress[2].Match)
	assert.Equal(t, engine.ModeReplicate, n.status(1).Progress[2].Mode)
}

// A rejection at or below Match from a follower that did not restart is an old,
// reordered reply: the leader keeps its Match.
func TestStaleRejectionKeepsMatch(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	match := n.status(1).Progress[2].Match
	require.NotZero(t, match)
	stale := engine.Message{Type: engine.MsgAppResp, From: 2, To: 1, Term: n.status(1).Term,
		Index: match, Reject: true, RejectHint: match}
	require.NoError(t, n.peers[1].Step(stale))
	n.handle(1)
	assert.Equal(t, match, n.status(1).Progress[2].Match)
	assert.Equal(t, engine.ModeReplicate, n.status(1).Progress[2].Mode)
}

// restartRecovering restarts peer id as its host does after finding a loss on disk.
func restartRecovering(n *network, id uint64) {
	n.note("restart %d recovering", id)
	mutate := n.mutate
	n.mutate = func(c *engine.Config) {
		if mutate != nil {
			mutate(c)
		}
		c.Recovering = c.ID == id
	}
	n.start(id)
	n.mutate = mutate
}

// A recovering peer neither campaigns nor votes, whatever the candidate's log.
func TestRecoveringPeerNeitherVotesNorCampaigns(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	loseTail(t, n, 2, 1)
	restartRecovering(n, 2)
	require.True(t, n.status(2).Recovering)
	n.crash(1)
	n.tick(2, 100)
	assert.Equal(t, engine.RoleFollower, n.status(2).Role, "a recovering peer does not campaign")
	n.campaign(3)
	n.deliver()
	n.tick(3, 40)
	n.deliver()
	assert.NotEqual(t, engine.RoleLeader, n.status(3).Role, "peer 3 cannot win without peer 2's vote")
	assert.True(t, n.status(2).Recovering)
	assert.Contains(t, n.log.String(), "peer 2 refused its pre-vote to peer 3 in term 1: it lost entries it may have acknowledged")
}

// The scenario in the engine: peer 1 leads while 3 is down, and writes are
// committed on 1 and 2; 2 loses them, 1 stops, 2 and 3 start. They must not elect a
// leader without those writes; once 1 returns, it leads, 2 catches up, recovers, and
// every write is on every log.
func TestRecoveringPeerKeepsCommittedWrites(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.crash(3)
	var committed uint64
	for range 5 {
		committed = n.propose(1, "SET k v")
		n.deliver()
	}
	require.Equal(t, committed, n.status(1).CommitIndex)
	loseTail(t, n, 2, 1)
	n.crash(1)
	restartRecovering(n, 2)
	n.restart(3)
	for range 60 {
		n.tick(2, 1)
		n.tick(3, 1)
		n.deliver()
	}
	assert.NotEqual(t, engine.RoleLeader, n.status(2).Role)
	assert.NotEqual(t, engine.RoleLeader, n.status(3).Role, "no leader without the committed writes")

	n.restart(1)
	for i := 0; i < 200 && n.status(1).Role != engine.RoleLeader; i++ {
		n.tick(1, 1)
		n.deliver()
	}
	require.Equal(t, engine.RoleLeader, n.status(1).Role)
	for range 5 {
		heartbeat(n, 1)
	}
	assert.False(t, n.status(2).Recovering, "peer 2 caught up and recovered")
	assert.Contains(t, n.log.String(), "peer 2 recovered: it holds the whole log of the leader, peer 1")
	for _, id := range voters {
		assert.Equal(t, n.logOf(1), n.logOf(id), "log of peer %d", id)
		assert.GreaterOrEqual(t, n.status(id).CommitIndex, committed, "commit of peer %d", id)
	}
}

// A leader does not count a recovering follower's acknowledgements toward a commit:
// with the third peer down, nothing commits until the follower has recovered.
func TestRecoveringFollowerDoesNotCountUntilCaughtUp(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	n.crash(3)
	loseTail(t, n, 2, 1)
	restartRecovering(n, 2)
	// Hold back the leader's sends, to see the state after the follower's first reply.
	heartbeatResp := func(m engine.Message) bool { return m.Type == engine.MsgHeartbeatResp }
	n.tick(1, 1)
	hb := n.take(func(m engine.Message) bool { return m.Type == engine.MsgHeartbeat && m.To == 2 })
	require.NoError(t, n.peers[2].Step(hb))
	n.handle(2)
	resp := n.take(heartbeatResp)
	assert.True(t, resp.Recovering)
	require.NoError(t, n.peers[1].Step(resp))
	pr := n.status(1).Progress[2]
	assert.True(t, pr.Recovering)
	assert.Zero(t, pr.Match, "the leader forgets what it knew of the follower's log")
	commit := n.status(1).CommitIndex
	n.handle(1)
	n.deliver()
	assert.False(t, n.status(2).Recovering)
	assert.Equal(t, n.logOf(1), n.logOf(2))
	n.propose(1, "SET y 2")
	n.deliver()
	assert.Greater(t, n.status(1).CommitIndex, commit, "it counts again once recovered")
	assert.False(t, n.status(1).Progress[2].Recovering)
}

// A recovering follower whose log lost nothing (its state file was rebuilt, say)
// recovers in an idle cluster: the leader's answer to its heartbeat reply reaches the
// end of the leader's log.
func TestRecoveringFollowerRecoversInAnIdleCluster(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "SET x 1")
	n.deliver()
	n.crash(2)
	restartRecovering(n, 2)
	require.True(t, n.status(2).Recovering)
	heartbeat(n, 1)
	assert.False(t, n.status(2).Recovering)
	assert.Contains(t, n.log.String(), "tail")
	assert.False(t, n.status(1).Progress[2].Recovering)
}

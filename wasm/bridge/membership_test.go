package bridge

import (
	"fmt"
	"slices"
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runToLeader runs the bridge's run until a leader has committed an entry of its term.
func runToLeader(t *testing.T, b *Bridge) uint64 {
	t.Helper()
	for range 300 {
		s := snapshot(t, b)
		if s.Leader != 0 && s.Peers[s.Leader-1].CommitIndex > 0 {
			return s.Leader
		}
		call(t, b, "runTicks", float64(1))
	}
	t.Fatal("no leader in 300 ticks")
	return 0
}

// actUntil retries a membership action until the leader takes it (a change is refused
// while the last one is in progress).
func actUntil(t *testing.T, b *Bridge, action string) {
	t.Helper()
	for range 100 {
		out := b.Call("act", []any{action})
		if !isError(out) {
			return
		}
		call(t, b, "runTicks", float64(5))
	}
	t.Fatalf("%s never went through", action)
}

func isError(out any) bool {
	s, ok := out.(string)
	return ok && len(s) > 9 && s[:9] == `{"error":`
}

func TestAddServerGrowsTheRunAndKeepsThePast(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":7}`)
	runToLeader(t, b)
	call(t, b, "runTicks", float64(20))
	before := snapshot(t, b)
	require.Len(t, before.Peers, 3)

	var added addedServer
	callJSON(t, b, &added, "addServer")
	assert.Equal(t, uint64(4), added.Peer)
	assert.True(t, added.Grown, "three members and no spare: the run grows")
	assert.Equal(t, before.Time, added.Time)

	after := snapshot(t, b)
	require.Len(t, after.Peers, 4)
	// The run so far is the same for the three servers that were there.
	for i := range 3 {
		p, q := before.Peers[i], after.Peers[i]
		assert.Equal(t, [4]uint64{p.Term, p.Vote, p.CommitIndex, p.LastApplied}, [4]uint64{q.Term, q.Vote, q.CommitIndex, q.LastApplied}, "S%d", p.ID)
	}
	lead := after.Peers[after.Leader-1]
	assert.Equal(t, []uint64{1, 2, 3}, lead.Voters)
	assert.Equal(t, []uint64{4}, lead.Learners, "S4 joins as a learner (§6)")

	// The scenario (and so a share link) carries the grown run and the action.
	sc := scenarioOf(t, b)
	assert.Equal(t, 4, sc.Options.Peers)
	assert.Equal(t, 3, sc.Options.Voters)
	last := sc.Actions[len(sc.Actions)-1]
	assert.Equal(t, sim.ActAddLearner, last.Type)
	assert.Equal(t, uint64(4), last.Peer)

	// S4 catches up, is promoted, and the configuration goes through C_old,new.
	call(t, b, "runTicks", float64(30))
	assert.Equal(t, snapshot(t, b).Peers[0].LastIndex, snapshot(t, b).Peers[3].LastIndex, "the learner caught up")
	actUntil(t, b, `{"type":"promote","peer":4}`)
	call(t, b, "runTicks", float64(60))
	s := snapshot(t, b)
	assert.Equal(t, []uint64{1, 2, 3, 4}, s.Peers[s.Leader-1].Voters)
	assert.Empty(t, s.Peers[s.Leader-1].Outgoing, "joint consensus is over")

	// A share fragment of the grown run replays to the same state.
	frag := call(t, b, "shareFragment").(string)
	again := New()
	call(t, again, "loadShare", frag)
	call(t, again, "runUntil", float64(s.Time))
	assert.Equal(t, stateText(t, b), stateText(t, again))
}

func TestAddServerUsesASpareServerFirst(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":3,"options":{"peers":5,"voters":3}}`)
	runToLeader(t, b)
	var added addedServer
	callJSON(t, b, &added, "addServer")
	assert.Equal(t, uint64(4), added.Peer)
	assert.False(t, added.Grown)
	assert.Len(t, snapshot(t, b).Peers, 5)
	// S4's change is in progress: adding S5 now is refused, and nothing changes.
	msg := callError(t, b, "addServer")
	assert.Contains(t, msg, "in progress")
	call(t, b, "runTicks", float64(30))
	callJSON(t, b, &added, "addServer")
	assert.Equal(t, uint64(5), added.Peer)
}

func TestAddServerRefusals(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":3}`)
	msg := callError(t, b, "addServer")
	assert.Contains(t, msg, "no leader is up")
	assert.Len(t, snapshot(t, b).Peers, 3, "a refusal grows nothing")
	assert.Empty(t, scenarioOf(t, b).Actions)

	full := loaded(t, `{"v":1,"seed":3,"options":{"peers":7}}`)
	runToLeader(t, full)
	assert.Contains(t, callError(t, full, "addServer"), "7 servers, the most the page draws")

	assert.Contains(t, callError(t, New(), "addServer"), "no scenario is loaded")
}

func TestRemoveTheLeaderThroughTheBridge(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":5,"options":{"peers":5}}`)
	lead := runToLeader(t, b)
	call(t, b, "runTicks", float64(10))
	call(t, b, "act", fmt.Sprintf(`{"type":"remove","peer":%d}`, lead))
	call(t, b, "runTicks", float64(200))
	s := snapshot(t, b)
	require.NotZero(t, s.Leader)
	assert.NotEqual(t, lead, s.Leader, "the removed leader stepped down; another leads")
	assert.False(t, slices.Contains(s.Peers[s.Leader-1].Voters, lead))
	assert.Len(t, s.Peers, 5, "the removed server stays in the run, no member")
}

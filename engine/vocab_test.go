package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// TestVocabularyNamesEveryValueOnce checks each list of the vocabulary: every value
// has a name of its own and a rule, and parsing the name gives the value back.
func TestVocabularyNamesEveryValueOnce(t *testing.T) {
	seen := map[string]bool{}
	require.NotEmpty(t, engine.EventKinds())
	for _, k := range engine.EventKinds() {
		name := k.String()
		assert.NotRegexp(t, `^event\(`, name, "kind %d has no name", k)
		assert.NotEmpty(t, k.Rule(), "kind %s cites no rule", name)
		assert.False(t, seen[name], "two kinds are named %s", name)
		seen[name] = true
		got, ok := engine.ParseEventKind(name)
		assert.True(t, ok)
		assert.Equal(t, k, got)
	}
	_, ok := engine.ParseEventKind("invalid")
	assert.False(t, ok, "the zero kind is not a name to parse")

	require.NotEmpty(t, engine.Reasons())
	for _, r := range engine.Reasons() {
		assert.NotEmpty(t, r.Rule(), "reason %s cites no rule", r)
		got, ok := engine.ParseReason(r.String())
		assert.True(t, ok)
		assert.Equal(t, r, got)
	}
	_, ok = engine.ParseReason("")
	assert.False(t, ok)

	assert.Equal(t, []engine.Role{engine.RoleFollower, engine.RolePreCandidate, engine.RoleCandidate, engine.RoleLeader}, engine.Roles())
	for _, s := range engine.Roles() {
		assert.NotEmpty(t, s.Rule())
		got, ok := engine.ParseRole(s.String())
		assert.True(t, ok)
		assert.Equal(t, s, got)
	}
	_, ok = engine.ParseRole("down")
	assert.False(t, ok, "down is the page's word for a crashed peer, not an engine role")

	require.Contains(t, engine.MessageTypes(), engine.MsgHeartbeatResp)
	for _, m := range engine.MessageTypes() {
		assert.NotEmpty(t, m.Rule())
		got, ok := engine.ParseMessageType(m.String())
		assert.True(t, ok)
		assert.Equal(t, m, got)
	}
	_, ok = engine.ParseMessageType("Invalid")
	assert.False(t, ok)
}

// TestDescribeNamesPeersWithTheGivenFunction checks that every peer a sentence mentions
// is written by the naming function, the voted-for peer of already-voted included.
func TestDescribeNamesPeersWithTheGivenFunction(t *testing.T) {
	name := func(id uint64) string { return map[uint64]string{0: "no one", 1: "Ann", 2: "Bob", 3: "Cy"}[id] }
	cases := []struct {
		ev   engine.Event
		want string
	}{
		{engine.Event{Kind: engine.EventVoteGranted, Peer: 2, From: 1, Term: 3}, "Bob granted its vote to Ann for term 3"},
		{engine.Event{Kind: engine.EventVoteRefused, Peer: 2, From: 1, Term: 3, Reason: engine.ReasonAlreadyVoted, Index: 3},
			"Bob refused its vote to Ann in term 3: it already voted for Cy in this term"},
		{engine.Event{Kind: engine.EventRestarted, Peer: 3, Term: 2, From: 0, Index: 1, LocalIndex: 4},
			"Cy restarted from storage: term 2, voted for no one, commit 1, last index 4"},
		{engine.Event{Kind: engine.EventNextIndexBackoff, Peer: 1, From: 3, Index: 2}, "Ann (leader) backs off: next index for Cy is now 2"},
		{engine.Event{Kind: engine.EventSteppedDown, Peer: 1, From: 2, Term: 4, Role: engine.RoleLeader},
			"Ann stepped down from leader: Bob is in the higher term 4"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.ev.Describe(name))
	}
	assert.Equal(t, "peer 2 granted its vote to peer 1 for term 3", cases[0].ev.Describe(engine.PeerName))
	assert.Equal(t, "nobody", engine.PeerName(engine.None))
}

// TestEventJSONNamesKindsReasonsAndRoles checks the one JSON form of an event.
func TestEventJSONNamesKindsReasonsAndRoles(t *testing.T) {
	j := engine.Event{Kind: engine.EventSteppedDown, Peer: 1, From: 2, Term: 4, Role: engine.RoleCandidate}.JSON(engine.PeerName)
	assert.Equal(t, engine.EventJSON{Kind: "stepped-down", Peer: 1, From: 2, Term: 4, Role: "candidate",
		Text: "peer 1 stepped down from candidate: peer 2 is in the higher term 4"}, j)
	j = engine.Event{Kind: engine.EventVoteRefused, Peer: 1, From: 2, Term: 4, Reason: engine.ReasonLogBehind, PreVote: true}.JSON(engine.PeerName)
	assert.Equal(t, "log-behind", j.Reason)
	assert.Empty(t, j.Role, "only role and stepped-down carry a role")
	assert.True(t, j.PreVote)
}

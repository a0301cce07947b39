package lessons

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// electedRun is seed 4 of plain Raft: S2 is elected in term 1 at about 100 ms. The
// mark is taken at the start; then S2 replicates SET x 1 to everyone.
func electedRun(t *testing.T) (*sim.Cluster, Mark) {
	t.Helper()
	sc := sim.NewScenario(4)
	sc.Options.PreVote, sc.Options.CheckQuorum = false, false
	c, err := sim.New(sc)
	require.NoError(t, err)
	mark := MarkOf(c)
	c.RunTicks(30)
	require.NoError(t, c.Act(sim.Action{Type: sim.ActClient, Peer: 2, Cmd: "SET x 1"}))
	c.RunTicks(10)
	require.Equal(t, uint64(2), c.Leader())
	return c, mark
}

func mustCheck(t *testing.T, src string) *Check {
	t.Helper()
	p := checkParser{peers: 3}
	c, err := p.parse(json.RawMessage(src), "check", 0)
	require.NoError(t, err, src)
	return c
}

func TestEvaluateKinds(t *testing.T) {
	c, mark := electedRun(t)
	tests := []struct {
		check string
		want  bool
	}{
		{`{"event": {"kind": "role", "role": "leader"}}`, true},
		{`{"event": {"kind": "role", "role": "leader", "peer": 1}}`, false},
		{`{"event": {"kind": "vote-granted", "from": 2, "count": 2}}`, true},
		{`{"event": {"kind": "vote-granted", "count": 3}}`, false},
		{`{"event": {"kind": "send", "from": 2, "msg_type": "Heartbeat", "count": 4}}`, true},
		{`{"event": {"kind": "send", "from": 1, "msg_type": "Heartbeat"}}`, false},
		{`{"event": {"kind": "commit-advanced", "peer": 2, "index": 2, "log_term": 1}}`, true},
		{`{"event": {"kind": "client-request", "peer": 2}}`, true},
		{`{"event": {"kind": "election-won", "peer": "step_leader"}}`, false},
		{`{"peer": {"id": 2, "role": "leader"}}`, true},
		{`{"peer": {"id": "any", "role": "leader"}}`, true},
		{`{"peer": {"id": "all", "role": "follower"}}`, false},
		{`{"peer": {"id": "up", "term": 1}}`, true},
		{`{"peer": {"id": "leader", "vote": 2}}`, true},
		{`{"peer": {"id": 1, "min_term_rise": 1}}`, true},
		{`{"peer": {"id": 1, "max_term_rise": 0}}`, false},
		{`{"peer": {"id": 1, "lead": "leader"}}`, true},
		{`{"peer": {"id": 1, "lead": "step_leader"}}`, false},
		{`{"peer": {"id": 3, "role": "up"}}`, true},
		{`{"peer": {"id": 3, "role": "down"}}`, false},
		{`{"leader": {}}`, true},
		{`{"leader": {"exists": false}}`, false},
		{`{"leader": {"is": 2, "min_term_rise": 1, "max_term_rise": 1}}`, true},
		{`{"leader": {"is": 1}}`, false},
		{`{"leader": {"min_term_rise": 2}}`, false},
		{`{"log": {"peer": "all", "equals_peer": "leader"}}`, true},
		{`{"log": {"peer": 1, "contains": "SET x 1", "committed": true}}`, true},
		{`{"log": {"peer": 1, "contains": "SET x 1", "committed": false}}`, false},
		{`{"log": {"peer": 3, "contains": "no-op"}}`, true},
		{`{"log": {"peer": 3, "lacks": "SET x 1"}}`, false},
		{`{"log": {"peer": 2, "terms": [1, 1]}}`, true},
		{`{"log": {"peer": 2, "terms": [1]}}`, false},
		{`{"commit": {"peer": "all", "at_least": 2}}`, true},
		{`{"commit": {"peer": "any", "at_most": 1}}`, false},
		{`{"kv": {"peer": "all", "key": "x", "value": "1"}}`, true},
		{`{"kv": {"peer": 1, "key": "x", "value": "2"}}`, false},
		{`{"kv": {"peer": "all", "key": "y", "absent": true}}`, true},
		{`{"kv": {"peer": 1, "key": "x", "absent": true}}`, false},
		{`{"client": {"op": "put", "key": "x", "outcome": "ok", "peer": "leader"}}`, true},
		{`{"client": {"op": "GET"}}`, false},
		{`{"client": {"count": 2}}`, false},
		{`{"violation": {"invariant": "any"}}`, false},
		{`{"all": [{"leader": {}}, {"kv": {"peer": 2, "key": "x", "value": "1"}}]}`, true},
		{`{"all": [{"leader": {}}, {"leader": {"is": 3}}]}`, false},
		{`{"any": [{"leader": {"is": 3}}, {"leader": {"is": 2}}]}`, true},
		{`{"any": [{"leader": {"is": 3}}, {"leader": {"is": 1}}]}`, false},
		{`{"not": {"violation": {"invariant": "election-safety"}}}`, true},
		{`{"not": {"leader": {}}}`, false},
	}
	for _, tc := range tests {
		ev := NewEvaluator(mustCheck(t, tc.check), mark)
		res := ev.Evaluate(c)
		assert.Equal(t, tc.want, res.Passed, tc.check)
		again := ev.Evaluate(c)
		assert.Equal(t, tc.want, again.Passed, "%s: evaluating again counts nothing twice", tc.check)
	}
}

func TestEvaluateCountsOnlySinceTheMark(t *testing.T) {
	c, _ := electedRun(t)
	ev := NewEvaluator(mustCheck(t, `{"event": {"kind": "election-won"}}`), MarkOf(c))
	assert.False(t, ev.Evaluate(c).Passed, "the election happened before the mark")
	require.NoError(t, c.Act(sim.Action{Type: sim.ActTimeout, Peer: 1}))
	c.RunTicks(10)
	assert.True(t, ev.Evaluate(c).Passed)
}

func TestEvaluateClientInProgress(t *testing.T) {
	c, _ := electedRun(t)
	require.NoError(t, c.Act(sim.Action{Type: sim.ActPartition, Groups: [][]uint64{{2}, {1, 3}}}))
	mark := MarkOf(c)
	require.NoError(t, c.Act(sim.Action{Type: sim.ActRead, Peer: 2, Key: "x"}))
	ended := NewEvaluator(mustCheck(t, `{"client": {"op": "GET"}}`), mark)
	failed := NewEvaluator(mustCheck(t, `{"client": {"op": "GET", "outcome": "failed"}}`), mark)
	c.RunTicks(5)
	assert.False(t, ended.Evaluate(c).Passed, "a read still waiting has not ended")
	assert.False(t, failed.Evaluate(c).Passed, "nor failed")
}

func TestEvaluateParts(t *testing.T) {
	c, mark := electedRun(t)
	check := mustCheck(t, `{"all": [
		{"label": "a leader", "leader": {}},
		{"peer": {"id": 3, "role": "down"}}
	]}`)
	res := NewEvaluator(check, mark).Evaluate(c)
	assert.False(t, res.Passed)
	assert.Equal(t, []PartResult{{Text: "a leader", Passed: true}, {Text: "peer 3 is down", Passed: false}}, res.Parts)
	assert.Equal(t, "waiting for: peer 3 is down", res.Detail)

	labelled := mustCheck(t, `{"label": "everything", "all": [{"leader": {}}, {"peer": {"id": 3, "role": "down"}}]}`)
	res = NewEvaluator(labelled, mark).Evaluate(c)
	assert.Equal(t, []PartResult{{Text: "everything", Passed: false}}, res.Parts)
	assert.Equal(t, "waiting for: everything", res.Detail)

	res = NewEvaluator(mustCheck(t, `{"leader": {"is": 2}}`), mark).Evaluate(c)
	assert.True(t, res.Passed)
	assert.Equal(t, "passed: a leader that is peer 2", res.Detail)
}

func TestDescribe(t *testing.T) {
	tests := []struct{ check, want string }{
		{`{"event": {"kind": "vote-refused", "peer": 2, "from": 3, "reason": "log-behind"}}`, `event "vote-refused" (at peer 2, from peer 3, reason log-behind)`},
		{`{"event": {"kind": "send", "msg_type": "Heartbeat", "count": 6}}`, `event "send" (message Heartbeat) (at least 6 times)`},
		{`{"peer": {"id": "all", "role": "follower", "lead": "leader"}}`, "every peer is follower, follows the leader"},
		{`{"peer": {"id": 1, "max_term_rise": 0}}`, "peer 1 has its term unchanged since the step's start"},
		{`{"peer": {"id": 2, "vote": 0}}`, "peer 2 has no vote recorded"},
		{`{"leader": {"is_not": "step_leader", "min_term_rise": 1}}`, "a leader that is not the step's first leader and has its term at least 1 above the step's start"},
		{`{"leader": {"exists": false}}`, "no leader"},
		{`{"log": {"peer": 3, "equals_peer": 1}}`, "the log of peer 3 equals the log of peer 1"},
		{`{"log": {"peer": 1, "contains": "SET x 1", "committed": false}}`, `the log of peer 1 holds "SET x 1", not committed`},
		{`{"log": {"peer": 1, "terms": [1, 4]}}`, "the log of peer 1 has the terms [1 4]"},
		{`{"commit": {"peer": "up", "at_least": 3}}`, "the commit index of every peer that is up at least 3"},
		{`{"kv": {"peer": "all", "key": "x", "value": "1"}}`, "every peer has applied x = 1"},
		{`{"kv": {"peer": 1, "key": "x", "absent": true}}`, `peer 1 has no key "x"`},
		{`{"client": {"op": "GET", "key": "x", "outcome": "ok", "result": "2"}}`, `a client GET x that succeeded with the result "2"`},
		{`{"violation": {"invariant": "monotonic"}}`, "a violation of monotonic"},
		{`{"any": [{"leader": {"is": 1}}, {"leader": {"is": 2}}]}`, "either a leader that is peer 1 or a leader that is peer 2"},
		{`{"not": {"violation": {"invariant": "any"}}}`, "not (a safety violation)"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, mustCheck(t, tc.check).Describe(), tc.check)
	}
}

func TestPeerRefJSON(t *testing.T) {
	for _, src := range []string{`3`, `"leader"`, `"any"`} {
		var r PeerRef
		require.NoError(t, json.Unmarshal([]byte(src), &r))
		out, err := json.Marshal(r)
		require.NoError(t, err)
		assert.Equal(t, src, string(out))
	}
	var r PeerRef
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &r))
	assert.Equal(t, "step_leader", PeerRef{Name: RefStepLeader}.String())
	assert.Equal(t, "2", PeerRef{ID: 2}.String())
}

func BenchmarkEvaluate(b *testing.B) {
	sc := sim.NewScenario(4)
	sc.Options.PreVote, sc.Options.CheckQuorum = false, false
	c, err := sim.New(sc)
	require.NoError(b, err)
	p := checkParser{peers: 3}
	check, err := p.parse(json.RawMessage(`{"all": [
		{"event": {"kind": "send", "msg_type": "Heartbeat", "count": 10000}},
		{"leader": {"min_term_rise": 1}},
		{"kv": {"peer": "all", "key": "x", "value": "1"}}
	]}`), "check", 0)
	require.NoError(b, err)
	ev := NewEvaluator(check, MarkOf(c))
	b.ReportAllocs()
	for b.Loop() {
		c.RunTicks(1) // what the page does between two evaluations
		ev.Evaluate(c)
	}
}

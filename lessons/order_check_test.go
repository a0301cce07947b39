package lessons

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// TestOrderCheckEvaluates evaluates "before" checks, and the checks around them, on
// electedRun: S2 times out, S1 and S3 vote for it, it wins term 1, then SET x 1 comes and
// commits at index 2.
func TestOrderCheckEvaluates(t *testing.T) {
	c, mark := electedRun(t)
	const (
		wonThenClient = `{"before": {"first": {"kind": "election-won", "peer": 2}, "then": {"kind": "client-request", "peer": 2}}}`
		clientThenWon = `{"before": {"first": {"kind": "client-request", "peer": 2}, "then": {"kind": "election-won", "peer": 2}}}`
		neverThen     = `{"before": {"first": {"kind": "timeout", "peer": 2}, "then": {"kind": "election-won", "peer": 3}}}`
		waiting       = `{"peer": {"id": 3, "role": "leader"}}`
	)
	tests := []struct {
		name           string
		check          string
		passed, failed bool
	}{
		{"the right order passes", wonThenClient, true, false},
		{"the wrong order fails for good", clientThenWon, false, true},
		{"then before first, though first comes later", `{"before": {"first": {"kind": "commit-advanced", "peer": 2}, "then": {"kind": "vote-granted", "peer": 1, "from": 2}}}`, false, true},
		{"no then yet: waiting", neverThen, false, false},
		{"an event that matches both is no first before itself", `{"before": {"first": {"kind": "election-won"}, "then": {"kind": "election-won"}}}`, false, true},
		{"min_index: at least", `{"event": {"kind": "commit-advanced", "peer": 2, "min_index": 2}}`, true, false},
		{"min_index: not reached", `{"event": {"kind": "commit-advanced", "peer": 2, "min_index": 3}}`, false, false},
		{"an event that came cannot be undone", `{"not": {"event": {"kind": "election-won"}}}`, false, true},
		{"a state can change", `{"not": {"peer": {"id": 2, "role": "leader"}}}`, false, false},
		{"a command sent cannot be unsent", `{"not": {"event": {"kind": "client-request"}}}`, false, true},
		{"all: one part failed fails it", `{"all": [` + waiting + `, ` + clientThenWon + `]}`, false, true},
		{"any: another part may still pass", `{"any": [` + waiting + `, ` + clientThenWon + `]}`, false, false},
		{"any: every part failed fails it", `{"any": [` + clientThenWon + `, {"not": {"event": {"kind": "timeout"}}}]}`, false, true},
		{"not of a passed order fails", `{"not": ` + wonThenClient + `}`, false, true},
		{"not of a failed order passes", `{"not": ` + clientThenWon + `}`, true, false},
		{"not of a waiting order waits", `{"not": ` + neverThen + `}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := NewEvaluator(mustCheck(t, tt.check), mark).Evaluate(c)
			assert.Equal(t, tt.passed, res.Passed, res.Detail)
			assert.Equal(t, tt.failed, res.Failed, res.Detail)
		})
	}
}

// TestOrderCheckFailedPartsAreNamed: of an "all", the page lists each part; the part
// that failed for good says so, and the detail names it.
func TestOrderCheckFailedPartsAreNamed(t *testing.T) {
	c, mark := electedRun(t)
	check := mustCheck(t, `{"all": [
		{"label": "S2 leads", "peer": {"id": 2, "role": "leader"}},
		{"label": "S2 won before the command came", "before": {"first": {"kind": "election-won", "peer": 2}, "then": {"kind": "client-request"}}},
		{"label": "the command came before S2 won", "before": {"first": {"kind": "client-request"}, "then": {"kind": "election-won", "peer": 2}}},
		{"label": "S3 leads", "peer": {"id": 3, "role": "leader"}}
	]}`)
	res := NewEvaluator(check, mark).Evaluate(c)
	assert.False(t, res.Passed)
	assert.True(t, res.Failed)
	assert.Equal(t, []PartResult{
		{Text: "S2 leads", Passed: true},
		{Text: "S2 won before the command came", Passed: true},
		{Text: "the command came before S2 won", Failed: true},
		{Text: "S3 leads"},
	}, res.Parts)
	assert.Equal(t, "failed, it can no longer pass: the command came before S2 won", res.Detail)
}

// TestOrderCheckEvaluatesIncrementally: the evaluator reads each event once, so the
// order seen across many evaluations is the order of the trace, and a verdict, once
// settled, stays settled as the run goes on.
func TestOrderCheckEvaluatesIncrementally(t *testing.T) {
	sc := sim.NewScenario(4)
	sc.Options.PreVote, sc.Options.CheckQuorum = false, false
	c, err := sim.New(sc)
	require.NoError(t, err)
	right := NewEvaluator(mustCheck(t, `{"before": {"first": {"kind": "election-won", "peer": 2}, "then": {"kind": "commit-advanced", "peer": 2, "min_index": 2}}}`), MarkOf(c))
	wrong := NewEvaluator(mustCheck(t, `{"before": {"first": {"kind": "commit-advanced", "peer": 2, "min_index": 2}, "then": {"kind": "election-won", "peer": 2}}}`), MarkOf(c))
	failedAt := -1
	for tick := range 60 {
		c.RunTicks(1)
		if tick == 30 {
			require.NoError(t, c.Act(sim.Action{Type: sim.ActClient, Peer: 2, Cmd: "SET x 1"}))
		}
		assert.False(t, right.Evaluate(c).Failed, "tick %d", tick)
		if wrong.Evaluate(c).Failed && failedAt < 0 {
			failedAt = tick
		}
		if failedAt >= 0 {
			assert.True(t, wrong.Evaluate(c).Failed, "failed for good, tick %d", tick)
		}
	}
	assert.True(t, right.Evaluate(c).Passed)
	assert.GreaterOrEqual(t, failedAt, 0)
	assert.Less(t, failedAt, 30, "failed as S2 won, long before the commit")
}

func TestOrderCheckParseErrors(t *testing.T) {
	tests := []struct {
		check, err string
	}{
		{`{"before": {"first": {"kind": "timeout"}}}`, `check.before: needs "then"`},
		{`{"before": {"then": {"kind": "timeout"}}}`, `check.before: needs "first"`},
		{`{"before": {"first": {"kind": "timeout", "count": 2}, "then": {"kind": "role"}}}`, "check.before: first: count has no meaning here"},
		{`{"before": {"first": {"kind": "timeout"}, "then": {"kind": "promoted"}}}`, `check.before: then: kind "promoted" is not an engine or simulator event`},
		{`{"before": {"first": {"kind": "timeout"}, "then": {"kind": "role"}, "within": 3}}`, `check.before: json: unknown field "within"`},
		{`{"before": {"first": {"kind": "timeout", "peer": 9}, "then": {"kind": "role"}}}`, "check.before: first: peer:"},
		{`{"event": {"kind": "commit-advanced", "index": 2, "min_index": 2}}`, `"index" and "min_index" cannot both be set`},
	}
	for _, tt := range tests {
		p := checkParser{peers: 3}
		_, err := p.parse(json.RawMessage(tt.check), "check", 0)
		assert.ErrorContains(t, err, tt.err, tt.check)
	}
}

// TestOrderCheckDescribes: an unlabelled "before" says both events in order.
func TestOrderCheckDescribes(t *testing.T) {
	c := mustCheck(t, `{"before": {"first": {"kind": "deliver", "msg_type": "AppendEntriesResp", "from": 3, "to": 1, "min_index": 32}, "then": {"kind": "learner-promoted", "peer": 1, "from": 3}}}`)
	assert.Equal(t, `event "deliver" (from peer 3, to peer 1, message AppendEntriesResp, index at least 32), before event "learner-promoted" (at peer 1, from peer 3)`, c.Describe())
}

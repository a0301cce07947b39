package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

func TestParseMembershipMoves(t *testing.T) {
	for _, tc := range []struct {
		text, norm string
		want       sim.Action
	}{
		{"add-learner 4", "add-learner 4", sim.Action{Type: sim.ActAddLearner, Peer: 4}},
		{"PROMOTE 4", "promote 4", sim.Action{Type: sim.ActPromote, Peer: 4}},
		{"remove 1", "remove 1", sim.Action{Type: sim.ActRemove, Peer: 1}},
		{"reconfigure 1 2 3 4 5", "reconfigure 1 2 3 4 5", sim.Action{Type: sim.ActReconfigure, Voters: []uint64{1, 2, 3, 4, 5}}},
		{"reconfigure 1,2,3|4", "reconfigure 1 2 3 | 4", sim.Action{Type: sim.ActReconfigure, Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}},
	} {
		m, err := ParseMove(tc.text, 5)
		require.NoError(t, err, tc.text)
		assert.Equal(t, tc.norm, m.Text)
		assert.Equal(t, tc.want, *m.Action, tc.text)
		assert.Equal(t, tc.norm, FormatAction(*m.Action), "FormatAction writes what ParseMove reads")
	}
	for text, want := range map[string]string{
		"add-learner 6":         `"6" is not a peer (peers are 1..5)`,
		"promote":               "promote needs one peer",
		"remove leader":         `remove cannot be aimed at "leader"`,
		"reconfigure":           "no voters given",
		"reconfigure 1 2 |":     "no learners given",
		"reconfigure 1 | 2 | 3": "at most one '|'",
		"reconfigure 1 2 x":     `voters: "x" is not a peer`,
		"reconfigure 1 2 | 2":   "reconfigure",
	} {
		_, err := ParseMove(text, 5)
		assert.ErrorContains(t, err, want, text)
	}
}

func TestWrongMovesOfMembershipChanges(t *testing.T) {
	texts := func(move string) []string {
		m, err := ParseMove(move, 5)
		require.NoError(t, err)
		var out []string
		for _, w := range wrongMoves(m, 5) {
			out = append(out, w.Text)
		}
		return out
	}
	// Another server: promote the wrong learner, remove a follower in place of the leader.
	assert.Equal(t, []string{"promote 1", "promote 2", "promote 3", "promote 5"}, texts("promote 4"))
	assert.Contains(t, texts("remove 1"), "remove 2")
	assert.Contains(t, texts("add-learner 4"), "add-learner 5")
	// A reconfigure: a voter left out, or a single promotion in place of the switch.
	got := texts("reconfigure 1 2 3 4 5")
	assert.Contains(t, got, "reconfigure 2 3 4 5")
	assert.Contains(t, got, "reconfigure 1 2 3 4")
	assert.Contains(t, got, "promote 4")
	assert.NotContains(t, got, "reconfigure 1 2 3 4 5")
}

// TestPeerCheckVoters checks the peer check's voters against a run that adds a
// learner and promotes it: the promoted voter is named only once C_new is in its log.
func TestPeerCheckVoters(t *testing.T) {
	step := func(check string) StepReport {
		t.Helper()
		src := "# Voters\n\nIntro.\n\n```lesson\n" + `{"summary": "S.", "scenario": {"v": 1, "seed": 2, "options": {"peers": 4, "voters": 3}, "actions": [{"at": 0, "type": "timeout", "peer": 1}]}}` +
			"\n```\n\n## Lead\n\nN.\n\n```step\n" + `{"observe": true, "check": {"leader": {"is": 1}}, "within_ticks": 60}` +
			"\n```\n\n## Add\n\nN.\n\n```step\n" + `{"action": {"prompt": "Add S4."}, "reference": ["add-learner 4"], "within_ticks": 60, "check": ` + check + "}\n```\n"
		l, err := Parse("01-voters.md", []byte(src))
		require.NoError(t, err)
		rep := Verify(l)
		require.Len(t, rep.Steps, 2)
		require.True(t, rep.Steps[0].Passed, rep.Steps[0].Problem)
		return rep.Steps[1]
	}
	sr := step(`{"all": [{"event": {"kind": "learner-added", "peer": 1, "from": 4}}, {"peer": {"id": 4, "voters": [3, 2, 1]}}]}`)
	assert.True(t, sr.Passed, sr.Problem)
	sr = step(`{"peer": {"id": 4, "voters": [1, 2, 3, 4]}}`)
	assert.False(t, sr.Passed, "a learner is no voter")
	assert.Contains(t, sr.Problem, "has the voters S1, S2, S3, S4")

	_, err := Parse("01-bad.md", []byte(lessonWith(`{"observe": true, "check": {"peer": {"id": 1, "voters": [9]}}}`)))
	assert.ErrorContains(t, err, "voters: 9 is not a peer")
}

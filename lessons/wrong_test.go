package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const leaderStep = `{"observe": true, "check": {"leader": {}}, "within_ticks": 60}`

// verifyStep2 verifies a two-step lesson (a leader is elected, then step) and returns
// the report of the second step.
func verifyStep2(t *testing.T, step string) StepReport {
	t.Helper()
	l, err := Parse("01-wrong.md", []byte(lessonWith(leaderStep, step)))
	require.NoError(t, err)
	rep := Verify(l)
	require.Len(t, rep.Steps, 2)
	require.True(t, rep.Steps[0].Passed, rep.Steps[0].Problem)
	return rep.Steps[1]
}

func TestVerifyRejectsChecksThatAcceptWrongMoves(t *testing.T) {
	for _, tc := range []struct {
		name, step, wrong string
	}{
		{"a write passes as the read",
			`{"action": {"prompt": "Read x at the leader."}, "reference": ["read leader x"],
			  "check": {"event": {"kind": "client-request"}}}`,
			`instead of "read leader x"`},
		{"another server's crash passes",
			`{"action": {"prompt": "Crash S1."}, "reference": ["crash 1"],
			  "check": {"peer": {"id": "any", "role": "down"}}}`,
			`"crash `},
		{"forced timeouts pass as a partition",
			`{"action": {"prompt": "Cut S1 off."}, "reference": ["partition 1 | 2 3"],
			  "check": {"event": {"kind": "timeout", "peer": 1}}, "within_ticks": 60}`,
			`"timeout 1"`},
		{"a move left out",
			`{"action": {"prompt": "Crash S1 and S2."}, "reference": ["crash 1", "crash 2"],
			  "check": {"peer": {"id": 2, "role": "down"}}}`,
			`without "crash 1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := verifyStep2(t, tc.step)
			assert.False(t, sr.Passed)
			assert.Contains(t, sr.Problem, "passes with a wrong move")
			assert.Contains(t, sr.Problem, tc.wrong)
		})
	}
}

func TestVerifyAcceptsChecksThatTellTheMove(t *testing.T) {
	for _, step := range []string{
		`{"action": {"prompt": "Read x at the leader."}, "reference": ["read leader x"],
		  "check": {"client": {"op": "GET", "key": "x", "outcome": "ok"}}}`,
		`{"action": {"prompt": "Crash S1."}, "reference": ["crash 1"],
		  "check": {"peer": {"id": 1, "role": "down"}}}`,
		`{"action": {"prompt": "Crash S1 and S2."}, "reference": ["crash 1", "crash 2"],
		  "check": {"all": [{"peer": {"id": 1, "role": "down"}}, {"peer": {"id": 2, "role": "down"}}]}}`,
	} {
		sr := verifyStep2(t, step)
		assert.True(t, sr.Passed, "%s: %s", step, sr.Problem)
	}
}

func TestWrongPathsOfAMoveAimedAtTheLeader(t *testing.T) {
	m, err := ParseMove("crash leader", 3)
	require.NoError(t, err)
	paths := wrongPaths([]Move{m}, 3)
	require.Len(t, paths, 3, "crash 1, crash 2, crash 3, each skipped when it hits the leader")
	for _, p := range paths {
		assert.Equal(t, 0, p.RightIfLeader)
	}
}

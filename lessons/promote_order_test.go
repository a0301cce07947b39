package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// TestEarlyPromotionFailsForGood plays lesson 19's step 5 as the page does, on the
// Runner: S4 added, then promoted the moment the simulator accepts it. Left to run, S4
// catches up and C_new commits all the same, so a check on the final state alone would
// pass late (the page did); the order check fails the step at the promotion, and it
// stays failed. The reference order, after a restart of the step, passes.
func TestEarlyPromotionFailsForGood(t *testing.T) {
	l, err := Get("adding-a-server")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4))
	require.NoError(t, r.Act(sim.Action{Type: sim.ActAddLearner, Peer: 4}))
	for waited := 0; r.Act(sim.Action{Type: sim.ActPromote, Peer: 4}) != nil; waited++ {
		require.Less(t, waited, 80, "S4's learner entry commits within the reference's wait")
		r.RunTicks(1)
	}
	st := r.Status()
	assert.True(t, st.Failed, "failed at the promotion: %s", st.Detail)
	assert.False(t, st.Passed)
	const order = "S4 had caught up (match index 32 in S1's view) before S1 promoted it"
	for _, p := range st.Parts {
		assert.Equal(t, p.Text == order, p.Failed, "only the order fails: %q", p.Text)
	}
	require.NoError(t, r.Act(sim.Action{Type: sim.ActClient, Peer: 1, Cmd: "SET y 1"}))
	r.RunTicks(400)
	st = r.Status()
	assert.Equal(t, []uint64{1, 2, 3, 4}, r.Cluster().State().Peers[3].Voters, "S4 caught up and uses C_new by now")
	for _, p := range st.Parts {
		assert.Equal(t, p.Text != order, p.Passed, "every other part holds by now: %q", p.Text)
	}
	assert.False(t, st.Passed, "the page must not pass it late")
	assert.True(t, st.Failed)
	assert.Contains(t, st.Detail, "failed, it can no longer pass: "+order)

	require.NoError(t, r.RestartStep())
	assert.False(t, r.Status().Failed, "a restart starts the check afresh")
	for _, m := range r.Step().Reference {
		require.NoError(t, r.Do(m))
	}
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	assert.True(t, passed, r.Status().Detail)
}

// TestOrderCheckAfterASeek: scrubbing back within the step to before the early
// promotion undoes the failure (the evaluator reads the trace again from the step's
// start), and acting from there (which forks the run, discarding the recorded
// promotion) in the right order passes.
func TestOrderCheckAfterASeek(t *testing.T) {
	l, err := Get("adding-a-server")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4))
	require.NoError(t, r.Act(sim.Action{Type: sim.ActAddLearner, Peer: 4}))
	for r.Act(sim.Action{Type: sim.ActPromote, Peer: 4}) != nil {
		r.RunTicks(1)
	}
	promotedAt := r.Cluster().Now()
	r.RunTicks(5)
	require.True(t, r.Status().Failed)
	_, err = r.SeekTime(promotedAt - r.Timeline().Tick())
	require.NoError(t, err)
	assert.False(t, r.Status().Failed, "back before the promotion, the step can pass again")
	require.NoError(t, r.Act(sim.Action{Type: sim.ActClient, Peer: 1, Cmd: "SET z 0"}))
	_, forked := r.Forked()
	require.True(t, forked, "acting in the past discards the recorded promotion")
	r.RunTicks(80)
	for _, m := range r.Step().Reference[2:] {
		require.NoError(t, r.Do(m), m.Text)
	}
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	assert.True(t, passed, r.Status().Detail)
}

// TestWrongPathStopsAtFailure: lesson check stops playing a wrong path once its check
// has failed for good, and reports it as refused.
func TestWrongPathStopsAtFailure(t *testing.T) {
	l, err := Get("adding-a-server")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4))
	st := r.Step()
	early, ok := promoteAtOnce(st.Reference, 2)
	require.True(t, ok)
	c := r.Cluster().Clone()
	tick, outcome := playWrong(c, st, early)
	assert.Equal(t, wrongFailed, outcome)
	assert.Less(t, tick, 80, "the promotion came before the reference's wait would have ended")
	assert.True(t, NewEvaluator(st.Check, r.Mark()).Evaluate(c).Failed)
	assert.Empty(t, c.History()[r.Mark().History:], "stopped at the promotion: SET y 1, the move after it, was not made")
}

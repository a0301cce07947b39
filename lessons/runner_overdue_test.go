package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

// TestOverdueAllowsTheWaitsAsked: a step whose reference path waits between two moves
// (lesson 19 step 5: add S4, wait 80 ticks for it to catch up, promote it) is not
// overdue while the learner waits as asked; it is once the wait and WithinTicks more
// have gone by with no move. It was overdue WithinTicks (12) ticks after the first
// move, telling a learner who did as asked that it took too long.
func TestOverdueAllowsTheWaitsAsked(t *testing.T) {
	l, err := Get("adding-a-server")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4))
	st := r.Step()
	require.Equal(t, []string{"add-learner 4", "wait 80", "promote 4", "client leader SET y 1"}, texts(st.Reference))

	assert.Equal(t, st.WithinTicks, r.Status().AllowedTicks, "before the first move: no wait is asked")
	require.NoError(t, r.Act(sim.Action{Type: sim.ActAddLearner, Peer: 4}))
	r.RunTicks(40)
	s := r.Status()
	assert.Equal(t, 40, s.TicksSinceMove)
	assert.Equal(t, 80+st.WithinTicks, s.AllowedTicks, "the wait the step asks for, then WithinTicks")
	assert.False(t, s.Overdue, "waiting as asked is not taking too long")
	r.RunTicks(80 + st.WithinTicks - 40 + 1)
	assert.True(t, r.Status().Overdue, "no promotion long after the wait asked for")

	require.NoError(t, r.Act(sim.Action{Type: sim.ActPromote, Peer: 4}))
	assert.Equal(t, st.WithinTicks, r.Status().AllowedTicks, "no wait between the promotion and the command")
	require.NoError(t, r.RestartStep())
	assert.Equal(t, st.WithinTicks, r.Status().AllowedTicks, "a restart starts the count of moves afresh")
}

// TestStepClockStartsWhenShown: the step's clock (TicksSinceMove, Overdue) starts when
// the learner goes on to it (Next), which is when the page shows it, not when the
// previous step's check passed: time the learner spends on a passed step, reading its
// quiz while the run goes on, does not count against the next step. Each step opens
// paused on the page, so its clock runs only once the learner starts it.
func TestStepClockStartsWhenShown(t *testing.T) {
	r, err := NewRunner(replicationLesson(t))
	require.NoError(t, err)
	require.True(t, r.RunTicks(30))
	r.RunTicks(200) // the learner lingers on the passed step, with the clock running
	require.NoError(t, r.Advance())
	s := r.Status()
	assert.Equal(t, 0, s.TicksSinceMove)
	assert.False(t, s.Overdue)
	assert.Equal(t, r.Cluster().Now(), r.StepStart().Time, "the step begins where the learner went on to it")
	r.RunTicks(s.WithinTicks)
	assert.False(t, r.Status().Overdue)
	r.RunTicks(1)
	assert.True(t, r.Status().Overdue)
}

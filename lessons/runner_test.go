package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

func replicationLesson(t *testing.T) *Lesson {
	t.Helper()
	l, err := Get("log-replication")
	require.NoError(t, err)
	return l
}

func TestRunnerPlaysALesson(t *testing.T) {
	l := replicationLesson(t)
	r, err := NewRunner(l)
	require.NoError(t, err)
	assert.Equal(t, 0, r.Index())
	assert.Same(t, l.Steps[0], r.Step())
	assert.Same(t, l, r.Lesson())
	passed, detail := r.Check()
	assert.False(t, passed)
	assert.Equal(t, "waiting for: S2 is the leader", detail)
	assert.ErrorIs(t, r.Advance(), ErrNotPassed)

	assert.True(t, r.RunTicks(30))
	passed, detail = r.Check()
	assert.True(t, passed)
	assert.Equal(t, "passed: S2 is the leader", detail)
	require.NoError(t, r.Advance())
	assert.Equal(t, 1, r.Index())

	// Step 2: the learner sends the command.
	require.NoError(t, r.Act(sim.Action{Type: sim.ActClient, Peer: 2, Cmd: "SET x 1"}))
	ticks, passed := r.RunUntilPassed(20)
	assert.True(t, passed)
	assert.Less(t, ticks, 20)
	st := r.Status()
	assert.NotZero(t, r.Cluster().Now()%10, "the run stopped at the event that passed the check, within a tick")
	assert.Equal(t, Status{Lesson: "log-replication", Step: 2, Steps: 5, Passed: true,
		Parts:  []PartResult{{Text: "every server has applied x = 1", Passed: true}},
		Detail: "passed: every server has applied x = 1", TicksSinceMove: ticks - 1, WithinTicks: 20,
		AllowedTicks: 20, Time: r.Cluster().Now()}, st)

	// A passed check stays passed, whatever happens next.
	require.NoError(t, r.Act(sim.Action{Type: sim.ActCrash, Peer: 1}))
	assert.True(t, r.Passed())

	// An action that cannot apply is an error and changes nothing.
	assert.Error(t, r.Act(sim.Action{Type: sim.ActCrash, Peer: 1}))
}

func TestRunnerBackReplaysTheStepStart(t *testing.T) {
	l := replicationLesson(t)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(2))
	start := r.Cluster().TraceHash()
	startState := r.Cluster().State()

	// Play step 3 with a detour, then come back to its start.
	require.NoError(t, r.Do(Move{Text: "wait 7", Wait: 7}))
	passed, err := r.TakeReference()
	require.NoError(t, err)
	require.True(t, passed)
	require.NoError(t, r.RestartStep())
	assert.Equal(t, 2, r.Index())
	assert.Equal(t, start, r.Cluster().TraceHash(), "the replay is the same run up to the step's start")
	assert.Equal(t, startState, r.Cluster().State())
	assert.False(t, r.Passed())

	require.NoError(t, r.Back())
	assert.Equal(t, 1, r.Index())
	assert.False(t, r.Passed())
	passed, err = r.TakeReference()
	require.NoError(t, err)
	assert.True(t, passed)
	require.NoError(t, r.Advance())
	assert.Equal(t, start, r.Cluster().TraceHash(), "replaying step 2's reference reaches the same step 3 start")

	require.NoError(t, r.GoTo(0))
	require.NoError(t, r.Back(), "back on the first step restarts it")
	assert.Equal(t, 0, r.Index())
}

func TestRunnerGoToAndLastStep(t *testing.T) {
	l := replicationLesson(t)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.Error(t, r.GoTo(5))
	require.Error(t, r.GoTo(-1))
	require.NoError(t, r.GoTo(4))
	assert.True(t, r.Status().Last)
	passed, err := r.TakeReference()
	require.NoError(t, err)
	require.True(t, passed)
	assert.ErrorContains(t, r.Advance(), "the last step")
}

func TestRunnerOverdue(t *testing.T) {
	l := replicationLesson(t)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(1))
	r.RunTicks(25) // the learner does nothing
	st := r.Status()
	assert.False(t, st.Passed)
	assert.Equal(t, 25, st.TicksSinceMove)
	assert.True(t, st.Overdue)
	require.NoError(t, r.Act(sim.Action{Type: sim.ActTimeout, Peer: 1}))
	assert.Equal(t, 0, r.Status().TicksSinceMove, "a move restarts the count")
}

func TestRunnerStepStartsAFreshCluster(t *testing.T) {
	l, err := Get("persistence")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(3))
	assert.Zero(t, r.Cluster().Now(), "step 4 starts the safe part from time 0")
	assert.Empty(t, r.Cluster().Violations())
	assert.False(t, r.Cluster().Scenario().Options.Unsafe.ForgetVoteOnRestart)
	require.NoError(t, r.Back())
	assert.True(t, r.Cluster().Scenario().Options.Unsafe.ForgetVoteOnRestart, "back in the unsafe part")
	assert.NotEmpty(t, r.Cluster().Violations())
}

func TestRunnerSeekWithinAStep(t *testing.T) {
	l := replicationLesson(t)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(1))
	start := r.StepStart()
	require.Equal(t, r.Timeline().Now(), start)
	require.NoError(t, r.Act(sim.Action{Type: sim.ActClient, Peer: 2, Cmd: "SET x 1"}))
	_, forked := r.Forked()
	assert.False(t, forked, "acting at the end of the run forks nothing")
	r.RunTicks(10)
	require.True(t, r.Passed())
	end := r.Timeline().End()

	// Back to just after the command: the same run, replayed, judged afresh.
	_, err = r.SeekSteps(start.Steps + 1)
	require.NoError(t, err)
	assert.False(t, r.Passed(), "the command has not been applied yet at that point")
	assert.Equal(t, end, r.Timeline().End(), "going back keeps the recorded future")
	assert.True(t, r.RunTicks(10))

	// Back by time (to the command, made at the step's start), then a move: the
	// recorded future is discarded.
	end = r.Timeline().End()
	_, err = r.SeekTime(start.Time)
	require.NoError(t, err)
	assert.False(t, r.Passed())
	require.NoError(t, r.Act(sim.Action{Type: sim.ActTimeout, Peer: 3}))
	discarded, forked := r.Forked()
	assert.True(t, forked)
	assert.Equal(t, end, discarded, "the discarded future ended where the run had reached")
	assert.Equal(t, r.Cluster().Now(), r.Timeline().End().Time, "the run ends now")

	_, err = r.SeekTime(start.Time - 1)
	assert.ErrorContains(t, err, "began at")
	_, err = r.SeekSteps(start.Steps - 1)
	assert.ErrorContains(t, err, "began at")
}

// verifyOne parses a one-lesson file and verifies it.
func verifyOne(t *testing.T, steps ...string) Report {
	t.Helper()
	l, err := Parse("01-test.md", []byte(lessonWith(steps...)))
	require.NoError(t, err)
	return Verify(l)
}

func TestVerifyFindsDefects(t *testing.T) {
	elect := `{"observe": true, "check": {"leader": {"is": 2}}, "within_ticks": 30}`

	rep := verifyOne(t, elect, `{"action": {"prompt": "p"}, "reference": ["client 2 SET x 1"], "check": {"kv": {"peer": "all", "key": "x", "value": "1"}}}`)
	assert.Zero(t, rep.Failures())
	assert.True(t, rep.Steps[0].Observe)

	rep = verifyOne(t, elect, `{"action": {"prompt": "Crash S1"}, "reference": ["crash 1"], "check": {"leader": {"is": 2}}}`)
	assert.Equal(t, 1, rep.Failures())
	assert.Contains(t, rep.Steps[1].Problem, "the check passes without the step's action (0 ticks into the step)")

	rep = verifyOne(t, elect, `{"action": {"prompt": "p"}, "reference": ["crash 1", "wait 20"], "check": {"peer": {"id": 1, "term": 9}}, "within_ticks": 10}`)
	assert.Contains(t, rep.Steps[1].Problem, "the reference path did not satisfy the check within 10 ticks: waiting for: peer 1 is in term 9")

	rep = verifyOne(t, elect, `{"action": {"prompt": "p"}, "reference": ["restart 1"], "check": {"peer": {"id": 1, "role": "down"}}}`, elect)
	assert.Contains(t, rep.Steps[1].Problem, "reference move 1 (restart 1) cannot be made")
	assert.Contains(t, rep.Steps[2].Problem, "not run")
	assert.Equal(t, 2, rep.Failures())

	rep = verifyOne(t, `{"observe": true, "check": {"leader": {"is": 1}}, "within_ticks": 30}`)
	assert.Contains(t, rep.Steps[0].Problem, "waiting for: a leader that is peer 1")
}

// TestRunnerRestartKeepsTheScenariosActions: lesson 10's scenario crashes S2 at 12 ms
// by itself. A move before then forks the run (the scenario's actions still to come are
// discarded, as on the page), and restarting the step brings back the future the step
// began with, without the learner's move.
func TestRunnerRestartKeepsTheScenariosActions(t *testing.T) {
	l, err := Get("persistence")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	scripted := r.Cluster().Scenario().Actions
	require.Len(t, scripted, 2)
	require.NoError(t, r.Act(sim.Action{Type: sim.ActHeal}))
	_, forked := r.Forked()
	assert.True(t, forked, "the scenario's crash at 12 ms is a recorded future")
	assert.Len(t, r.Cluster().Scenario().Actions, 2, "the fork discarded the crash; the heal came in")
	assert.False(t, r.RunTicks(5), "S2 does not crash by itself any more")

	require.NoError(t, r.RestartStep())
	assert.Equal(t, scripted, r.Cluster().Scenario().Actions, "the step's own future is back; the move is gone")
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	assert.True(t, passed, "S2 crashes at 12 ms again")
}

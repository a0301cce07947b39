package bridge

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/raftplay/raftplay/lessons"
	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lessonStatusOf(t testing.TB, b *Bridge, name string, in ...any) statusView {
	t.Helper()
	var st statusView
	callJSON(t, b, &st, name, in...)
	return st
}

func openLesson(t testing.TB, b *Bridge, id string, step int) lessonView {
	t.Helper()
	var v lessonView
	callJSON(t, b, &v, "lessonOpen", id, float64(step))
	return v
}

// runUntilPassed lets the page's clock run, a few ticks per call as a frame would,
// until the step's check has passed, and returns the status then.
func runUntilPassed(t testing.TB, b *Bridge, maxTicks int) statusView {
	t.Helper()
	for ticks := 0; ticks < maxTicks; ticks += 3 {
		call(t, b, "runTicks", float64(3))
		if st := lessonStatusOf(t, b, "lessonStatus"); st.Passed {
			return st
		}
	}
	st := lessonStatusOf(t, b, "lessonStatus")
	require.Failf(t, "the step's check did not pass", "within %d ticks: %s", maxTicks, st.Detail)
	return st
}

func TestLessonList(t *testing.T) {
	var list []lessonOutline
	callJSON(t, New(), &list, "lessons")
	all, err := lessons.All()
	require.NoError(t, err)
	require.Len(t, list, len(all))
	for i, l := range all {
		assert.Equal(t, l.Number, list[i].Number)
		assert.Equal(t, l.ID, list[i].ID)
		assert.Equal(t, l.Title, list[i].Title)
		assert.Equal(t, l.Summary, list[i].Summary)
		require.Len(t, list[i].Steps, len(l.Steps), l.ID)
		assert.Equal(t, l.Steps[0].Title, list[i].Steps[0])
	}
}

func TestLessonView(t *testing.T) {
	b := New()
	v := openLesson(t, b, "07", 1)
	assert.Equal(t, "truncation-figure-7", v.ID)
	assert.Equal(t, 7, v.Number)
	assert.NotEmpty(t, v.IntroHTML)
	assert.NotEmpty(t, v.OutroHTML)
	require.Len(t, v.Steps, 3)
	first, second := v.Steps[0], v.Steps[1]
	assert.True(t, first.Observe)
	assert.Empty(t, first.PromptHTML)
	assert.Empty(t, first.Reference)
	assert.Equal(t, "S1 is the leader and S2 removes its conflicting entries and S2's log equals the leader's", first.Check)
	require.Len(t, first.Quiz, 1)
	q := first.Quiz[0]
	assert.Equal(t, 2, q.Correct)
	assert.Len(t, q.Choices, 3)
	assert.Contains(t, q.ExplanationHTML, "Leader Append-Only")
	assert.Contains(t, first.NarrationHTML, "<pre><code>")
	assert.Equal(t, "Restart S3.", second.PromptHTML)
	assert.Equal(t, `.peer-card[data-peer="3"]`, second.Highlight)
	assert.Equal(t, []string{"restart 3"}, second.Reference)
	assert.Equal(t, 60, second.WithinTicks)

	st := v.Status
	assert.Equal(t, "truncation-figure-7", st.Lesson)
	assert.Equal(t, 1, st.Step)
	assert.Equal(t, 0, st.Index)
	assert.Equal(t, 3, st.Steps)
	assert.False(t, st.Passed)
	assert.True(t, st.Replaced)
	require.Len(t, st.Parts, 3)
	assert.Equal(t, "S1 is the leader", st.Parts[0].Text)
	assert.Equal(t, int64(0), st.StartTime)
	assert.Equal(t, float64(0), call(t, b, "now"), "the lesson's scenario is the live run, at its start")
}

// TestLessonsOneAndSevenByTheirActions plays lessons 1 and 7 as the page does: the
// clock runs a few ticks at a time, and the learner's actions go through act.
func TestLessonsOneAndSevenByTheirActions(t *testing.T) {
	tests := []struct {
		id      string
		actions map[int][]string // by step number: the learner's actions, as JSON
	}{
		{"meet-the-cluster", map[int][]string{3: {`{"type":"timeout","peer":1}`}}},
		{"truncation-figure-7", map[int][]string{
			2: {`{"type":"restart","peer":3}`},
			3: {`{"type":"client","peer":1,"cmd":"SET x 1"}`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			b := loaded(t, `{"v":1,"seed":99}`)
			v := openLesson(t, b, tt.id, 1)
			for i, step := range v.Steps {
				st := lessonStatusOf(t, b, "lessonStatus")
				require.Equal(t, step.Number, st.Step)
				call(t, b, "runTicks", float64(2))
				if !step.Observe {
					assert.False(t, lessonStatusOf(t, b, "lessonStatus").Passed, "step %d passed before the learner acted", step.Number)
					assert.Contains(t, callError(t, b, "lessonAdvance"), "lessonAdvance: lessons: the step's check has not passed yet")
				}
				for _, a := range tt.actions[step.Number] {
					call(t, b, "act", a)
				}
				st = runUntilPassed(t, b, step.WithinTicks+10)
				for _, p := range st.Parts {
					assert.True(t, p.Passed, "step %d: %s", step.Number, p.Text)
				}
				assert.Equal(t, i == len(v.Steps)-1, st.Last)
				if st.Last {
					break
				}
				next := lessonStatusOf(t, b, "lessonAdvance")
				assert.False(t, next.Replaced, "the next step goes on on the same run")
				assert.Equal(t, step.Number+1, next.Step)
				assert.Equal(t, int64(call(t, b, "now").(float64)), next.StartTime)
			}
			assert.Contains(t, callError(t, b, "lessonAdvance"), "this is the last step")
		})
	}
}

// TestLessonDeepLink opens lesson 7 at its last step: the steps before it are played
// by their reference paths, on the live run, which the slider can go back over.
func TestLessonDeepLink(t *testing.T) {
	b := New()
	v := openLesson(t, b, "truncation-figure-7", 3)
	st := v.Status
	assert.Equal(t, 3, st.Step)
	assert.Equal(t, 2, st.Index)
	assert.False(t, st.Passed)
	assert.Positive(t, st.StartTime)
	s := snapshot(t, b)
	assert.Equal(t, uint64(1), s.Leader)
	assert.Equal(t, s.Peers[0].Log, s.Peers[2].Log, "step 2 is done: S3's log equals the leader's")
	var info timelineInfo
	callJSON(t, b, &info, "timeline")
	assert.Equal(t, st.StartTime, info.EndTime)
	sc := scenarioOf(t, b)
	require.Len(t, sc.Actions, 1, "the reference move of step 2")
	assert.Equal(t, sim.ActRestart, sc.Actions[0].Type)

	// Scrubbing stays within the step.
	assert.Contains(t, callError(t, b, "rewindTo", float64(0)),
		fmt.Sprintf("rewindTo: a lesson is open and its step 3 began at %d ms: scrub back no further", st.StartTime))
	assert.Contains(t, callError(t, b, "rewindSteps", float64(st.StartSteps-1)), "scrub back no further")
	call(t, b, "rewindSteps", float64(st.StartSteps))

	for _, bad := range []struct {
		id   string
		step float64
		want string
	}{
		{"nope", 1, `lessonOpen: lessons: no lesson "nope"`},
		{"07", 4, `lessonOpen: lesson "truncation-figure-7" has steps 1 to 3, not 4`},
		{"07", 0, `lessonOpen: lesson "truncation-figure-7" has steps 1 to 3, not 0`},
	} {
		assert.Contains(t, callError(t, b, "lessonOpen", bad.id, bad.step), bad.want)
	}
	assert.Equal(t, 3, lessonStatusOf(t, b, "lessonStatus").Step, "a failed open keeps the lesson")
	assert.Contains(t, callError(t, b, "lessonGoTo", float64(9)), "has steps 1 to 3, not 9")
	again := lessonStatusOf(t, b, "lessonGoTo", float64(2))
	assert.Equal(t, 2, again.Step)
	assert.True(t, again.Replaced)
}

// TestLessonScrubWithinAStep rewinds a step to before the learner's action and forward
// again: the check follows the run the page shows.
func TestLessonScrubWithinAStep(t *testing.T) {
	b := New()
	start := openLesson(t, b, "07", 2).Status
	call(t, b, "runTicks", float64(5))
	acted := int64(call(t, b, "now").(float64))
	call(t, b, "act", `{"type":"restart","peer":3}`)
	passed := runUntilPassed(t, b, 80)
	end := passed.Time

	call(t, b, "rewindTo", float64(acted-1))
	back := lessonStatusOf(t, b, "lessonStatus")
	assert.False(t, back.Passed, "before the restart, the check has not passed")
	assert.Equal(t, start.StartTime, back.StartTime)
	call(t, b, "rewindTo", float64(end))
	assert.True(t, lessonStatusOf(t, b, "lessonStatus").Passed, "forward again, the same run passes again")

	// Acting in the past forks the run; the lesson follows the new future.
	call(t, b, "rewindTo", float64(acted-1))
	call(t, b, "act", `{"type":"timeout","peer":2}`)
	assert.False(t, lessonStatusOf(t, b, "lessonStatus").Passed)
	call(t, b, "act", `{"type":"restart","peer":3}`)
	runUntilPassed(t, b, 80)
}

func TestLessonBackAndRestart(t *testing.T) {
	b := New()
	openLesson(t, b, "meet-the-cluster", 1)
	runUntilPassed(t, b, 70)
	call(t, b, "runTicks", float64(7))
	second := lessonStatusOf(t, b, "lessonAdvance")
	atSecond := stateText(t, b)
	runUntilPassed(t, b, 30)
	third := lessonStatusOf(t, b, "lessonAdvance")
	atThird := stateText(t, b)
	call(t, b, "runTicks", float64(4))
	call(t, b, "act", `{"type":"timeout","peer":1}`)
	call(t, b, "runTicks", float64(4))

	st := lessonStatusOf(t, b, "lessonRestartStep")
	assert.True(t, st.Replaced)
	assert.Equal(t, third.StartTime, st.StartTime)
	assert.Equal(t, third.Step, st.Step)
	assert.Equal(t, atThird, stateText(t, b), "restarting the step goes back to its start exactly")
	assert.Empty(t, scenarioOf(t, b).Actions, "the learner's action is gone")

	st = lessonStatusOf(t, b, "lessonBack")
	assert.Equal(t, 2, st.Step)
	assert.Equal(t, second.StartTime, st.StartTime)
	assert.Equal(t, atSecond, stateText(t, b), "back goes to the previous step's start exactly")
	assert.False(t, st.Passed)
	var info timelineInfo
	callJSON(t, b, &info, "timeline")
	assert.Equal(t, st.StartTime, info.EndTime, "the new timeline reaches the step's start")
	call(t, b, "rewindSteps", float64(st.StartSteps))

	lessonStatusOf(t, b, "lessonBack")
	st = lessonStatusOf(t, b, "lessonBack")
	assert.Equal(t, 1, st.Step, "back on the first step restarts it")
	assert.Equal(t, float64(0), call(t, b, "now"))
}

func TestLessonShowMe(t *testing.T) {
	b := New()
	openLesson(t, b, "07", 2)
	st := lessonStatusOf(t, b, "lessonShowMe")
	assert.False(t, st.Passed, "show me makes the moves; what follows takes time")
	sc := scenarioOf(t, b)
	require.Len(t, sc.Actions, 1)
	assert.Equal(t, sim.Action{At: st.Time, Type: sim.ActRestart, Peer: 3}, sc.Actions[0])
	runUntilPassed(t, b, 60)

	// A move that cannot be made now says why.
	openLesson(t, b, "07", 2)
	call(t, b, "act", `{"type":"restart","peer":3}`)
	assert.Contains(t, callError(t, b, "lessonShowMe"), "lessonShowMe: lessons: 07-truncation-figure-7.md: step 2: reference move 1 (restart 3): sim: act (restart): peer 3 is not down")
}

func TestLessonOverdue(t *testing.T) {
	b := New()
	open := openLesson(t, b, "07", 2).Status
	call(t, b, "runTicks", float64(open.WithinTicks+1))
	st := lessonStatusOf(t, b, "lessonStatus")
	assert.False(t, st.Passed)
	assert.True(t, st.Overdue, "no move for longer than the step allows")
	assert.Equal(t, open.WithinTicks+1, st.TicksSinceMove)
	call(t, b, "act", `{"type":"restart","peer":3}`)
	st = lessonStatusOf(t, b, "lessonStatus")
	assert.Zero(t, st.TicksSinceMove)
	assert.False(t, st.Overdue)
}

// transientLesson's check holds for 50 ms only: peer 2 is down from 300 to 350 ms.
const transientLesson = "# Transient\n\nA check that holds for a moment.\n\n```lesson\n" +
	`{"summary": "Peer 2 is down for a moment.", "scenario": {"v": 1, "seed": 1, "actions": [` +
	`{"at": 300, "type": "crash", "peer": 2}, {"at": 350, "type": "restart", "peer": 2}]}}` +
	"\n```\n\n## Down for a moment\n\nWatch.\n\n```step\n" +
	`{"observe": true, "check": {"peer": {"id": 2, "role": "down"}}, "within_ticks": 100}` +
	"\n```\n"

// TestLessonEvaluatesEveryTick runs past a moment the check holds in one call: the
// bridge evaluates the check after every tick, so the pass is not missed.
func TestLessonEvaluatesEveryTick(t *testing.T) {
	l, err := lessons.Parse("01-transient.md", []byte(transientLesson))
	require.NoError(t, err)
	b := New()
	require.NoError(t, b.openAt(l, 0))
	call(t, b, "runTicks", float64(100))
	st := lessonStatusOf(t, b, "lessonStatus")
	assert.True(t, st.Passed, st.Detail)
	assert.NotEqual(t, "down", snapshot(t, b).Peers[1].Role, "peer 2 is back up by now")
}

func TestLessonClosesOnLoad(t *testing.T) {
	b := New()
	openLesson(t, b, "01", 1)
	call(t, b, "runTicks", float64(10))
	call(t, b, "load", `{"v":1,"seed":5}`)
	assert.Equal(t, "lessonStatus: "+errNoLesson.Error(), callError(t, b, "lessonStatus"))
	call(t, b, "rewindTo", float64(0))

	openLesson(t, b, "01", 1)
	var ok struct{ OK bool }
	callJSON(t, b, &ok, "lessonClose")
	assert.True(t, ok.OK)
	call(t, b, "runTicks", float64(10))
	call(t, b, "rewindTo", float64(0))
	for _, name := range []string{"lessonStatus", "lessonAdvance", "lessonBack", "lessonRestartStep", "lessonShowMe", "lessonClose"} {
		assert.Equal(t, name+": "+errNoLesson.Error(), callError(t, b, name))
	}
	assert.Equal(t, "lessonGoTo: "+errNoLesson.Error(), callError(t, b, "lessonGoTo", float64(1)))
}

// TestLessonJSONShapes pins the names the page reads.
func TestLessonJSONShapes(t *testing.T) {
	b := New()
	out := call(t, b, "lessonOpen", "01").(string)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	for _, key := range []string{"number", "id", "title", "summary", "intro_html", "outro_html", "steps", "status"} {
		assert.Contains(t, raw, key)
	}
	var status map[string]any
	require.NoError(t, json.Unmarshal(raw["status"], &status))
	for _, key := range []string{"lesson", "step", "steps", "index", "passed", "failed", "parts", "detail", "overdue",
		"ticks_since_move", "within_ticks", "allowed_ticks", "last", "time", "start_time", "start_steps", "replaced"} {
		assert.Contains(t, status, key)
	}
}

// BenchmarkLessonOpenDeepLink opens the longest lesson at its last step, as a deep
// link does: every step before it is played by its reference path.
func BenchmarkLessonOpenDeepLink(b *testing.B) {
	all, err := lessons.All()
	require.NoError(b, err)
	longest := all[0]
	for _, l := range all {
		if len(l.Steps) > len(longest.Steps) {
			longest = l
		}
	}
	br := New()
	for b.Loop() {
		call(b, br, "lessonOpen", longest.ID, float64(len(longest.Steps)))
	}
}

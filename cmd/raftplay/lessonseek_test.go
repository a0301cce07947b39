package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/lessons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLessonRunStepsBackInTime goes back and forth within a step by time, as the page's
// slider does, and acts in the past: the old future is discarded, and said to be.
func TestLessonRunStepsBackInTime(t *testing.T) {
	l, err := lessons.Get("log-replication")
	require.NoError(t, err)
	r, err := lessons.NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(1))
	start, tick := r.StepStart().Time, r.Timeline().Tick()
	at := func(ticks int64) int64 { return start + ticks*tick }

	input := strings.Join([]string{
		"ticks 6",
		"back 4",
		"back 5",
		"back x",
		fmt.Sprintf("seek %d", at(5)),
		"heal",
		fmt.Sprintf("seek %d", at(6)),
		"quit",
	}, "\n") + "\n"
	code, out, _ := execLesson(input, "lesson", "run", "log-replication", "--step", "2")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, fmt.Sprintf("Now at t=%d ms, 2 ticks into step 2. The run has gone on to t=%d ms", at(2), at(6)))
	assert.Contains(t, out, fmt.Sprintf("cannot go to t=%d ms: step 2 began at %d ms: scrub back no further", at(-3), start))
	assert.Contains(t, out, `back takes a whole number (ticks), not "x"`)
	assert.Contains(t, out, fmt.Sprintf("Now at t=%d ms, 5 ticks into step 2.", at(5)))
	assert.Contains(t, out, fmt.Sprintf("The run had gone on to t=%d ms; that future is discarded, and a new one begins here.\ndone: heal", at(6)))
	assert.Contains(t, out, fmt.Sprintf("cannot go to t=%d ms: time %d ms is outside this run, which has reached %d ms", at(6), at(6), at(5)))

	// The state shown after going back is the run's state at that time, as a run that
	// only went there shows it.
	r.RunTicks(2)
	var want bytes.Buffer
	(&player{out: &want}).showStateOf(r.Cluster())
	assert.Contains(t, out, fmt.Sprintf("2 ticks into step 2. The run has gone on to t=%d ms: letting time run replays it, a move starts a new future.\n%s", at(6), want.String()))
}

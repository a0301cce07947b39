package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLessonRunFailedForGood: in the terminal as on the page, lesson 19's step 5 with S4
// promoted before it caught up fails for good: letting time run stops there and says so,
// and sends the learner to restart the step instead of trying another move.
func TestLessonRunFailedForGood(t *testing.T) {
	code, out, _ := execLesson("add-learner 4\nwait 5\npromote 4\n\nquit\n", "lesson", "run", "adding-a-server", "--step", "5")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "The check can no longer pass on this run: failed, it can no longer pass: S4 had caught up (match index 32 in S1's view) before S1 promoted it")
	assert.Contains(t, out, `What happened cannot be undone: "restart" the step (or go "back") and try again.`)
	assert.NotContains(t, out, "Try another move")
}

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A line longer than the terminal reader takes (64 KiB: a paste gone wrong) ended
// "lesson run" at once with exit status 0, as if the learner had quit: the reader's
// error was taken for the end of the input. It is an error now, saying what happened.
func TestLessonRunSaysALineWasTooLong(t *testing.T) {
	code, out, errText := execLesson(strings.Repeat("x", 100_000)+"\n\n", "lesson", "run", "1")
	assert.Equal(t, 1, code, "stdout:\n%s", out)
	assert.Contains(t, errText, "read your input: a line longer than 65536 bytes")

	code, _, errText = execLesson("", "lesson", "run", "1")
	assert.Equal(t, 0, code, "the end of the input still ends the lesson quietly: %s", errText)
}

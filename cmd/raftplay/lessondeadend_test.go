package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/lessons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A step passed another way than its reference (S2 crashed where the lesson meant S3)
// leaves the next step's own moves impossible: restarting that step would replay the
// same state, so the terminal sends the learner back to the previous step.
func TestLessonRunSuggestsBackAtADeadEnd(t *testing.T) {
	src := "# Dead end\n\nIntro.\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"seed\": 4}}\n```\n\n" +
		"## Crash a server\n\nCrash S3.\n\n```step\n" +
		`{"action": {"prompt": "Crash S3."}, "reference": ["crash 3"], "check": {"peer": {"id": "any", "role": "down"}}}` +
		"\n```\n\n## Restart it\n\nRestart S3.\n\n```step\n" +
		`{"action": {"prompt": "Restart S3."}, "reference": ["restart 3"], "check": {"peer": {"id": "all", "role": "up"}}}` +
		"\n```\n"
	l, err := lessons.Parse("01-dead-end.md", []byte(src))
	require.NoError(t, err)
	var out bytes.Buffer
	input := strings.Join([]string{"crash 2", "", "", "quit"}, "\n") + "\n"
	require.NoError(t, playLesson(strings.NewReader(input), &out, l, 0, "test"))
	text := out.String()
	assert.Contains(t, text, "Making the moves for you: restart 3")
	assert.Contains(t, text, notWhereExpected)
	assert.Contains(t, text, `go "back" and redo the previous step`)
}

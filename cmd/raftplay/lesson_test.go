package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// execLesson runs the root command with args and stdin, the way run() does, and
// returns the exit code and what it printed.
func execLesson(stdin string, args ...string) (code int, stdout, stderr string) {
	root := newRootCommand()
	root.SetArgs(args)
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	if err == nil {
		return 0, out.String(), errOut.String()
	}
	var exit *exitError
	if errors.As(err, &exit) {
		return exit.code, out.String(), err.Error()
	}
	return 1, out.String(), err.Error()
}

func TestLessonList(t *testing.T) {
	code, out, _ := execLesson("", "lesson", "list")
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 22)
	assert.Regexp(t, `^#\s+ID\s+STEPS\s+TITLE$`, lines[0])
	assert.Regexp(t, `^1\s+meet-the-cluster\s+3\s+Meet the cluster$`, lines[1])
	assert.Regexp(t, `^13\s+native-nodes\s+\d+\s+Native nodes`, lines[13])
	assert.Regexp(t, `^17\s+five-servers\s+5\s+Five servers`, lines[17])
	assert.Regexp(t, `^20\s+why-not-switch-directly\s+6\s+Why not switch directly$`, lines[20])
	assert.Regexp(t, `^18\s+snapshots\s+6\s+Snapshots and log compaction$`, lines[18])
}

func TestLessonShow(t *testing.T) {
	code, out, _ := execLesson("", "lesson", "show", "log-replication")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Lesson 4: Log replication and commitment by majority (log-replication, 5 steps)")
	assert.Contains(t, out, "--- Step 3: One follower down ---")
	assert.Contains(t, out, "Reference: crash 3; client 2 SET y 2")
	assert.Contains(t, out, "Check (within 20 ticks): S3 is down and the leader has applied y = 2")
	assert.Contains(t, out, "Quiz: When does the leader answer the client that sent `SET x 1`?")
	assert.Contains(t, out, "  Answer: 3.")
	assert.Contains(t, out, "       why: Its own copy promises nothing", "each wrong choice says why")
	assert.NotContains(t, out, "**", "Markdown is rendered as text")

	code, _, errText := execLesson("", "lesson", "show", "no-such-lesson")
	assert.Equal(t, 2, code)
	assert.Contains(t, errText, `no lesson "no-such-lesson"`)
}

func TestLessonCheck(t *testing.T) {
	code, out, _ := execLesson("", "lesson", "check", "split-votes")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "lesson 03 split-votes: Split votes and how they resolve\n")
	assert.Regexp(t, `step 1 PASS  observe: passed after \d+ ticks`, out)
	assert.Regexp(t, `step 2 PASS  passed \d+ ticks after the reference moves; not without the action`, out)
	assert.Contains(t, out, "quiz (too few questions to judge the spread; it takes 8)  2 questions;")
	assert.True(t, strings.HasSuffix(out, "lessons=1 failures=0\n"))
}

const defectiveLesson = "# Defective\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"seed\": 4, \"options\": {\"pre_vote\": false, \"check_quorum\": false}}}\n```\n\n" +
	"## Elect\n\nWatch.\n\n```step\n{\"observe\": true, \"check\": {\"leader\": {\"is\": 2}}, \"within_ticks\": 30}\n```\n\n" +
	"## Crash\n\nCrash S1.\n\n```step\n{\"action\": {\"prompt\": \"Crash S1.\"}, \"reference\": [\"crash 1\"], \"check\": {\"leader\": {\"is\": 2}}}\n```\n"

func TestLessonCheckDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-defective.md"), []byte(defectiveLesson), 0o644))
	code, out, errText := execLesson("", "lesson", "check", "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "step 1 PASS")
	assert.Contains(t, out, "step 2 FAIL  the check passes without the step's action")
	assert.True(t, strings.HasSuffix(out, "lessons=1 failures=1\n"))
	assert.Contains(t, errText, "1 lesson steps failed")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "02-broken.md"), []byte("# Broken\n"), 0o644))
	code, _, errText = execLesson("", "lesson", "list", "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, errText, "02-broken.md: the file needs a ```lesson block")
}

func TestLessonRunWithEnter(t *testing.T) {
	// Enter for each step and each quiz question: the reference moves are made.
	code, out, _ := execLesson(strings.Repeat("\n", 20), "lesson", "run", "1", "--quiz-seed", "s")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Lesson 1: Meet the cluster")
	assert.Contains(t, out, "=== Step 1 of 3: Everyone starts as a follower ===")
	assert.Contains(t, out, "t=0 ms  leader: none\n  S1 follower     term 0   commit 0   log (empty)")
	assert.Contains(t, out, "Making the moves for you: timeout 1")
	assert.Contains(t, out, "  [x] the old leader steps down: it saw a higher term")
	assert.Contains(t, out, fmt.Sprintf("The answer is %d.", shownRight(t, "1", 1, 1, "s")))
	assert.Contains(t, out, "Lesson 1 complete.")
}

func TestLessonRunTypedMoves(t *testing.T) {
	input := strings.Join([]string{
		"help", "state", "check", "bogus 1", "crash 9",
		"crash 3", "timeout 1", "timeout 2", "", // the split vote, typed
		strconv.Itoa(shownRight(t, "split-votes", 2, 1, "s")), // quiz: right
		"restart", "back", "quit",
	}, "\n") + "\n"
	code, out, _ := execLesson(input, "lesson", "run", "split-votes", "--step", "2", "--quiz-seed", "s")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "=== Step 2 of 3: Make a split vote yourself ===")
	assert.Contains(t, out, "partition A | B    cut every link between the groups")
	assert.Contains(t, out, "  [ ] a vote is refused: the other candidate already voted for itself")
	assert.Contains(t, out, `unknown move "bogus"`)
	assert.Contains(t, out, `"9" is not a peer (peers are 1..3)`)
	assert.Contains(t, out, "done: crash 3 (time is paused")
	assert.Contains(t, out, "Check passed:")
	assert.Contains(t, out, "Right.")
	assert.Contains(t, out, "=== Step 3 of 3: The tie is broken ===")
	assert.Contains(t, out, "Back at the start of step 3: The tie is broken")
	assert.Contains(t, out, "Back at the start of step 2: Make a split vote yourself")
	assert.NotContains(t, out, "complete")
}

func TestLessonRunTimeWithoutAction(t *testing.T) {
	// Enter after a useless move lets time run, and the check does not pass.
	code, out, _ := execLesson("heal\n\n", "lesson", "run", "log-replication", "--step", "2")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "20 ticks passed and the check has not: waiting for: every server has applied x = 1")
}

func TestLessonUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lesson"}, "name a subcommand"},
		{[]string{"lesson", "show"}, "accepts 1 arg"},
		{[]string{"lesson", "check", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"lesson", "run", "1", "--step", "9"}, "--step must be 1 to 3, got 9"},
		{[]string{"lesson", "run", "99"}, `no lesson "99"`},
		{[]string{"lesson", "list", "--nope"}, "unknown flag"},
	}
	for _, tc := range tests {
		code, _, errText := execLesson("", tc.args...)
		assert.Equal(t, 2, code, "%v", tc.args)
		assert.Contains(t, errText, tc.want, "%v", tc.args)
	}
}

func TestLessonExitCodesThroughRun(t *testing.T) {
	assert.Equal(t, 2, run([]string{"lesson", "show"}), "usage error")
	assert.Equal(t, 2, run([]string{"lesson", "check", "no-such-lesson"}), "unknown lesson")
}

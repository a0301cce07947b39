package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/lessons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shownRight returns where the terminal shows the right answer of a question (from 1),
// for the given quiz seed.
func shownRight(t *testing.T, lesson string, step, question int, seed string) int {
	t.Helper()
	l, err := lessons.Get(lesson)
	require.NoError(t, err)
	q := l.Steps[step-1].Quiz[question-1]
	for k, n := range q.Order(seed, l.ID, step, question) {
		if n == q.Correct {
			return k + 1
		}
	}
	t.Fatalf("the right choice is not in the order")
	return 0
}

// wrongShown returns a shown position (from 1) that is not the right answer.
func wrongShown(right int) int {
	if right == 1 {
		return 2
	}
	return 1
}

// TestLessonQuizOrderFollowsTheSeed: the same seed shows the same order; across seeds
// the right answer moves.
func TestLessonQuizOrderFollowsTheSeed(t *testing.T) {
	choices := func(seed string) string {
		_, out, _ := execLesson("\n\n", "lesson", "run", "leader-election", "--step", "2", "--quiz-seed", seed)
		i := strings.Index(out, "Question: ")
		require.GreaterOrEqual(t, i, 0, out)
		return out[i : i+strings.Index(out[i:], "Your answer")]
	}
	assert.Equal(t, choices("ada"), choices("ada"), "one seed, one order")
	positions := map[int]bool{}
	for i := range 12 {
		positions[shownRight(t, "leader-election", 2, 1, "learner-"+strconv.Itoa(i))] = true
	}
	assert.Greater(t, len(positions), 1, "the right answer is not always in the same place")
}

// TestLessonQuizSecondTry: a wrong answer says why it is wrong and asks again; a
// second wrong answer shows the answer; the explanation and why each wrong choice is
// wrong follow.
func TestLessonQuizSecondTry(t *testing.T) {
	const seed = "second-try"
	right := shownRight(t, "leader-election", 2, 1, seed)
	wrong := wrongShown(right)
	input := fmt.Sprintf("\n%d\nbanana\n%d\nquit\n", wrong, right)
	code, out, _ := execLesson(input, "lesson", "run", "leader-election", "--step", "2", "--quiz-seed", seed)
	require.Equal(t, 0, code)
	assert.Contains(t, out, fmt.Sprintf("Not %d. ", wrong))
	assert.Contains(t, out, "One more try (1-3, Enter to see it): ")
	assert.Contains(t, out, "Type a number from 1 to 3, or Enter to see the answer.")
	assert.Contains(t, out, "Right.")
	assert.Contains(t, out, "A candidate needs a majority of the whole cluster", "the explanation")
	assert.Contains(t, out, "Needing everyone would let one crashed server stop every election", "why a wrong choice is wrong")
	assert.Contains(t, out, "Its own vote is not a majority of three", "why the other wrong choice is wrong")

	// Two wrong answers: the answer is shown, and the lesson goes on.
	other := 6 - right - wrong
	input = fmt.Sprintf("\n%d\n%d\nquit\n", wrong, other)
	_, out, _ = execLesson(input, "lesson", "run", "leader-election", "--step", "2", "--quiz-seed", seed)
	assert.Contains(t, out, fmt.Sprintf("Not %d. ", other))
	assert.Contains(t, out, fmt.Sprintf("The answer is %d.\n", right))
	assert.Contains(t, out, "=== Step 3 of 4: The leader crashes ===")
	assert.NotContains(t, out, "Right.")
}

// TestLessonRunShowsTheMechanism: the terminal prints the engine's decisions, the
// messages (not the heartbeats), the client's request and reply, and the leader's next
// and match index for each follower.
func TestLessonRunShowsTheMechanism(t *testing.T) {
	code, out, _ := execLesson("\n\nquit\n", "lesson", "run", "log-replication", "--step", "2", "--quiz-seed", "m")
	require.Equal(t, 0, code)
	for _, want := range []string{
		"command SET x 1 submitted to S2",
		"sends S2 -> S1 AppendEntries term 1: after entry 1 (term 1), 1 entry, commit 1",
		"1 entry, commit",
		"accepted, matches up to index",
		"advanced its commit index to",
		"appended entries",
		"leader's view: S1 match 2 next 3",
	} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, regexp.MustCompile(`\d+ ms  PUT x at S2: OK`), out, "the client's reply")
	assert.NotContains(t, out, "Heartbeat", "heartbeats are left out")
}

// TestLessonRunWatchStopsAtTheEvent: a watched step ends at the event its check waits
// for, so the next step shows what follows. In lesson 2 the timeout ends step 1; the
// votes come in step 2, which therefore takes time of its own.
func TestLessonRunWatchStopsAtTheEvent(t *testing.T) {
	code, out, _ := execLesson("\n\nquit\n", "lesson", "run", "leader-election", "--quiz-seed", "w")
	require.Equal(t, 0, code)
	step1 := out[strings.Index(out, "=== Step 1"):strings.Index(out, "=== Step 2")]
	step2 := out[strings.Index(out, "=== Step 2"):]
	assert.Contains(t, step1, "election timeout fired")
	assert.NotContains(t, step1, "granted its vote", "step 1 stops at the timeout, before the votes")
	assert.Contains(t, step2, "granted its vote")
	assert.Contains(t, step2, "won the election")

	rep := lessons.Verify(mustLesson(t, "leader-election"))
	require.Zero(t, rep.Failures())
	assert.Positive(t, rep.Steps[1].Ticks, "the election of step 2 takes time after the timeout of step 1")
}

func mustLesson(t *testing.T, id string) *lessons.Lesson {
	t.Helper()
	l, err := lessons.Get(id)
	require.NoError(t, err)
	return l
}

// quizLesson is a lesson of one observe step whose quiz has questions with the right
// answer always at the position given.
func quizLesson(questions, correct int, longest bool) string {
	var qs []string
	for i := range questions {
		choices := []string{`{"text": "aaaa", "why": "w"}`, `{"text": "bbbb", "why": "w"}`, `{"text": "cccc", "why": "w"}`}
		if longest {
			choices[correct-1] = `{"text": "the longest choice of all"}`
		}
		qs = append(qs, fmt.Sprintf(`{"question": "Q%d?", "choices": [%s], "correct": %d, "explanation": "E."}`, i, strings.Join(choices, ", "), correct))
	}
	return "# Quiz\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"seed\": 4}}\n```\n\n" +
		"## Watch\n\nWatch.\n\n```step\n{\"observe\": true, \"check\": {\"leader\": {}}, \"within_ticks\": 60, \"quiz\": [" +
		strings.Join(qs[:min(len(qs), lessons.MaxQuiz)], ", ") + "]}\n```\n" +
		"\n## Again\n\nWatch.\n\n```step\n{\"observe\": true, \"check\": {\"leader\": {}}, \"within_ticks\": 60, \"quiz\": [" +
		strings.Join(qs[min(len(qs), lessons.MaxQuiz):], ", ") + "]}\n```\n"
}

// TestLessonCheckJudgesTheQuizSpread: lesson check fails when one position holds the
// right answer in more than half of the questions, or when the right answer is the
// longest choice in more than half of them.
func TestLessonCheckJudgesTheQuizSpread(t *testing.T) {
	dir := t.TempDir()
	write := func(src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "01-quiz.md"), []byte(src), 0o644))
	}
	write(quizLesson(8, 2, false))
	code, out, _ := execLesson("", "lesson", "check", "--dir", dir)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "quiz FAIL  8 questions; right answer at 2:8; the longest choice in 0")
	assert.Contains(t, out, "choice 2 is the right answer in 8 of 8 questions (more than half)")
	assert.True(t, strings.HasSuffix(out, "lessons=1 failures=1\n"))

	write(quizLesson(8, 3, true))
	_, out, _ = execLesson("", "lesson", "check", "--dir", dir)
	assert.Contains(t, out, "the right answer is the longest choice in 8 of 8 questions")
	assert.True(t, strings.HasSuffix(out, "lessons=1 failures=2\n"))

	// The lessons as shipped pass both rules.
	code, out, _ = execLesson("", "lesson", "check")
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `quiz PASS  \d+ questions; right answer at 1:\d+ 2:\d+ 3:\d+`, out)
}

// TestLessonCheckWantsWhyForEachWrongChoice: a wrong choice without "why" is an error
// that names it.
func TestLessonCheckWantsWhyForEachWrongChoice(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(quizLesson(1, 1, false), `{"text": "bbbb", "why": "w"}`, `{"text": "bbbb"}`, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-quiz.md"), []byte(src), 0o644))
	code, _, errText := execLesson("", "lesson", "check", "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, errText, `quiz[0]: choice 2 needs "why": what is wrong with it`)
}

// TestLessonRunShowsWhatFollowsBeforeAFreshStart: when the next step starts from a
// fresh cluster, the terminal first shows what the run does next, on a copy of it: in
// lesson 8, the new leader overwriting the entry S1 declared committed.
func TestLessonRunShowsWhatFollowsBeforeAFreshStart(t *testing.T) {
	code, out, _ := execLesson(strings.Repeat("\n", 6)+"quit\n", "lesson", "run", "old-terms-figure-8", "--quiz-seed", "f")
	require.Equal(t, 0, code)
	next := strings.Index(out, "=== Step 3 of")
	require.Positive(t, next, out)
	before := out[:next]
	assert.Contains(t, before, "What this run does next (20 more ticks, before the next step starts afresh):")
	assert.Contains(t, before, "S2 truncated its conflicting suffix", "the overwrite is seen")
	assert.Equal(t, 1, strings.Count(out[:next], "What this run does next"), "only before the step that starts afresh")
}

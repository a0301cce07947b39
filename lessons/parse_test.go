package lessons

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodHead = "# A lesson\n\nIntro.\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"seed\": 4}}\n```\n\n"

// lessonWith builds a lesson file from the standard head and the given steps.
func lessonWith(steps ...string) string {
	var b strings.Builder
	b.WriteString(goodHead)
	for _, s := range steps {
		b.WriteString("## A step\n\nNarration.\n\n```step\n" + s + "\n```\n\n")
	}
	return b.String()
}

const goodStep = `{"action": {"prompt": "Crash S1."}, "reference": ["crash 1"], "check": {"peer": {"id": 1, "role": "down"}}}`

func TestParseGoodLesson(t *testing.T) {
	src := lessonWith(goodStep,
		`{"observe": true, "reference": ["wait 5"], "check": {"leader": {}}, "within_ticks": 40,
		  "quiz": [{"question": "Q?", "choices": [{"text": "*a*", "why": "W."}, {"text": "b"}], "correct": 2, "explanation": "E."}]}`) + "Closing *words*.\n"
	l, err := Parse("07-a-lesson.md", []byte(src))
	require.NoError(t, err)
	assert.Equal(t, 7, l.Number)
	assert.Equal(t, "a-lesson", l.ID)
	assert.Equal(t, "A lesson", l.Title)
	assert.Equal(t, "Intro.", l.Intro)
	assert.Equal(t, "<p>Closing <em>words</em>.</p>\n", l.OutroHTML)
	require.Len(t, l.Steps, 2)
	st := l.Steps[0]
	assert.Equal(t, "A step", st.Title)
	assert.Equal(t, "Narration.", st.Narration)
	assert.Equal(t, DefaultWithinTicks, st.WithinTicks)
	assert.Equal(t, "Crash S1.", st.Action.Prompt)
	require.Len(t, st.Reference, 1)
	assert.Equal(t, "crash 1", st.Reference[0].Text)
	obs := l.Steps[1]
	assert.True(t, obs.Observe)
	assert.Equal(t, 40, obs.WithinTicks)
	assert.Equal(t, []Quiz{{Question: "Q?", Correct: 2, Explanation: "E.", QuestionHTML: "Q?", ExplanationHTML: "E.",
		Choices: []Choice{{Text: "*a*", Why: "W.", TextHTML: "<em>a</em>", WhyHTML: "W."}, {Text: "b", TextHTML: "b"}}}}, obs.Quiz)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		src  string
		want string
	}{
		{"bad file name", "lesson.md", lessonWith(goodStep), "the file name must be NN-id.md"},
		{"bad number", "00-a.md", lessonWith(goodStep), "two-digit lesson number from 01"},
		{"bad id", "01-A_b.md", lessonWith(goodStep), `the lesson id "A_b" may hold only`},
		{"not UTF-8", "", lessonWith(goodStep) + "\xff", "not valid UTF-8"},
		{"no title", "", strings.TrimPrefix(lessonWith(goodStep), "# A lesson"), `before the lesson block: the text must start with a "# " heading`},
		{"no lesson block", "", "# T\n\n## S\n\n```step\n" + goodStep + "\n```\n", "needs a ```lesson block"},
		{"no steps", "", goodHead, "the lesson has no ```step blocks"},
		{"two lesson blocks", "", lessonWith(goodStep) + "```lesson\n{}\n```\n", "a second ```lesson block"},
		{"unclosed fence", "", goodHead + "## S\n\n```step\n" + goodStep, "is never closed"},
		{"lesson bad JSON", "", "# T\n\n```lesson\n{\"summary\": \"s\",}\n```\n", "lesson block (line 3): invalid JSON"},
		{"lesson unknown field", "", "# T\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1}, \"seed\": 3}\n```\n", `unknown field "seed"`},
		{"no summary", "", "# T\n\n```lesson\n{\"scenario\": {\"v\": 1}}\n```\n", `needs "summary"`},
		{"no scenario", "", "# T\n\n```lesson\n{\"summary\": \"s\"}\n```\n", "scenario: missing"},
		{"bad scenario", "", "# T\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"options\": {\"peers\": 12}}}\n```\n", "scenario: sim: scenario"},
		{"step without heading", "", goodHead + "```step\n" + goodStep + "\n```\n", `step 1 (line 9): narration: the text must start with a "## " heading`},
		{"step bad JSON", "", lessonWith(`{"observe": true,}`), "step 1 (line 13): invalid JSON"},
		{"step unknown field", "", lessonWith(`{"observe": true, "chek": {}}`), `step 1 (line 13): invalid JSON: json: unknown field "chek"`},
		{"neither action nor observe", "", lessonWith(`{"reference": ["crash 1"], "check": {"leader": {}}}`), `needs an "action" for the learner, or "observe": true`},
		{"action and observe", "", lessonWith(`{"observe": true, "action": {"prompt": "p"}, "reference": ["crash 1"], "check": {"leader": {}}}`), "not both"},
		{"missing reference", "", lessonWith(`{"action": {"prompt": "p"}, "check": {"leader": {}}}`), `needs "reference"`},
		{"reference only waits", "", lessonWith(`{"action": {"prompt": "p"}, "reference": ["wait 3"], "check": {"leader": {}}}`), "reference: holds no action"},
		{"observe that acts", "", lessonWith(`{"observe": true, "reference": ["heal"], "check": {"leader": {}}}`), "an observe step may only wait"},
		{"unknown action", "", lessonWith(`{"action": {"prompt": "p"}, "reference": ["explode 1"], "check": {"leader": {}}}`), `reference: move 1 ("explode 1"): unknown move "explode"`},
		{"action on a missing peer", "", lessonWith(`{"action": {"prompt": "p"}, "reference": ["crash 4"], "check": {"leader": {}}}`), `"4" is not a peer (peers are 1..3)`},
		{"reference not a list", "", lessonWith(`{"action": {"prompt": "p"}, "reference": "crash 1", "check": {"leader": {}}}`), "must be a list of moves"},
		{"no prompt", "", lessonWith(`{"action": {"highlight": "#x"}, "reference": ["crash 1"], "check": {"leader": {}}}`), `action: needs "prompt"`},
		{"bad highlight", "", lessonWith(`{"action": {"prompt": "p", "highlight": "<b>"}, "reference": ["crash 1"], "check": {"leader": {}}}`), "highlight must be a CSS selector"},
		{"no check", "", lessonWith(`{"observe": true}`), `needs "check"`},
		{"unknown check kind", "", lessonWith(`{"observe": true, "check": {"leeder": {}}}`), `check: unknown check kind "leeder"`},
		{"two check kinds", "", lessonWith(`{"observe": true, "check": {"leader": {}, "peer": {"id": 1, "role": "down"}}}`), "one check kind per object, got leader and peer"},
		{"empty check", "", lessonWith(`{"observe": true, "check": {"label": "x"}}`), "check: no check kind"},
		{"check not an object", "", lessonWith(`{"observe": true, "check": [1]}`), "check: must be a JSON object"},
		{"label not a string", "", lessonWith(`{"observe": true, "check": {"label": 3, "leader": {}}}`), "check.label: must be a string"},
		{"unknown check field", "", lessonWith(`{"observe": true, "check": {"all": [{"leader": {}}, {"event": {"kind": "role", "peers": 2}}]}}`), `check.all[1].event: json: unknown field "peers"`},
		{"unknown event kind", "", lessonWith(`{"observe": true, "check": {"event": {"kind": "explosion"}}}`), `check.event: kind "explosion" is not an engine or simulator event`},
		{"event without kind", "", lessonWith(`{"observe": true, "check": {"event": {"peer": 1}}}`), `check.event: needs "kind"`},
		{"bad reason", "", lessonWith(`{"observe": true, "check": {"event": {"kind": "vote-refused", "reason": "grumpy"}}}`), `reason "grumpy" is not known`},
		{"bad msg type", "", lessonWith(`{"observe": true, "check": {"event": {"kind": "send", "msg_type": "AppendEntry"}}}`), `msg_type "AppendEntry" is not known`},
		{"peer out of range", "", lessonWith(`{"observe": true, "check": {"peer": {"id": 7, "role": "down"}}}`), "check.peer: id: peer 7 is not in the cluster"},
		{"unknown peer name", "", lessonWith(`{"observe": true, "check": {"peer": {"id": "boss", "role": "down"}}}`), `check.peer: id: "boss" is not accepted here`},
		{"name not accepted here", "", lessonWith(`{"observe": true, "check": {"event": {"kind": "role", "peer": "all"}}}`), `check.event: peer: "all" is not accepted here (want a peer id or one of "any", "step_leader")`},
		{"peer ref of wrong type", "", lessonWith(`{"observe": true, "check": {"peer": {"id": true, "role": "down"}}}`), "a peer must be an id (a number) or a name"},
		{"peer check says nothing", "", lessonWith(`{"observe": true, "check": {"peer": {"id": 1}}}`), "says nothing to check"},
		{"bad peer role", "", lessonWith(`{"observe": true, "check": {"peer": {"id": 1, "role": "sleeping"}}}`), `role "sleeping" is not known`},
		{"rise range", "", lessonWith(`{"observe": true, "check": {"leader": {"min_term_rise": 3, "max_term_rise": 1}}}`), "min_term_rise 3 is above max_term_rise 1"},
		{"no leader with identity", "", lessonWith(`{"observe": true, "check": {"leader": {"exists": false, "is": 1}}}`), `"exists": false cannot be combined`},
		{"committed without contains", "", lessonWith(`{"observe": true, "check": {"log": {"peer": 1, "committed": true}}}`), `"committed" needs "contains"`},
		{"log says nothing", "", lessonWith(`{"observe": true, "check": {"log": {"peer": 1}}}`), "says nothing to check"},
		{"commit without bound", "", lessonWith(`{"observe": true, "check": {"commit": {"peer": "all"}}}`), "set at_least or at_most"},
		{"kv without value", "", lessonWith(`{"observe": true, "check": {"kv": {"peer": "all", "key": "x"}}}`), `set "value"`},
		{"kv without key", "", lessonWith(`{"observe": true, "check": {"kv": {"peer": "all", "value": "1"}}}`), `needs "key"`},
		{"bad client op", "", lessonWith(`{"observe": true, "check": {"client": {"op": "fetch"}}}`), `op "FETCH" is not known`},
		{"bad invariant", "", lessonWith(`{"observe": true, "check": {"violation": {"invariant": "niceness"}}}`), `invariant "niceness" is not known`},
		{"empty all", "", lessonWith(`{"observe": true, "check": {"all": []}}`), "check.all: the list is empty"},
		{"too deep", "", lessonWith(`{"observe": true, "check": ` + strings.Repeat(`{"not": `, 10) + `{"leader": {}}` + strings.Repeat("}", 10) + `}`), "checks nest deeper than 8 levels"},
		{"within_ticks range", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "within_ticks": 0}`), "within_ticks must be 1 to 100000, got 0"},
		{"quiz correct out of range", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": [{"text": "a", "why": "w"}, {"text": "b", "why": "w"}], "correct": 3, "explanation": "e"}]}`), `quiz[0]: "correct" must be the number of the right choice, 1 to 2, got 3`},
		{"quiz choice as a string", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": ["a", "b"], "correct": 1, "explanation": "e"}]}`), `invalid JSON: json: cannot unmarshal string into Go struct field quizJSON.quiz.choices`},
		{"quiz choice without text", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": [{"text": "a"}, {"why": "w"}], "correct": 1, "explanation": "e"}]}`), `quiz[0]: choice 2 needs "text"`},
		{"quiz wrong choice without why", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": [{"text": "a"}, {"text": "b"}], "correct": 1, "explanation": "e"}]}`), `quiz[0]: choice 2 needs "why"`},
		{"quiz one choice", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": [{"text": "a"}], "correct": 1, "explanation": "e"}]}`), `needs 2 to 6 "choices"`},
		{"quiz no explanation", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "quiz": [{"question": "q", "choices": [{"text": "a"}, {"text": "b", "why": "w"}], "correct": 1}]}`), `needs "explanation"`},
		{"bad step start", "", lessonWith(`{"observe": true, "check": {"leader": {}}, "start": {"v": 2}}`), "start: sim: scenario: unsupported version 2"},
		{"step start peers", "", lessonWith(`{"observe": true, "check": {"peer": {"id": 5, "role": "down"}}, "start": {"v": 1, "options": {"peers": 5}}}`, `{"observe": true, "check": {"peer": {"id": 5, "role": "down"}}}`), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "03-test.md"
			}
			_, err := Parse(file, []byte(tc.src))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrLesson))
			assert.Contains(t, err.Error(), "lessons: "+file+": ")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseStepNamesTheStep(t *testing.T) {
	_, err := Parse("03-test.md", []byte(lessonWith(goodStep, goodStep, `{"observe": true, "check": {"kv": {"peer": "all"}}}`)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lessons: 03-test.md: step 3 (line 29): check.kv: needs \"key\"")
}

func TestParseKeepsOtherCodeBlocksInNarration(t *testing.T) {
	src := goodHead + "## S\n\nRun:\n\n```sh\nraftplay cluster\n```\n\n```step\n" + goodStep + "\n```\n"
	l, err := Parse("01-x.md", []byte(src))
	require.NoError(t, err)
	assert.Equal(t, "<p>Run:</p>\n<pre><code>raftplay cluster</code></pre>\n", l.Steps[0].NarrationHTML)
}

func TestParseFS(t *testing.T) {
	good := []byte(lessonWith(goodStep))
	fsys := fstest.MapFS{
		"02-b.md":   {Data: good},
		"01-a.md":   {Data: good},
		"README.md": {Data: []byte("not a lesson")},
	}
	list, err := ParseFS(fsys)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "a", list[0].ID)
	assert.Equal(t, "b", list[1].ID)

	_, err = ParseFS(fstest.MapFS{"01-a.md": {Data: good}, "01-b.md": {Data: good}})
	assert.ErrorContains(t, err, "01-a.md and 01-b.md share the number 01")
	_, err = ParseFS(fstest.MapFS{"01-a.md": {Data: good}, "02-a.md": {Data: good}})
	assert.ErrorContains(t, err, `share the id "a"`)
	_, err = ParseFS(fstest.MapFS{})
	assert.ErrorContains(t, err, "no lesson files")
	_, err = ParseFS(fstest.MapFS{"01-a.md": {Data: []byte("# T\n")}})
	assert.ErrorContains(t, err, "lessons: 01-a.md: the file needs a ```lesson block")
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("01-a.md", make([]byte, MaxLessonBytes+1))
	assert.ErrorContains(t, err, "larger than the limit")
}

package lessons

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantLessons is the order the issue asks for: every topic, once.
var wantLessons = []string{
	"meet-the-cluster", "leader-election", "split-votes", "log-replication", "catching-up",
	"up-to-date-check", "truncation-figure-7", "old-terms-figure-8", "partition", "persistence",
	"prevote-checkquorum", "reads", "native-nodes", "exactly-once", "timing", "duplicates-and-stale-replies",
	"five-servers", "snapshots", "adding-a-server", "why-not-switch-directly", "removing-the-leader",
}

func TestEmbeddedLessonsParse(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	require.Len(t, all, len(wantLessons))
	for i, l := range all {
		assert.Equal(t, i+1, l.Number)
		assert.Equal(t, wantLessons[i], l.ID)
		assert.NotEmpty(t, l.Title, l.File)
		assert.NotEmpty(t, l.Summary, l.File)
		assert.NotEmpty(t, l.IntroHTML, l.File)
		assert.LessOrEqual(t, len(l.Steps), 8, "%s: keep lessons short", l.File)
		quizzes := 0
		for _, st := range l.Steps {
			assert.NotEmpty(t, st.Title, "%s step %d", l.File, st.Number)
			assert.NotEmpty(t, st.NarrationHTML, "%s step %d", l.File, st.Number)
			assert.NotNil(t, st.Check, "%s step %d", l.File, st.Number)
			assert.True(t, st.Observe != (st.Action != nil), "%s step %d: an action or observe", l.File, st.Number)
			quizzes += len(st.Quiz)
		}
		assert.GreaterOrEqual(t, quizzes, 1, "%s: at least one quiz question", l.File)
	}
}

// TestEmbeddedLessonsVerify replays every lesson through the engine: each step's check
// passes on its reference path, and no check of a step with an action passes without
// the action.
func TestEmbeddedLessonsVerify(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	for _, l := range all {
		t.Run(l.ID, func(t *testing.T) {
			rep := Verify(l)
			require.Len(t, rep.Steps, len(l.Steps))
			for _, s := range rep.Steps {
				assert.True(t, s.Passed, "step %d (%s): %s", s.Step, s.Title, s.Problem)
			}
			assert.Zero(t, rep.Failures())
		})
	}
}

func TestGet(t *testing.T) {
	for _, id := range []string{"log-replication", "4", "04", "04-log-replication.md"} {
		l, err := Get(id)
		require.NoError(t, err, id)
		assert.Equal(t, "log-replication", l.ID)
	}
	_, err := Get("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no lesson "nope"`)
	assert.Contains(t, err.Error(), "meet-the-cluster")
}

func TestLessonJSON(t *testing.T) {
	l, err := Get("up-to-date-check")
	require.NoError(t, err)
	data, err := json.Marshal(l)
	require.NoError(t, err)
	var back struct {
		ID    string `json:"id"`
		Steps []struct {
			Number    int             `json:"number"`
			Check     json.RawMessage `json:"check"`
			Reference []Move          `json:"reference"`
			Start     json.RawMessage `json:"start"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, "up-to-date-check", back.ID)
	require.Len(t, back.Steps, len(l.Steps))
	assert.Equal(t, "restart 3", back.Steps[2].Reference[0].Text)
	assert.Equal(t, "restart", string(back.Steps[2].Reference[0].Action.Type))
	assert.JSONEq(t, `{"label": "S1 is the leader", "leader": {"is": 1}}`, string(back.Steps[0].Check))
	assert.NotEmpty(t, back.Steps[4].Start, "the unsafe part starts a fresh cluster")

	// A check marshalled for the page parses back to the same check.
	for _, st := range l.Steps {
		raw, err := json.Marshal(st.Check)
		require.NoError(t, err)
		p := checkParser{peers: 3}
		again, err := p.parse(raw, "check", 0)
		require.NoError(t, err, string(raw))
		assert.Equal(t, st.Check, again)
	}
}

func TestFindAmongDirLessons(t *testing.T) {
	list := []*Lesson{{Number: 1, ID: "a", File: "01-a.md"}, {Number: 12, ID: "b", File: "12-b.md"}}
	l, err := Find(list, "12")
	require.NoError(t, err)
	assert.Equal(t, "b", l.ID)
	_, err = Find(list, "3")
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "a, b"))
}

func TestOutline(t *testing.T) {
	l, err := Get("split-votes")
	require.NoError(t, err)
	assert.Equal(t, Outline{Number: 3, ID: "split-votes", Title: "Split votes and how they resolve",
		Summary: l.Summary, Steps: 3}, l.Outline())
}

package bridge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/lessons"
)

// TestLoadLessons plays a lesson from lessons loadLessons gave, as the page does with the
// lessons.json it fetches (its wasm carries none): the menu and lessonOpen use them, not
// the built-in ones.
func TestLoadLessons(t *testing.T) {
	all, err := lessons.All()
	require.NoError(t, err)
	// Only lesson 2, so that the answers show which set the bridge used.
	page, err := lessons.PageJSON(all[1:2])
	require.NoError(t, err)

	b := New()
	assert.Equal(t, float64(1), call(t, b, "loadLessons", string(page)))
	var list []lessonOutline
	callJSON(t, b, &list, "lessons")
	require.Len(t, list, 1)
	assert.Equal(t, all[1].ID, list[0].ID)
	assert.Len(t, list[0].Steps, len(all[1].Steps))

	var v lessonView
	callJSON(t, b, &v, "lessonOpen", all[1].ID, float64(1))
	assert.Equal(t, all[1].Title, v.Title)
	assert.NotEmpty(t, v.Steps[0].NarrationHTML)
	var st statusView
	callJSON(t, b, &st, "lessonStatus")
	assert.Equal(t, 0, st.Index)

	assert.Contains(t, callError(t, b, "lessonOpen", all[0].ID), `lessonOpen: lessons: no lesson "`+all[0].ID+`"`)
}

// TestLoadLessonsBadInput: a file that is not the lessons is refused with its reason, and
// the lessons loaded before stay.
func TestLoadLessonsBadInput(t *testing.T) {
	b := New()
	for _, c := range []struct{ name, in, want string }{
		{"not JSON", "<html>", "loadLessons: lessons: decode the lessons JSON"},
		{"empty list", "[]", "loadLessons: lessons: the lessons JSON holds no lessons"},
		{"no steps", `[{"ID":"x"}]`, "loadLessons: lessons: the lessons JSON: lesson 1 has no steps"},
		{"null step", `[{"ID":"x","Steps":[null]}]`, "loadLessons: lessons: the lessons JSON: lesson 1 (x): step 1 is null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Contains(t, callError(t, b, "loadLessons", c.in), c.want)
		})
	}
	assert.Contains(t, callError(t, b, "loadLessons"), "loadLessons: takes 1 argument(s), got 0")
	var list []lessonOutline
	callJSON(t, b, &list, "lessons")
	all, err := lessons.All()
	require.NoError(t, err)
	assert.Len(t, list, len(all))
}

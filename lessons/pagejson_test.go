package lessons

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseDir(t *testing.T) []*Lesson {
	t.Helper()
	list, err := ParseFS(os.DirFS("."))
	require.NoError(t, err)
	return list
}

func decodeLessons(t *testing.T, data []byte) []*Lesson {
	t.Helper()
	var list []*Lesson
	require.NoError(t, json.Unmarshal(data, &list))
	return list
}

// TestPageJSONIsCurrent checks that page.json, what the WebAssembly build embeds, is
// the lesson files as they are now.
func TestPageJSONIsCurrent(t *testing.T) {
	want, err := PageJSON(parseDir(t))
	require.NoError(t, err)
	got, err := os.ReadFile("page.json")
	require.NoError(t, err)
	require.True(t, string(want) == string(got), "lessons/page.json is stale: run `go generate ./lessons`")
}

// TestPageJSONKeepsEverythingButTheMarkdown decodes the page's lessons and compares
// them with the parsed ones: equal in every field but the Markdown texts, which are
// empty (the HTML ones are there).
func TestPageJSONKeepsEverythingButTheMarkdown(t *testing.T) {
	parsed := parseDir(t)
	full, err := json.Marshal(parsed)
	require.NoError(t, err)
	want := decodeLessons(t, full)
	require.Equal(t, parsed, want, "a lesson survives a JSON round trip unchanged")
	for _, l := range want {
		l.Intro, l.Outro = "", ""
		for _, st := range l.Steps {
			st.Narration = ""
			if st.Action != nil {
				st.Action.Prompt = ""
			}
			for i := range st.Quiz {
				st.Quiz[i].Question, st.Quiz[i].Explanation = "", ""
				for c := range st.Quiz[i].Choices {
					st.Quiz[i].Choices[c].Text, st.Quiz[i].Choices[c].Why = "", ""
				}
			}
		}
	}
	page, err := PageJSON(parsed)
	require.NoError(t, err)
	assert.Equal(t, want, decodeLessons(t, page))
	assert.NotEmpty(t, parsed[0].Intro, "PageJSON leaves the lessons it is given alone")
}

// TestEmbeddedLessonsAreTheFiles: All, natively parsed from the embedded files or in
// the WebAssembly build decoded from page.json, has the lessons of the folder.
func TestEmbeddedLessonsAreTheFiles(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	parsed := parseDir(t)
	require.Len(t, all, len(parsed))
	for i, l := range all {
		assert.Equal(t, parsed[i].File, l.File)
		assert.Equal(t, parsed[i].IntroHTML, l.IntroHTML)
		assert.Equal(t, parsed[i].Steps[len(l.Steps)-1].Check, l.Steps[len(l.Steps)-1].Check)
	}
}

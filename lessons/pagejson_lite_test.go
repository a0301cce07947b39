package lessons

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/raftplay/raftplay/internal/jsonlite/jsonfill"
	"github.com/stretchr/testify/require"
)

// The hand-written reading of the lessons' JSON (pagejson_lite.go) against
// json.Unmarshal: the same lessons from page.json and from the lessons with every
// field filled at random.

func unmarshalStd(t *testing.T, data []byte) ([]*Lesson, error) {
	t.Helper()
	var list []*Lesson
	err := json.Unmarshal(data, &list)
	return list, err
}

func TestReadPageLessonsMatchesEncodingJSON(t *testing.T) {
	page, err := os.ReadFile("page.json")
	require.NoError(t, err)
	want, err := unmarshalStd(t, page)
	require.NoError(t, err)
	got, err := readPageLessons(page)
	require.NoError(t, err)
	require.Equal(t, want, got, "page.json")

	// The lessons with their Markdown too (the full JSON of the parsed lessons).
	full, err := json.Marshal(parseDir(t))
	require.NoError(t, err)
	want, err = unmarshalStd(t, full)
	require.NoError(t, err)
	got, err = readPageLessons(full)
	require.NoError(t, err)
	require.Equal(t, want, got, "the parsed lessons")
}

// fill sets every exported field json encodes at random (nil or not, zero or not), so
// that a field the hand-written reader misses shows.
func fill(rng *rand.Rand, v reflect.Value) {
	f := jsonfill.Filler{Rand: rng, MaxDepth: 3,
		Strings: []string{"", "x", "<p>a &amp; b</p>", "\u2028 é \"q\"", "\xff"},
		Ints:    []int64{-1, 0, 1, 2, 3, 4, 5},
		Uints:   []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		Floats:  []float64{0, 0.25, 1e-9},
		// A peer reference is an id or a name in JSON, never both.
		Custom: func(rng *rand.Rand, v reflect.Value) bool {
			if v.Type() != reflect.TypeFor[PeerRef]() {
				return false
			}
			if rng.IntN(2) == 0 {
				v.Set(reflect.ValueOf(PeerRef{ID: uint64(rng.IntN(5))}))
			} else {
				v.Set(reflect.ValueOf(PeerRef{Name: []string{"leader", "any", "step_leader"}[rng.IntN(3)]}))
			}
			return true
		}}
	f.Fill(v)
}

func TestReadPageLessonsMatchesEncodingJSONOnRandomLessons(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		var list []*Lesson
		for range 1 + rng.IntN(3) {
			l := new(Lesson)
			fill(rng, reflect.ValueOf(l).Elem())
			list = append(list, l)
		}
		data, err := json.Marshal(list)
		require.NoError(t, err)
		want, wantErr := unmarshalStd(t, data)
		got, gotErr := readPageLessons(data)
		require.Equal(t, wantErr == nil, gotErr == nil, "lessons %d: encoding/json says %v, jsonlite %v", i, wantErr, gotErr)
		require.Equal(t, want, got, "lessons %d", i)
	}
}

func TestReadPageLessonsCornerCases(t *testing.T) {
	for _, in := range []string{
		`[{"ID":"x","steps":[{"CHECK":{"peer":{"id":"leader","role":"down"}}}],"unknown":[1,{"a":2}]}]`,
		`[{"steps":[{"check":{"log":{"peer":null,"equals_peer":null}}}]}]`,
		`[{"steps":[{"check":{"log":{"peer":-1}}}]}]`, `[{"steps":[{"check":{"log":{"peer":1.5}}}]}]`,
		`[{"steps":[{"check":{"log":{"peer":true}}}]}]`, `[{"steps":[{"check":{"log":{"peer":"\u00e9"}}}]}]`,
		`[{"scenario":{"v":1,"options":{"peers":5,"extra":1}}}]`, `[{"scenario":{"v":1,"extra":1,"options":{"preVote":false}}}]`,
		`[{"steps":[{"reference":[{"text":"crash 1","action":{"type":"crash","peer":1,"x":2},"pick":{"type":"AppendEntries","from":1,"to":2}}]}]}]`,
		`[null]`, `[{"steps":null}]`, `{}`, `[{"number":"1"}]`, `[{"steps":[{"quiz":[{"choices":["a"]}]}]}]`,
	} {
		want, wantErr := unmarshalStd(t, []byte(in))
		got, gotErr := readPageLessons([]byte(in))
		require.Equal(t, wantErr == nil, gotErr == nil, "%s: encoding/json says %v, jsonlite %v", in, wantErr, gotErr)
		if wantErr == nil {
			require.Equal(t, want, got, in)
		} else {
			t.Logf("%s\n  encoding/json: %v\n  jsonlite:      %v", in, wantErr, gotErr)
		}
	}
}

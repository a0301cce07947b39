package jsonlite

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

var sampleStrings = []string{"", "plain", `"quoted" \ back\slash`, "<>&", "\x00\x07\b\f\n\r\t\x1f\x7f", "é 🙂 \u2028\u2029",
	"bad \xff\xfe utf8 \xe2\x80", "\xed\xa0\x80 surrogate", "ünïcödé ſ K"}

// FuzzString holds String to json.Marshal (the same bytes) and the decoder's strings
// to json.Unmarshal (the same text back).
func FuzzString(f *testing.F) {
	for _, s := range sampleStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(AppendString(nil, s)))

		// The raw text, escapes and all, read back.
		raw := []byte(`"` + s + `"`)
		var wantS string
		wantErr := json.Unmarshal(raw, &wantS)
		d, gotErr := NewDecoder(raw)
		var gotS string
		if gotErr == nil {
			gotErr = d.String(&gotS)
		}
		require.Equal(t, wantErr == nil, gotErr == nil, "%q: encoding/json says %v, jsonlite %v", raw, wantErr, gotErr)
		require.Equal(t, wantS, gotS, "%q", raw)
	})
}

func TestEscapesReadBack(t *testing.T) {
	for _, in := range []string{`"\u00e9\ud83d\ude42"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud83d\ude42\ud83d"`,
		`"\/\"\\\b\f\n\r\t"`, `"\u0000"`, `"\uD83D\uDE42"`} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(in), &want))
		d, err := NewDecoder([]byte(in))
		require.NoError(t, err)
		var got string
		require.NoError(t, d.String(&got))
		require.Equal(t, want, got, in)
	}
}

func TestFoldMatchesEncodingJSON(t *testing.T) {
	type fields struct {
		Seed   int `json:"seed"`
		Kelvin int `json:"kind"`
		ID     int `json:"id"`
	}
	for _, key := range []string{"seed", "SEED", "Seed", "ſeed", "\u212aind", "\u212aIND", "KIND", "seeD", "se_ed", "sééd",
		"İd", "ıd", "\u0130D", "id", "ID", "ǅ", "ß"} {
		var v fields
		require.NoError(t, json.Unmarshal([]byte(`{"`+key+`":1}`), &v))
		matched := v.Seed == 1 || v.Kelvin == 1 || v.ID == 1
		folded := Fold(key)
		require.Equal(t, matched, folded == "seed" || folded == "kind" || folded == "id", "%q folds to %q", key, folded)
	}
}

package share

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimal is the smallest valid scenario: everything else takes its default.
const minimal = `{"v":1,"seed":7,"actions":[]}`

// withActions is a scenario with a few actions and a changed option.
const withActions = `{"v":1,"seed":42,"options":{"peers":5},"actions":[
	{"at":100,"type":"crash","peer":1},
	{"at":300,"type":"restart","peer":1},
	{"at":400,"type":"client","peer":2,"cmd":"SET x 3"}]}`

func canonicalOf(t *testing.T, body string) ([]byte, string) {
	t.Helper()
	c, id, err := Canonical([]byte(body))
	require.NoError(t, err)
	return c, id
}

func TestIDIsContentAddressed(t *testing.T) {
	c, id := canonicalOf(t, minimal)
	assert.Len(t, id, IDLen)
	assert.Equal(t, ID(c), id)
	require.NoError(t, CheckID(id))

	// Other spellings of the same scenario: whitespace, field order, defaults spelled
	// out, an absent action list.
	full, err := sim.NewScenario(7).Marshal()
	require.NoError(t, err)
	for _, spelling := range []string{
		" {\n \"actions\": [], \"seed\": 7, \"v\": 1 }\n",
		string(full),
		`{"v":1,"seed":7}`,
	} {
		c2, id2 := canonicalOf(t, spelling)
		assert.Equal(t, id, id2, "spelling %q", spelling)
		assert.Equal(t, c, c2)
	}

	_, other := canonicalOf(t, `{"v":1,"seed":8}`)
	assert.NotEqual(t, id, other, "another seed is another scenario")
	_, other = canonicalOf(t, withActions)
	assert.NotEqual(t, id, other)
}

func TestCanonicalIsAFixedPoint(t *testing.T) {
	c, id := canonicalOf(t, withActions)
	again, id2 := canonicalOf(t, string(c))
	assert.Equal(t, c, again)
	assert.Equal(t, id, id2)
	sc, err := sim.ParseScenario(c)
	require.NoError(t, err)
	assert.Equal(t, 5, sc.Options.Peers)
	assert.Len(t, sc.Actions, 3)
}

func TestCanonicalErrors(t *testing.T) {
	huge := `{"v":1,"seed":1,"actions":[],"pad":"` + strings.Repeat("x", MaxBody) + `"}`
	// Actions whose "at" is left out: the canonical form adds "at":0 to each, which
	// takes it over the limit although the input is under it.
	var heals strings.Builder
	heals.WriteString(`{"v":1,"seed":1,"actions":[`)
	for heals.Len() < MaxBody-100 {
		heals.WriteString(`{"type":"heal"},`)
	}
	growing := strings.TrimSuffix(heals.String(), ",") + `]}`
	require.LessOrEqual(t, len(growing), MaxBody)

	tests := []struct {
		name, body string
		syntax     bool // a *json.SyntaxError is wrapped
		tooLarge   bool // ErrTooLarge is wrapped
		want       string
	}{
		{"empty", ``, true, false, "invalid JSON"},
		{"not JSON", `share me`, true, false, "invalid JSON"},
		{"truncated", `{"v":1,"seed":`, true, false, "invalid JSON"},
		{"trailing garbage", `{"v":1} x`, true, false, "invalid JSON"},
		{"not an object", `[1,2]`, false, false, "invalid JSON"},
		{"missing version", `{"seed":1}`, false, false, `missing version field "v"`},
		{"wrong version", `{"v":2,"seed":1}`, false, false, "unsupported version 2"},
		{"unknown field", `{"v":1,"seed":1,"colour":"red"}`, false, false, `unknown field "colour"`},
		{"invalid option", `{"v":1,"seed":1,"options":{"peers":0}}`, false, false, "options"},
		{"seed too large", `{"v":1,"seed":9007199254740992}`, false, false, "seed"},
		{"bad action", `{"v":1,"seed":1,"actions":[{"at":1,"type":"crash","peer":9}]}`, false, false, "action 0 (crash)"},
		{"too large", huge, false, true, "larger than the limit of 65536"},
		{"too large once canonical", growing, false, true, "once defaults are spelled out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, id, err := Canonical([]byte(tt.body))
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Empty(t, id)
			assert.ErrorIs(t, err, sim.ErrScenario)
			assert.Contains(t, err.Error(), tt.want)
			var syntaxErr *json.SyntaxError
			assert.Equal(t, tt.syntax, errors.As(err, &syntaxErr), "wraps a *json.SyntaxError")
			assert.Equal(t, tt.tooLarge, errors.Is(err, ErrTooLarge), "wraps ErrTooLarge")
		})
	}
}

func TestCheckID(t *testing.T) {
	_, good := canonicalOf(t, minimal)
	// The last character of an id carries 3 bits of the hash and 2 zero bits: "a"
	// (00000) is a valid last character, "b" (00001) is not.
	valid := strings.Repeat("a", IDLen)
	require.NoError(t, CheckID(valid))
	tests := []struct{ name, id, want string }{
		{"empty", "", "has 0 characters"},
		{"short", good[:IDLen-1], "has 25 characters"},
		{"long", good + "a", "has 27 characters"},
		{"upper case", strings.ToUpper(good), "at position 0"},
		{"digit outside base32", "1" + good[1:], `'1' at position 0`},
		{"traversal", "../../../../etc/passwd....", `'.' at position 0`},
		{"slash", strings.Repeat("a", IDLen-1) + "/", `'/' at position 25`},
		{"NUL", strings.Repeat("a", IDLen-1) + "\x00", `'\x00' at position 25`},
		{"non-zero padding bits", strings.Repeat("a", IDLen-1) + "b", "not the base32 of 16 bytes"},
		{"very long", strings.Repeat("a", 10_000), "has 10000 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckID(tt.id)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrID)
			assert.Contains(t, err.Error(), tt.want)
			assert.Less(t, len(err.Error()), 200, "a long id is clipped in the message")
		})
	}
}

func FuzzCanonical(f *testing.F) {
	for _, seed := range []string{minimal, withActions, `{"v":1,"seed":1}`, `{"v":2}`, `[]`, `{`, ``, `{"v":1,"seed":1,"start":{"peers":{"1":{"term":2,"vote":1,"commit":1,"log":[1,2]}}}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, id, err := Canonical(body)
		if err != nil {
			if !errors.Is(err, sim.ErrScenario) {
				t.Fatalf("error does not wrap sim.ErrScenario: %v", err)
			}
			return
		}
		if err := CheckID(id); err != nil {
			t.Fatalf("Canonical made a malformed id: %v", err)
		}
		again, id2, err := Canonical(c)
		if err != nil {
			t.Fatalf("the canonical form %s does not parse: %v", c, err)
		}
		if string(again) != string(c) || id2 != id {
			t.Fatalf("canonical form is not a fixed point:\n%s\n%s", c, again)
		}
	})
}

func FuzzCheckID(f *testing.F) {
	f.Add(ID([]byte(minimal)))
	f.Add(strings.Repeat("a", IDLen))
	f.Add(strings.Repeat("7", IDLen))
	f.Add("../etc/passwd")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		if CheckID(id) != nil {
			return
		}
		raw, err := idEncoding.DecodeString(id)
		if err != nil || len(raw) != idBytes || idEncoding.EncodeToString(raw) != id {
			t.Fatalf("CheckID accepted %q, which is not the spelling of 16 bytes", id)
		}
		if strings.ContainsAny(id, "./\\\x00") {
			t.Fatalf("CheckID accepted %q, which could name another file", id)
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	body := []byte(withActions)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Canonical(body); err != nil {
			b.Fatal(err)
		}
	}
}

package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/internal/jsonlite"
	"github.com/raftplay/raftplay/internal/jsonlite/jsonfill"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hand-written JSON of jsoncodec.go against encoding/json: the same bytes out, the
// same values in, on runs of the simulator and on values with every field filled at
// random (so that a field added to a type and not to the codec fails here).

// FillRandom sets every exported field json encodes of the value v points to at
// random: zero or not (for omitempty), nil, empty or full (slices, maps, pointers), and
// strings and floats that need escaping or an exponent.
func fillRandom(rng *rand.Rand, v reflect.Value) {
	f := jsonfill.Filler{Rand: rng, Strings: randomStrings, Floats: randomFloats,
		Ints:  []int64{0, 0, 1, -7, 12, 1 << 40, math.MinInt64, math.MaxInt64},
		Uints: []uint64{0, 0, 1, 3, 10, 2, 1<<53 - 1, math.MaxUint64}}
	f.Fill(v)
}

var randomStrings = []string{"", "", "leader", "SET x 3", `quote " and \ backslash`, "<b>&amp;</b>",
	"tab\tnew\nline\r", "\x00\x01\x1f\x7f", "bad utf8 \xff\xfe end", "\xe2\x80", "line sep \u2028 para \u2029",
	"émoji 🙂 ünïcode", "S1 → S2"}

var randomFloats = []float64{0, 0, 0.02, 0.5, 1, 1e-6, 9.99e-7, 1.5e-9, 1e20, 1e21, 123456789.125, -0.25,
	math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3}

func marshalStd(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestSnapshotAndTraceJSONMatchEncodingJSONOnRuns(t *testing.T) {
	scenarios := []Scenario{}
	for seed := uint64(1); seed <= 12; seed++ {
		scenarios = append(scenarios, faultScenario(seed, 4000))
	}
	grow := NewScenario(5)
	grow.Options.Peers, grow.Options.Voters, grow.Options.Clients, grow.Options.SnapshotEntries = 5, 3, 2, 20
	grow.Actions = []Action{{At: 500, Type: ActAddLearner, Peer: 4}, {At: 900, Type: ActPromote, Peer: 4},
		{At: 1500, Type: ActRemove, Peer: 1}, {At: 2000, Type: ActClient, Peer: 2, Cmd: "SET <k>&\u2028 \"v\"&"}}
	scenarios = append(scenarios, grow)
	frames := 0
	for _, sc := range scenarios {
		c := newCluster(t, sc)
		seen := 0
		for c.Now() < 4500 && !c.Stopped() {
			c.RunUntil(c.Now() + 37)
			st := c.State()
			got, err := st.AppendJSON(nil)
			require.NoError(t, err)
			require.Equal(t, marshalStd(t, st), string(got), "seed %d at %d ms", sc.Seed, c.Now())
			evs := c.Events(seen)
			seen += len(evs)
			require.Equal(t, marshalStd(t, evs), string(AppendTraceJSON(nil, evs)), "seed %d at %d ms", sc.Seed, c.Now())
			frames++
		}
	}
	t.Logf("%d snapshots compared", frames)
}

func TestJSONMatchesEncodingJSONOnRandomValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		var s Snapshot
		fillRandom(rng, reflect.ValueOf(&s).Elem())
		got, err := s.AppendJSON(nil)
		require.NoError(t, err)
		require.Equal(t, marshalStd(t, s), string(got), "snapshot %d", i)

		var evs []TraceEvent
		fillRandom(rng, reflect.ValueOf(&evs).Elem())
		require.Equal(t, marshalStd(t, evs), string(AppendTraceJSON(nil, evs)), "events %d", i)

		var sc Scenario
		fillRandom(rng, reflect.ValueOf(&sc).Elem())
		got, err = sc.Marshal()
		require.NoError(t, err)
		want := sc
		if want.Actions == nil {
			want.Actions = []Action{}
		}
		require.Equal(t, marshalStd(t, want), string(got), "scenario %d", i)

		// What the codec wrote, it reads back as encoding/json does.
		gotSc, gotErr := decodeScenario(got)
		wantSc, wantErr := decodeScenarioStd(got)
		require.Equal(t, wantErr == nil, gotErr == nil, "scenario %d: encoding/json says %v, jsonlite %v", i, wantErr, gotErr)
		require.Equal(t, wantSc, gotSc, "scenario %d", i)
	}
}

func TestFloatsAndNaN(t *testing.T) {
	for _, f := range append(randomFloats, -1e-7, 1e-300, 5e-324, 1e100, 123e18, 1e-5) {
		s := Snapshot{Network: NetworkState{Drop: f, Duplicate: -f}}
		got, err := s.AppendJSON(nil)
		require.NoError(t, err)
		assert.Equal(t, marshalStd(t, s), string(got), "%v", f)
	}
	_, err := (&Snapshot{Network: NetworkState{Drop: math.NaN()}}).AppendJSON(nil)
	require.ErrorContains(t, err, "unsupported value: NaN")
	sc := NewScenario(1)
	sc.Options.Drop = math.Inf(1)
	_, err = sc.Marshal()
	require.ErrorContains(t, err, "unsupported value: +Inf")
}

// decodeScenarioStd is how ParseScenario read a scenario with encoding/json before
// jsoncodec.go: the reference the hand-written decoder is held to.
func decodeScenarioStd(data []byte) (Scenario, error) {
	var head struct {
		V *json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Scenario{}, fmt.Errorf("%w: invalid JSON: %w", ErrScenario, err)
	}
	if head.V == nil {
		return Scenario{}, fmt.Errorf("%w: missing version field \"v\" (want %d)", ErrScenario, Version)
	}
	if string(*head.V) != "1" {
		return Scenario{}, fmt.Errorf("%w: unsupported version %s (this build reads version %d)", ErrScenario, *head.V, Version)
	}
	sc := NewScenario(0)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return Scenario{}, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	return sc, nil
}

// scenarioInputs are hand-made inputs for the decoder: the tricky corners of
// json.Unmarshal's rules, and errors of every kind.
var scenarioInputs = []string{
	`{"v":1}`, ` {"v":1} `, `{"v":1,"seed":42,"actions":[]}`, `{"v":1,"actions":null}`,
	`{"V":1,"SEED":3}`, `{"v":1,"ſeed":3}`, `{"v":1,"Seed":3,"seed":4}`, `{"v":1,"seed":3,"seed":null}`,
	`{"v":null}`, `{"v":2}`, `{"v":1.0}`, `{"v":"1"}`, `{}`, `null`, `[]`, `1`, `"x"`, ``, `{`, `{"v":1} {"v":1}`,
	`{"v":1,"seed":-1}`, `{"v":1,"seed":1.5}`, `{"v":1,"seed":1e3}`, `{"v":1,"seed":"3"}`, `{"v":1,"seed":18446744073709551616}`,
	`{"v":1,"speed":3}`, `{"v":1,"options":{"peer":3}}`, `{"v":1,"options":null}`, `{"v":1,"options":5}`,
	`{"v":1,"options":{"peers":5,"latency":[1,2],"drop":0.5,"unsafe":{"commit_old_terms":true}}}`,
	`{"v":1,"options":{"electionTicks":7,"preVote":false,"unsafe":{"skipUpToDateCheck":true}}}`,
	`{"v":1,"options":{"electionTicks":7,"election_ticks":8}}`, `{"v":1,"options":{"election_ticks":8,"electionTicks":7}}`,
	`{"v":1,"options":{"unsafe":{"yolo":true}}}`, `{"v":1,"options":{"latency":[1]}}`, `{"v":1,"options":{"latency":null}}`,
	`{"v":1,"options":{"drop":1e400}}`, `{"v":1,"options":{"Drop":0.25}}`,
	`{"v":1,"start":{"peers":{"1":{"term":2,"log":[1,2]},"10":{"term":1}},"down":[2]}}`,
	`{"v":1,"start":{"peers":{"x":{"term":1}}}}`, `{"v":1,"start":{"peers":null}}`, `{"v":1,"start":null}`,
	`{"v":1,"start":{"peers":{"1":{"term":1,"vote":1,"extra":1}}}}`,
	`{"v":1,"actions":[{"at":0,"type":"heal","color":"red"}]}`,
	`{"v":1,"actions":[{"at":5,"type":"crash","peer":1},{"at":6,"type":"partition","groups":[[1],[2,3],null]}]}`,
	`{"v":1,"actions":[{"at":5,"type":"network","drop":null,"duplicate":0.5,"latency":[3,4]}],"actions":[{"peer":2}]}`,
	`{"v":1,"actions":[{"type":"client","peer":1,"cmd":"SET x \"\u00e9\ud83d\ude42\ud800 \\ \/\b\f\n\r\t\u2028"}]}`,
	"{\"v\":1,\"actions\":[{\"type\":\"client\",\"cmd\":\"\xff\xfe bad\"}]}",
	`{"v":1,"actions":[{"type":3}]}`, `{"v":1,"actions":{}}`, `{"v":1,"actions":[1]}`,
	`{"v":1,"seed":01}`, `{"v":1,"seed":1.}`, `{"v":1,"seed":-}`, `{"v":1,"x":tru}`, `{"v":1,"x":"a` + "\n" + `"}`,
	`{"v":1,"x":"\q"}`, `{"v":1,"x":"\u12"}`, `{"v":1,}`, `{"v":1 "seed":2}`, `{"v" 1}`, `[1,]`, `{"v":1,"x":[1 2]}`,
}

func TestDecodeScenarioMatchesEncodingJSON(t *testing.T) {
	for _, in := range scenarioInputs {
		got, gotErr := decodeScenario([]byte(in))
		want, wantErr := decodeScenarioStd([]byte(in))
		if wantErr != nil {
			require.Error(t, gotErr, "%s: encoding/json says %v", in, wantErr)
			t.Logf("%-40s  encoding/json: %v\n%-40s  jsonlite:      %v", in, wantErr, "", gotErr)
			continue
		}
		require.NoError(t, gotErr, in)
		if !repeatsAKey(in) {
			require.Equal(t, want, got, in)
		}
	}
}

// repeatsAKey reports whether an object of the JSON text in gives a key twice (as
// written, or in two spellings that fold alike). The one difference the decoders
// allow: encoding/json reads a repeated key's array or object into the first one's,
// merging them; jsonlite takes the last value, as for a number or a string.
func repeatsAKey(in string) bool {
	dec := json.NewDecoder(strings.NewReader(in))
	type level struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			k := jsonlite.Fold(s)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value ended: a key comes next
		}
	}
}

func TestARepeatedKeyTakesTheLastValue(t *testing.T) {
	sc, err := decodeScenario([]byte(`{"v":1,"actions":[{"at":5,"type":"crash","peer":1}],"actions":[{"type":"heal"}]}`))
	require.NoError(t, err)
	require.Equal(t, []Action{{Type: ActHeal}}, sc.Actions)
}

// TestDecodeErrorsNameTheProblem checks the messages that tests and users rely on.
func TestDecodeErrorsNameTheProblem(t *testing.T) {
	for in, want := range map[string]string{
		`{"v":1,"speed":3}`:                                   `json: unknown field "speed" (line 1, column 16)`,
		`{"v":1} {"v":1}`:                                     "invalid JSON: invalid character '{' after top-level value (line 1, column 9)",
		`{"v":1,"seed":-1}`:                                   "json: cannot unmarshal number -1 into field seed of type uint64",
		"{\"v\":1,\n\"actions\":[{\"at\":\"x\"}]}":            "cannot unmarshal string into field actions[0].at of type int64 (line 2, column 18)",
		`{"v":1,"options":{"preVote":true,"pre_vote":false}}`: `both "pre_vote" and its older spelling "preVote" are given`,
		`{"v":1,"options":{"electionTicks":1e1}}`:             "cannot unmarshal number 1e1 into field options.election_ticks of type int (line 1, column 35)",
		`{"v":1`:          "invalid JSON: unexpected end of JSON input",
		`{"v":1,"x":tru}`: "invalid character '}' in literal true (expecting 'e')",
	} {
		_, err := decodeScenario([]byte(in))
		assert.ErrorContains(t, err, want, in)
	}
}

func TestDecodeActionMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{`{"type":"crash","peer":1}`, `{"type":"crash","peer":1,"node":2}`, `{"type":"heal"} {}`, `{"type":"heal"} }`, `{"type":"heal"} x`, `{"type":`,
		`{"type":"network","drop":0.1}`, `{"TYPE":"heal"}`, `null`, `[]`, `{"type":"partition","groups":[[1,2],[3]]}`} {
		got, gotErr := DecodeAction([]byte(in))
		var want Action
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		wantErr := dec.Decode(&want)
		if wantErr == nil && dec.More() {
			wantErr = fmt.Errorf("more than one value")
		}
		require.Equal(t, wantErr == nil, gotErr == nil, "%s: encoding/json says %v, jsonlite %v", in, wantErr, gotErr)
		if wantErr == nil {
			require.Equal(t, want, got, in)
		}
	}
}

// FuzzDecodeScenario holds the decoder to encoding/json on any input: both accept or
// both reject, and what both accept they read alike.
func FuzzDecodeScenario(f *testing.F) {
	for _, in := range scenarioInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, gotErr := decodeScenario([]byte(in))
		want, wantErr := decodeScenarioStd([]byte(in))
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: encoding/json says %v, jsonlite %v", in, wantErr, gotErr)
		}
		if wantErr == nil && !repeatsAKey(in) && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q: encoding/json read %+v, jsonlite %+v", in, want, got)
		}
	})
}

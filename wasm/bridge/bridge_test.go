package bridge

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call runs an API function and fails the test if it answers an error.
func call(t testing.TB, b *Bridge, name string, in ...any) any {
	t.Helper()
	out := b.Call(name, in)
	if s, ok := out.(string); ok {
		require.False(t, strings.HasPrefix(s, `{"error":`), "%s(%v) failed: %s", name, in, s)
	}
	return out
}

// callJSON runs an API function and decodes its JSON answer into v.
func callJSON(t testing.TB, b *Bridge, v any, name string, in ...any) {
	t.Helper()
	out := call(t, b, name, in...)
	s, ok := out.(string)
	require.True(t, ok, "%s answered %T, want JSON text", name, out)
	require.NoError(t, json.Unmarshal([]byte(s), v), "%s answered %s", name, s)
}

// callError runs an API function that must fail and returns its error message.
func callError(t testing.TB, b *Bridge, name string, in ...any) string {
	t.Helper()
	out := b.Call(name, in)
	s, ok := out.(string)
	require.True(t, ok, "%s(%v) answered %v, want an error", name, in, out)
	var e struct {
		Error *string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(s), &e), "%s(%v) answered %s, want an error", name, in, s)
	require.NotNil(t, e.Error, "%s(%v) answered %s, want an error", name, in, s)
	return *e.Error
}

func loaded(t testing.TB, scenario string) *Bridge {
	t.Helper()
	b := New()
	call(t, b, "load", scenario)
	return b
}

func scenarioOf(t testing.TB, b *Bridge) sim.Scenario {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(call(t, b, "scenario").(string)))
	require.NoError(t, err)
	return sc
}

func snapshot(t testing.TB, b *Bridge) sim.Snapshot {
	t.Helper()
	var s sim.Snapshot
	callJSON(t, b, &s, "state")
	return s
}

func stateText(t testing.TB, b *Bridge) string {
	t.Helper()
	return call(t, b, "state").(string)
}

func leaderOf(t testing.TB, b *Bridge) uint64 {
	t.Helper()
	return snapshot(t, b).Leader
}

func TestElectCrashAndCommit(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":42}`)
	var pos position
	callJSON(t, b, &pos, "runTicks", float64(100))
	assert.Equal(t, position{OK: true, Time: 1000, Steps: pos.Steps}, pos)
	first := leaderOf(t, b)
	require.NotZero(t, first, "no leader within 100 ticks")

	callJSON(t, b, &pos, "act", fmt.Sprintf(`{"type":"crash","peer":%d}`, first))
	call(t, b, "runTicks", float64(100))
	second := leaderOf(t, b)
	require.NotZero(t, second, "no new leader within 100 ticks of the crash")
	assert.NotEqual(t, first, second)

	call(t, b, "act", fmt.Sprintf(`{"type":"restart","peer":%d}`, first))
	call(t, b, "act", fmt.Sprintf(`{"type":"client","peer":%d,"cmd":"SET x 1"}`, second))
	call(t, b, "runTicks", float64(50))
	for _, p := range snapshot(t, b).Peers {
		assert.Equal(t, map[string]string{"x": "1"}, p.KV, "peer %d", p.ID)
		assert.Equal(t, p.LastIndex, p.CommitIndex, "peer %d", p.ID)
	}

	sc := scenarioOf(t, b)
	require.Len(t, sc.Actions, 3)
	assert.Equal(t, sim.ActCrash, sc.Actions[0].Type)
	assert.Equal(t, sim.ActClient, sc.Actions[2].Type)
}

func TestStepNowStepsTraceLen(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":1}`)
	assert.Equal(t, float64(0), call(t, b, "steps"))
	assert.Equal(t, float64(25), call(t, b, "step", float64(25)))
	assert.Equal(t, float64(25), call(t, b, "steps"))
	now := call(t, b, "now").(float64)
	assert.Positive(t, now)
	call(t, b, "runTicks", float64(30))
	assert.Positive(t, call(t, b, "traceLen").(float64))
	// A stopped run, or one out of events, steps fewer than asked: an empty cluster
	// (every peer down) has nothing to do.
	e := loaded(t, `{"v":1,"seed":1,"start":{"down":[1,2,3]}}`)
	assert.Equal(t, float64(0), call(t, e, "step", float64(10)))
}

func TestRunUntil(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":3}`)
	var pos position
	callJSON(t, b, &pos, "runUntil", float64(1234))
	assert.Equal(t, int64(1234), pos.Time)
	ref, err := sim.Replay(mustScenario(t, `{"v":1,"seed":3}`), 1234)
	require.NoError(t, err)
	assert.Equal(t, ref.Steps(), pos.Steps)
	assert.Contains(t, callError(t, b, "runUntil", float64(1000)), "runUntil: time 1000 ms is before now (1234 ms); use rewindTo to go back")
}

func mustScenario(t testing.TB, text string) sim.Scenario {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(text))
	require.NoError(t, err)
	return sc
}

func TestEventsSince(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":5}`)
	call(t, b, "runTicks", float64(50))
	var all []sim.TraceEvent
	callJSON(t, b, &all, "events", float64(0))
	require.NotEmpty(t, all)
	for i, e := range all {
		require.Equal(t, i, e.Seq)
	}
	var tail []sim.TraceEvent
	callJSON(t, b, &tail, "events", float64(10))
	assert.Equal(t, all[10:], tail)
	var limited []sim.TraceEvent
	callJSON(t, b, &limited, "events", float64(10), float64(3))
	assert.Equal(t, all[10:13], limited)
	var none []sim.TraceEvent
	callJSON(t, b, &none, "events", float64(len(all)+100))
	assert.Empty(t, none)
	assert.Equal(t, "[]", call(t, b, "events", float64(1e15)))
	assert.Equal(t, float64(len(all)), call(t, b, "traceLen"))
}

func TestShareFragmentRoundTrip(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":9,"options":{"clients":2}}`)
	call(t, b, "runTicks", float64(60))
	call(t, b, "act", `{"type":"partition","groups":[[1],[2,3]]}`)
	call(t, b, "runTicks", float64(60))
	call(t, b, "act", `{"type":"heal"}`)
	call(t, b, "runTicks", float64(30))
	frag := call(t, b, "shareFragment").(string)
	require.True(t, strings.HasPrefix(frag, "s=1."), frag)
	want := stateText(t, b)
	now := call(t, b, "now").(float64)

	c := New()
	call(t, c, "loadShare", "#"+frag)
	call(t, c, "runUntil", now)
	assert.Equal(t, want, stateText(t, c))
	assert.Equal(t, call(t, b, "scenario"), call(t, c, "scenario"))
}

// A mark is a point of a run and its state, to come back to.
type mark struct {
	steps, time int64
	// byTime is set when the point was reached by running to a time (runTicks,
	// runUntil): it is then exactly "time t" (rewindTo), while after step and act it is
	// exactly "after n steps" (rewindSteps); the clock differs between the two.
	byTime bool
	state  string
	events []sim.TraceEvent
}

// markEvents is how many of the latest trace events a mark keeps to compare.
const markEvents = 1000

func markHere(t *testing.T, b *Bridge, byTime bool) mark {
	t.Helper()
	m := mark{steps: b.tl.Cluster().Steps(), time: b.tl.Cluster().Now(), byTime: byTime, state: stateText(t, b)}
	since := max(b.tl.Cluster().TraceLen()-markEvents, 0)
	callJSON(t, b, &m.events, "events", float64(since))
	return m
}

// checkEvents checks that after a rewind the latest events are those of the mark, with
// the same seqs: the replay traced the events since its checkpoint, the checkpoint kept
// the sim.CheckpointTrace before it, and older ones came back from the run it replaced
// when that run still kept them.
func checkEvents(t *testing.T, b *Bridge, m mark) {
	t.Helper()
	since := 0
	if len(m.events) > 0 {
		since = m.events[0].Seq
	}
	var got []sim.TraceEvent
	callJSON(t, b, &got, "events", float64(since))
	require.LessOrEqual(t, len(got), len(m.events))
	require.GreaterOrEqual(t, len(got), min(len(m.events), sim.CheckpointTrace))
	want := m.events[len(m.events)-len(got):]
	for i := range got {
		if !assert.Equal(t, want[i], got[i]) {
			break
		}
	}
}

func TestRewindBackAndForthGivesTheSameStates(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":17,"options":{"clients":2,"drop":0.02}}`)
	marks := []mark{markHere(t, b, false)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		// An action recorded at time t belongs to "time t": the state just before it is
		// reached by steps, so actions follow a step here, never a run to a time.
		switch i % 4 {
		case 0:
			call(t, b, "runTicks", float64(1+rng.IntN(200)))
		case 1:
			call(t, b, "runUntil", float64(b.tl.Cluster().Now()+int64(rng.IntN(1500))))
		case 2:
			call(t, b, "step", float64(1+rng.IntN(1500)))
		case 3:
			peer := 1 + rng.IntN(3)
			call(t, b, "act", fmt.Sprintf(`{"type":"timeout","peer":%d}`, peer))
		}
		marks = append(marks, markHere(t, b, i%4 < 2))
	}
	info := timelineInfo{}
	callJSON(t, b, &info, "timeline")
	require.Greater(t, info.Checkpoints, 3, "the run should span several checkpoints")

	for _, i := range append(rng.Perm(len(marks)), rng.Perm(len(marks))...) {
		m := marks[i]
		var pos position
		if m.byTime {
			callJSON(t, b, &pos, "rewindTo", float64(m.time))
		} else {
			callJSON(t, b, &pos, "rewindSteps", float64(m.steps))
		}
		require.Equal(t, m.steps, pos.Steps, "mark %d", i)
		require.Equal(t, m.time, pos.Time, "mark %d", i)
		require.NotNil(t, pos.Replayed)
		assert.LessOrEqual(t, *pos.Replayed, 2*info.Spacing, "replayed more than the checkpoints allow")
		assert.Equal(t, m.state, stateText(t, b), "mark %d (steps %d, time %d)", i, m.steps, m.time)
		checkEvents(t, b, m)
	}
}

func TestRewindMatchesAFreshReplay(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":23,"options":{"clients":3}}`)
	call(t, b, "runTicks", float64(3000))
	sc := b.tl.Cluster().Scenario()
	for _, steps := range []int64{0, 1, 777, 5000, 12345, 20000} {
		call(t, b, "rewindSteps", float64(steps))
		ref, err := sim.ReplaySteps(sc, steps)
		require.NoError(t, err)
		refState, err := json.Marshal(ref.State())
		require.NoError(t, err)
		assert.Equal(t, string(refState), stateText(t, b), "steps %d", steps)
		assert.Equal(t, ref.TraceHash(), b.tl.Cluster().TraceHash(), "steps %d", steps)
	}
}

func TestActAfterRewindForks(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":31}`)
	call(t, b, "runTicks", float64(100))
	call(t, b, "act", `{"type":"timeout","peer":1}`)
	call(t, b, "runTicks", float64(100))
	call(t, b, "act", `{"type":"timeout","peer":2}`)
	call(t, b, "runTicks", float64(100))
	end := b.tl.Cluster().Now()

	call(t, b, "rewindTo", float64(1500))
	sc := scenarioOf(t, b)
	require.Len(t, sc.Actions, 2, "before acting, the recorded future is still there")

	// A failed action does not fork.
	assert.Contains(t, callError(t, b, "act", `{"type":"restart","peer":1}`), "peer 1 is not down")
	sc = scenarioOf(t, b)
	require.Len(t, sc.Actions, 2)
	call(t, b, "rewindTo", float64(end))

	call(t, b, "rewindTo", float64(1500))
	call(t, b, "act", `{"type":"block","from":1,"to":2}`)
	sc = scenarioOf(t, b)
	require.Len(t, sc.Actions, 2)
	assert.Equal(t, sim.ActTimeout, sc.Actions[0].Type)
	assert.Equal(t, sim.ActBlock, sc.Actions[1].Type)
	assert.Equal(t, int64(1500), sc.Actions[1].At)

	var info timelineInfo
	callJSON(t, b, &info, "timeline")
	assert.Equal(t, int64(1500), info.EndTime, "the fork ends the timeline at now")
	assert.Contains(t, callError(t, b, "rewindTo", float64(2000)), "rewindTo: time 2000 ms is outside this run, which has reached 1500 ms")

	// The forked run replays from its scenario.
	call(t, b, "runTicks", float64(200))
	ref, err := sim.Replay(sc, b.tl.Cluster().Now())
	require.NoError(t, err)
	assert.Equal(t, ref.TraceHash(), b.tl.Cluster().TraceHash())
}

func TestCheckpointsInfo(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":2}`)
	call(t, b, "runTicks", float64(20_000))
	var info timelineInfo
	callJSON(t, b, &info, "timeline")
	assert.Equal(t, b.tl.Checkpoints(), info.Checkpoints)
	assert.Equal(t, b.tl.Spacing(), info.Spacing)
	assert.Equal(t, int64(200_000), info.EndTime)
	assert.Equal(t, b.tl.Cluster().Steps(), info.EndSteps)
	assert.Equal(t, b.tl.Cluster().TraceLen(), info.TraceLen)
}

func TestErrors(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":1}`)
	call(t, b, "runTicks", float64(10))
	tests := []struct {
		name string
		fn   string
		in   []any
		want string
	}{
		{"unknown function", "explode", nil, `unknown function "explode"`},
		{"missing argument", "step", nil, "step: takes 1 argument(s), got 0"},
		{"too many arguments", "state", []any{"x"}, "state: takes 0 argument(s), got 1"},
		{"optional argument", "events", []any{}, "events: takes 1 or 2 argument(s), got 0"},
		{"string for a number", "step", []any{"3"}, "step: argument 1 (n): want a number, got a string"},
		{"object", "runTicks", []any{Unsupported("object")}, "runTicks: argument 1 (n): want a number, got a value of type object"},
		{"undefined", "rewindTo", []any{nil}, "rewindTo: argument 1 (time): want a number, got undefined or null"},
		{"bool", "load", []any{true}, "load: argument 1 (json): want a string, got a boolean"},
		{"negative", "step", []any{-1.0}, "step: argument 1 (n): want a whole number in [0, 2^53), got -1"},
		{"fraction", "step", []any{1.5}, "want a whole number in [0, 2^53), got 1.5"},
		{"NaN", "step", []any{math.NaN()}, "got NaN"},
		{"infinity", "runUntil", []any{math.Inf(1)}, "got +Inf"},
		{"too many steps", "step", []any{1e9}, "step: 1000000000 steps is more than the limit of 10000000 per call"},
		{"too many ticks", "runTicks", []any{2e6}, "runTicks: 2000000 ticks is more than the limit of 1000000 per call"},
		{"too far", "runUntil", []any{1e12}, "runUntil: time 1000000000000 ms is more than 1000000 ticks ahead"},
		{"bad scenario JSON", "load", []any{`{"v":1,`}, "load: sim: scenario: invalid JSON"},
		{"wrong version", "load", []any{`{"v":2,"seed":1}`}, "load: sim: scenario: unsupported version 2 (this build reads version 1)"},
		{"bad share fragment", "loadShare", []any{"#s=9.abc"}, `loadShare: sim: scenario: share link: unknown encoding version "9"`},
		{"bad action JSON", "act", []any{`{"type":`}, "act: invalid action JSON"},
		{"action not JSON", "act", []any{`crash 1`}, "act: invalid action JSON"},
		{"unknown action field", "act", []any{`{"type":"crash","peer":1,"node":2}`}, `act: invalid action JSON: json: unknown field "node"`},
		{"two actions", "act", []any{`{"type":"heal"} {"type":"heal"}`}, "act: invalid action JSON: more than one value"},
		{"missing type", "act", []any{`{"peer":1}`}, `act: invalid action: missing "type"`},
		{"unknown type", "act", []any{`{"type":"explode"}`}, `act: sim: act (explode): unknown type "explode"`},
		{"unknown peer", "act", []any{`{"type":"crash","peer":7}`}, "act: sim: act (crash): peer 7 is not in the cluster (peers are 1..3)"},
		{"message not in flight", "act", []any{`{"type":"drop","msg":999999}`}, "act: sim: act (drop): message 999999 is not in flight"},
		{"huge action", "act", []any{strings.Repeat(" ", MaxActionBytes+1)}, "act: action JSON of 65537 bytes is larger than the limit of 65536"},
		{"rewind past the end", "rewindSteps", []any{1e9}, "rewindSteps: step 1000000000 is outside this run, which has"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := stateText(t, b)
			assert.Contains(t, callError(t, b, tt.fn, tt.in...), tt.want)
			assert.Equal(t, before, stateText(t, b), "a failed call changed the run")
		})
	}
}

func TestNothingLoaded(t *testing.T) {
	b := New()
	for _, name := range Names() {
		fn, _ := lookup(name)
		if !fn.needsRun {
			continue
		}
		params := fn.params
		in := make([]any, 0, len(params))
		for _, p := range params {
			switch p.kind {
			case kindString:
				in = append(in, "{}")
			case kindInt:
				in = append(in, float64(1))
			}
		}
		assert.Contains(t, callError(t, b, name, in...), name+": no scenario is loaded; call load(scenarioJSON) or loadShare(fragment) first")
	}
	assert.True(t, strings.HasPrefix(call(t, b, "version").(string), "raftplay "))
}

func TestPanicsComeBackAsErrors(t *testing.T) {
	all := functions
	functions = append(functions[:len(all):len(all)], function{name: "test-panic", run: func(*Bridge, args) (any, error) { panic("boom") }})
	defer func() { functions = all }()
	assert.Equal(t, "test-panic: internal error: boom", callError(t, New(), "test-panic"))
}

func TestLoadReplacesTheRun(t *testing.T) {
	b := loaded(t, `{"v":1,"seed":1}`)
	call(t, b, "runTicks", float64(100))
	call(t, b, "load", `{"v":1,"seed":2}`)
	assert.Equal(t, float64(0), call(t, b, "now"))
	assert.Equal(t, "[]", call(t, b, "events", float64(0)))
	// A failed load keeps the run that was there.
	call(t, b, "runTicks", float64(10))
	callError(t, b, "load", `{"v":1,"seed":-1}`)
	assert.Equal(t, float64(100), call(t, b, "now"))
}

func FuzzCall(f *testing.F) {
	f.Add("load", `{"v":1,"seed":1,"actions":[{"at":100,"type":"crash","peer":1}]}`)
	f.Add("load", `{"v":1,"seed":3,"options":{"peers":5,"clients":2},"start":{"down":[2]}}`)
	f.Add("act", `{"type":"partition","groups":[[1],[2,3]]}`)
	f.Add("act", `{"type":"network","drop":0.5,"latency":[1,30]}`)
	f.Add("act", `{"type":"client","peer":2,"cmd":"CAS k old new"}`)
	f.Add("act", `{"type":"delay","msg":3,"by":100}`)
	f.Add("loadShare", "s=1.eyJ2IjoxLCJzZWVkIjo3fQ")
	f.Add("loadShare", "#s=1.!!!")
	f.Add("lessonOpen", "07")
	f.Add("lessonOpen", "truncation-figure-7")
	f.Fuzz(func(t *testing.T, name, text string) {
		b := loaded(t, `{"v":1,"seed":1}`)
		b.Call("runTicks", []any{float64(30)})
		out := b.Call(name, []any{text})
		s, ok := out.(string)
		if !ok {
			t.Fatalf("%s(%q) answered %T", name, text, out)
		}
		if strings.Contains(s, "internal error") {
			t.Fatalf("%s(%q) panicked: %s", name, text, s)
		}
		// Whatever happened, the bridge still works.
		if r := b.Call("runTicks", []any{float64(20)}); strings.Contains(fmt.Sprint(r), "internal error") {
			t.Fatalf("after %s(%q): runTicks panicked: %v", name, text, r)
		}
		if r := b.Call("rewindSteps", []any{float64(0)}); strings.Contains(fmt.Sprint(r), "internal error") {
			t.Fatalf("after %s(%q): rewindSteps panicked: %v", name, text, r)
		}
	})
}

// BenchmarkRunTicks100k is the fast-forward of the playground's default run, and of one
// with two simulated clients (a much busier run: twice the events, and a history and
// registries that grow all along).
func BenchmarkRunTicks100k(b *testing.B) {
	runs := []struct{ name, scenario string }{
		{"default", `{"v":1,"seed":1}`},
		{"clients", `{"v":1,"seed":1,"options":{"clients":2}}`},
	}
	for _, run := range runs {
		b.Run(run.name, func(b *testing.B) {
			for b.Loop() {
				br := loaded(b, run.scenario)
				call(b, br, "runTicks", float64(100_000))
			}
		})
	}
}

func BenchmarkRewind(b *testing.B) {
	br := loaded(b, `{"v":1,"seed":1,"options":{"clients":2}}`)
	call(b, br, "runTicks", float64(100_000))
	end := br.tl.Cluster().Now()
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		call(b, br, "rewindTo", float64(rng.Int64N(end)))
	}
}

func BenchmarkState(b *testing.B) {
	br := loaded(b, `{"v":1,"seed":1,"options":{"clients":2}}`)
	call(b, br, "runTicks", float64(2000))
	b.ReportAllocs()
	for b.Loop() {
		call(b, br, "state")
	}
}

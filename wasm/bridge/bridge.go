// Package bridge is the playground's simulator behind the low-level JavaScript API:
// plain Go functions that take and return strings and numbers, so the wasm main
// package only has to hand them to syscall/js, and everything here is tested natively
// too.
//
// A Bridge holds one run of the simulator (a sim.Timeline) and moves it forward (step,
// runTicks, runUntil), back (rewindSteps, rewindTo: a checkpoint plus deterministic
// replay) and sideways (act: acting in the past forks a new future). While a lesson is
// open the run is its lessons.Runner's, and the moves go through the runner.
// Call is the single entry point: a function name and its arguments in, a result out,
// either a JSON text, a plain string or a number. Errors never escape as panics: they
// come back as the JSON text {"error":"..."}, naming the function and the problem.
package bridge

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"

	"github.com/raftplay/raftplay/lessons"
	"github.com/raftplay/raftplay/sim"
)

// Limits on what one call may ask for, so that a mistake in the page cannot freeze the
// tab for minutes.
const (
	// MaxStepsPerCall bounds step(n).
	MaxStepsPerCall = 10_000_000
	// MaxTicksPerCall bounds runTicks(n), and runUntil(t) to that many ticks ahead.
	MaxTicksPerCall = 1_000_000
	// MaxActionBytes bounds the JSON of one action.
	MaxActionBytes = 64 << 10
	// maxSafeInteger is the largest integer a JavaScript number holds exactly.
	maxSafeInteger = 1<<53 - 1
)

// BuildVersion is set at link time by the dist build (-ldflags -X) to the source
// revision; version() reports it.
var BuildVersion = "devel"

// Bridge holds the run the page shows. The zero value is not usable; call New. It is
// not safe for concurrent use (JavaScript calls it from one thread).
type Bridge struct {
	tl     *sim.Timeline // nil until a scenario is loaded; the runner's while a lesson is open
	lesson *lessonMode   // nil unless a lesson is open (lessons.go)
	// lessons are the lessons loadLessons gave; nil until then, and the build's own
	// (lessons.All) are used, which the page's build has none of.
	lessons []*lessons.Lesson
}

// New returns a bridge with no scenario loaded.
func New() *Bridge { return &Bridge{} }

// Unsupported stands for a JavaScript argument of a type the API never takes (an
// object, a function, a symbol...). The wasm main package passes it with the type's
// name so that the error message can say what was wrong.
type Unsupported string

// function is one function of the API: its parameters and what it does.
type function struct {
	name   string
	params []param
	run    func(b *Bridge, a args) (any, error)
	// needsRun is set when the function works on a loaded scenario.
	needsRun bool
}

type paramKind uint8

const (
	kindString paramKind = iota
	kindInt
	kindOptionalInt
)

type param struct {
	name string
	kind paramKind
}

var (
	pJSON     = param{"json", kindString}
	pFragment = param{"fragment", kindString}
	pN        = param{"n", kindInt}
	pTime     = param{"time", kindInt}
	pSteps    = param{"steps", kindInt}
	pSince    = param{"since", kindInt}
	pLimit    = param{"limit", kindOptionalInt}
)

// functions is the API, by the names JavaScript sees. A list, not a map: the linker
// lays a list of constants out as data, where a map literal is code that builds it
// (13 kB of the page's wasm); Call finds a name among 27 in well under a microsecond.
var functions = []function{
	{name: "load", params: []param{pJSON}, run: (*Bridge).load},
	{name: "loadShare", params: []param{pFragment}, run: (*Bridge).loadShare},
	{name: "step", params: []param{pN}, run: (*Bridge).step, needsRun: true},
	{name: "runTicks", params: []param{pN}, run: (*Bridge).runTicks, needsRun: true},
	{name: "runUntil", params: []param{pTime}, run: (*Bridge).runUntil, needsRun: true},
	{name: "act", params: []param{pJSON}, run: (*Bridge).act, needsRun: true},
	{name: "addServer", run: (*Bridge).addServer, needsRun: true},
	{name: "state", run: (*Bridge).state, needsRun: true},
	{name: "events", params: []param{pSince, pLimit}, run: (*Bridge).events, needsRun: true},
	{name: "rewindSteps", params: []param{pSteps}, run: (*Bridge).rewindSteps, needsRun: true},
	{name: "rewindTo", params: []param{pTime}, run: (*Bridge).rewindTo, needsRun: true},
	{name: "scenario", run: (*Bridge).scenario, needsRun: true},
	{name: "shareFragment", run: (*Bridge).shareFragment, needsRun: true},
	{name: "now", run: func(b *Bridge, _ args) (any, error) { return float64(b.tl.Cluster().Now()), nil }, needsRun: true},
	{name: "steps", run: func(b *Bridge, _ args) (any, error) { return float64(b.tl.Cluster().Steps()), nil }, needsRun: true},
	{name: "traceLen", run: func(b *Bridge, _ args) (any, error) { return float64(b.tl.Cluster().TraceLen()), nil }, needsRun: true},
	{name: "timeline", run: (*Bridge).timelineInfo, needsRun: true},
	{name: "version", run: func(*Bridge, args) (any, error) { return Version(), nil }},
	// Lessons (lessons.go).
	{name: "loadLessons", params: []param{pJSON}, run: (*Bridge).loadLessons},
	{name: "lessons", run: (*Bridge).lessonList},
	{name: "lessonOpen", params: []param{pLessonID, pOptStep}, run: (*Bridge).lessonOpen},
	{name: "lessonStatus", run: (*Bridge).lessonStatus, needsRun: true},
	{name: "lessonAdvance", run: (*Bridge).lessonAdvance, needsRun: true},
	{name: "lessonBack", run: (*Bridge).lessonBack, needsRun: true},
	{name: "lessonRestartStep", run: (*Bridge).lessonRestartStep, needsRun: true},
	{name: "lessonGoTo", params: []param{pStepNo}, run: (*Bridge).lessonGoTo, needsRun: true},
	{name: "lessonShowMe", run: (*Bridge).lessonShowMe, needsRun: true},
	{name: "lessonClose", run: (*Bridge).lessonClose, needsRun: true},
}

// Names returns the names of the API's functions.
func Names() []string {
	names := make([]string, len(functions))
	for i := range functions {
		names[i] = functions[i].name
	}
	return names
}

// lookup finds the function JavaScript calls name.
func lookup(name string) (function, bool) {
	for i := range functions {
		if functions[i].name == name {
			return functions[i], true
		}
	}
	return function{}, false
}

// Version is the build description version() returns.
func Version() string {
	return "raftplay " + BuildVersion + " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// Call runs the API function name with the arguments JavaScript passed (each a string,
// a float64, a bool, nil for undefined and null, or Unsupported). The result is a
// string (JSON, or the plain text of shareFragment and version) or a float64. Every
// failure, a panic included, comes back as {"error":"name: ..."}.
func (b *Bridge) Call(name string, in []any) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = errorJSON(fmt.Errorf("%s: internal error: %v", name, r))
		}
	}()
	fn, ok := lookup(name)
	if !ok {
		return errorJSON(fmt.Errorf("unknown function %q", name))
	}
	a, err := parseArgs(name, fn.params, in)
	if err != nil {
		return errorJSON(err)
	}
	if fn.needsRun && b.tl == nil {
		return errorJSON(fmt.Errorf("%s: no scenario is loaded; call load(scenarioJSON) or loadShare(fragment) first", name))
	}
	res, err := fn.run(b, a)
	if err != nil {
		return errorJSON(fmt.Errorf("%s: %w", name, err))
	}
	return res
}

// args are the checked arguments of one call, in parameter order: strings and int64s
// (an absent optional number is -1).
type args []any

func (a args) str(i int) string { return a[i].(string) }
func (a args) int(i int) int64  { return a[i].(int64) }

func parseArgs(name string, params []param, in []any) (args, error) {
	required := 0
	for _, p := range params {
		if p.kind != kindOptionalInt {
			required++
		}
	}
	if len(in) < required || len(in) > len(params) {
		want := strconv.Itoa(required)
		if required != len(params) {
			want += " or " + strconv.Itoa(len(params))
		}
		return nil, fmt.Errorf("%s: takes %s argument(s), got %d", name, want, len(in))
	}
	out := make(args, len(params))
	for i, p := range params {
		var v any
		if i < len(in) {
			v = in[i]
		}
		got, err := convert(p, v)
		if err != nil {
			return nil, fmt.Errorf("%s: argument %d (%s): %w", name, i+1, p.name, err)
		}
		out[i] = got
	}
	return out, nil
}

func convert(p param, v any) (any, error) {
	if p.kind == kindOptionalInt && v == nil {
		return int64(-1), nil
	}
	if p.kind == kindString {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", describe(v))
		}
		return s, nil
	}
	f, ok := v.(float64)
	if !ok {
		return nil, fmt.Errorf("want a number, got %s", describe(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f < 0 || f > maxSafeInteger {
		return nil, fmt.Errorf("want a whole number in [0, 2^53), got %v", f)
	}
	return int64(f), nil
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "undefined or null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case Unsupported:
		return "a value of type " + string(v)
	}
	return fmt.Sprintf("a %T", v)
}

// position is the answer of the functions that move the run.
type position struct {
	OK    bool  `json:"ok"`
	Time  int64 `json:"time"`
	Steps int64 `json:"steps"`
	// Replayed is how many steps a rewind replayed from its checkpoint.
	Replayed *int64 `json:"replayed,omitempty"`
}

func (b *Bridge) position(replayed *int64) (any, error) {
	c := b.tl.Cluster()
	return encode(&position{OK: true, Time: c.Now(), Steps: c.Steps(), Replayed: replayed})
}

func (b *Bridge) load(a args) (any, error) {
	sc, err := sim.ParseScenario([]byte(a.str(0)))
	if err != nil {
		return nil, err
	}
	return b.start(sc)
}

func (b *Bridge) loadShare(a args) (any, error) {
	sc, err := sim.ParseShareFragment(a.str(0))
	if err != nil {
		return nil, err
	}
	return b.start(sc)
}

// start makes a new run of sc the one the page shows; an open lesson closes.
func (b *Bridge) start(sc sim.Scenario) (any, error) {
	tl, err := sim.NewTimeline(sc)
	if err != nil {
		return nil, err
	}
	b.tl, b.lesson = tl, nil
	return b.position(nil)
}

func (b *Bridge) step(a args) (any, error) {
	n := a.int(0)
	if n > MaxStepsPerCall {
		return nil, fmt.Errorf("%d steps is more than the limit of %d per call", n, MaxStepsPerCall)
	}
	if m := b.lesson; m != nil {
		return float64(m.runner.StepEvents(n)), nil
	}
	return float64(b.tl.Step(n)), nil
}

func (b *Bridge) runTicks(a args) (any, error) {
	n := a.int(0)
	if n > MaxTicksPerCall {
		return nil, fmt.Errorf("%d ticks is more than the limit of %d per call", n, MaxTicksPerCall)
	}
	b.runTo(b.tl.Cluster().Now() + n*b.tl.Tick())
	return b.position(nil)
}

func (b *Bridge) runUntil(a args) (any, error) {
	t, now := a.int(0), b.tl.Cluster().Now()
	switch {
	case t < now:
		return nil, fmt.Errorf("time %d ms is before now (%d ms); use rewindTo to go back", t, now)
	case t-now > MaxTicksPerCall*b.tl.Tick():
		return nil, fmt.Errorf("time %d ms is more than %d ticks ahead of now (%d ms)", t, MaxTicksPerCall, now)
	}
	b.runTo(t)
	return b.position(nil)
}

// runTo runs the live run to time t; an open lesson's runner evaluates its check on
// the way, after every tick.
func (b *Bridge) runTo(t int64) {
	if m := b.lesson; m != nil {
		m.runner.RunUntil(t)
		return
	}
	b.tl.RunUntil(t)
}

func (b *Bridge) act(a args) (any, error) {
	action, err := parseAction(a.str(0))
	if err != nil {
		return nil, err
	}
	if m := b.lesson; m != nil {
		err = m.runner.Act(action)
	} else {
		_, _, err = b.tl.Act(action)
	}
	if err != nil {
		return nil, err
	}
	return b.position(nil)
}

// parseAction reads one sim.Action from JSON; unknown fields are errors. Its "at" is
// ignored: an action applies now.
func parseAction(text string) (sim.Action, error) {
	if len(text) > MaxActionBytes {
		return sim.Action{}, fmt.Errorf("action JSON of %d bytes is larger than the limit of %d", len(text), MaxActionBytes)
	}
	a, err := sim.DecodeAction([]byte(text))
	if err != nil {
		return a, fmt.Errorf("invalid action JSON: %w", err)
	}
	if a.Type == "" {
		return a, errors.New(`invalid action: missing "type"`)
	}
	return a, nil
}

func (b *Bridge) state(args) (any, error) {
	st := b.tl.Cluster().State()
	out, err := st.AppendJSON(make([]byte, 0, 4096))
	if err != nil {
		return nil, fmt.Errorf("encode the result: %w", err)
	}
	return string(out), nil
}

func (b *Bridge) events(a args) (any, error) {
	since, limit := a.int(0), a.int(1)
	if since > math.MaxInt32 {
		since = math.MaxInt32
	}
	evs := b.tl.Cluster().Events(int(since))
	if limit >= 0 && int64(len(evs)) > limit {
		evs = evs[:limit]
	}
	if evs == nil {
		evs = []sim.TraceEvent{}
	}
	return string(sim.AppendTraceJSON(nil, evs)), nil
}

// rewindSteps and rewindTo move the run to a point it has already reached; while a
// lesson is open, only within the current step.
func (b *Bridge) rewindSteps(a args) (any, error) {
	seek := b.tl.SeekSteps
	if m := b.lesson; m != nil {
		seek = m.runner.SeekSteps
	}
	return b.rewound(seek(a.int(0)))
}

func (b *Bridge) rewindTo(a args) (any, error) {
	seek := b.tl.SeekTime
	if m := b.lesson; m != nil {
		seek = m.runner.SeekTime
	}
	return b.rewound(seek(a.int(0)))
}

func (b *Bridge) rewound(replayed int64, err error) (any, error) {
	if before := (*lessons.BeforeStepError)(nil); errors.As(err, &before) {
		return nil, fmt.Errorf("a lesson is open and its %w", err)
	}
	if err != nil {
		return nil, err
	}
	return b.position(&replayed)
}

func (b *Bridge) scenario(args) (any, error) {
	data, err := b.tl.Cluster().Scenario().Marshal()
	if err != nil {
		return nil, err
	}
	return string(data), nil
}

func (b *Bridge) shareFragment(args) (any, error) {
	return sim.ShareFragment(b.tl.Cluster().Scenario())
}

// timelineInfo describes the run the page can move along.
type timelineInfo struct {
	EndTime     int64 `json:"end_time"`
	EndSteps    int64 `json:"end_steps"`
	Checkpoints int   `json:"checkpoints"`
	Spacing     int64 `json:"spacing"`
	TraceLen    int   `json:"trace_len"`
}

func (b *Bridge) timelineInfo(args) (any, error) {
	tl := b.tl
	end := tl.End()
	return encode(&timelineInfo{EndTime: end.Time, EndSteps: end.Steps, Checkpoints: tl.Checkpoints(),
		Spacing: tl.Spacing(), TraceLen: tl.Cluster().TraceLen()})
}

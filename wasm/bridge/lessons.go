package bridge

import (
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/lessons"
	"github.com/raftplay/raftplay/sim"
)

// Lesson mode. A lesson plays on the live run itself: lessonOpen loads the lesson's
// scenario as the run the page shows (a timeline like any other, so the time slider,
// step back and acting in the past keep working), and a lessons.Runner is bound to
// that run's live cluster. Whatever moves the run while a lesson is open (step,
// runTicks, runUntil, act, a rewind) is followed by an evaluation of the step's check
// here, so the page cannot forget one: runTicks and runUntil even evaluate it after
// every tick, as the runner does, so a state that holds for a moment only is seen.
//
// Scrubbing stays inside the current step: a rewind to a point before the step began
// is refused (lessonBack goes to the previous step), and a rewind within the step
// rebinds the runner to the rewound cluster, whose check is then evaluated afresh
// from the step's start: the verdict always describes the run the page shows.
//
// When the runner replaces its cluster (lessonBack and lessonRestartStep replay the
// run to a step's start; a step may start from a scenario of its own), the bridge
// builds a new timeline by replaying the runner's run, checks that both agree event
// for event, and rebinds the runner to the new live cluster.

// lessonMode is the open lesson.
type lessonMode struct {
	runner *lessons.Runner
	// startSteps and startTime are where the current step began on the live timeline.
	startSteps, startTime int64
	// starts are where each step up to the current one began.
	starts []point
	// lastMove is the virtual time of the learner's last action (or the step's start).
	lastMove int64
}

// point is a point of a run: after so many events, at that time.
type point struct{ steps, time int64 }

var errNoLesson = errors.New("no lesson is open; call lessonOpen(id, step) first")

var (
	pLessonID = param{"id", kindString}
	pStepNo   = param{"step", kindInt}
	pOptStep  = param{"step", kindOptionalInt}
)

// lessonOutline is a lesson's line in the page's menu.
type lessonOutline struct {
	Number  int    `json:"number"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	// Steps are the titles of the lesson's steps, in order.
	Steps []string `json:"steps"`
}

// lessonView is an opened lesson as the page shows it: every text the page needs,
// narration as HTML (rendered by lessons.MarkdownHTML, which escapes everything), and
// the status of the step it opened at.
type lessonView struct {
	Number    int        `json:"number"`
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Summary   string     `json:"summary"`
	IntroHTML string     `json:"intro_html"`
	OutroHTML string     `json:"outro_html"`
	Steps     []stepView `json:"steps"`
	Status    statusView `json:"status"`
}

// stepView is one step of a lessonView.
type stepView struct {
	Number        int    `json:"number"`
	Title         string `json:"title"`
	NarrationHTML string `json:"narration_html"`
	// PromptHTML says what the learner is asked to do; empty in an observe step.
	PromptHTML string `json:"prompt_html,omitempty"`
	// Highlight is the CSS selector of the page element the step is about.
	Highlight string `json:"highlight,omitempty"`
	Observe   bool   `json:"observe,omitempty"`
	// Check says in words what the step's check waits for.
	Check string `json:"check"`
	// Reference are the moves "Show me" makes ("restart 3").
	Reference   []string   `json:"reference"`
	WithinTicks int        `json:"within_ticks"`
	Quiz        []quizView `json:"quiz,omitempty"`
}

// quizView is one quiz question, as HTML. The choices are in the file's order; the
// page shuffles them per learner (web/js/quiz-order.js, as lessons.Quiz.Order).
type quizView struct {
	QuestionHTML    string       `json:"question_html"`
	Choices         []choiceView `json:"choices"`
	Correct         int          `json:"correct"`
	ExplanationHTML string       `json:"explanation_html"`
}

// choiceView is one choice of a quiz question and why it is wrong (or right), as HTML.
type choiceView struct {
	TextHTML string `json:"text_html"`
	WhyHTML  string `json:"why_html"`
}

// statusView is the runner's status on the live run, with where the step began.
type statusView struct {
	lessons.Status
	// Index is the current step's position, from 0.
	Index int `json:"index"`
	// StartTime and StartSteps are where the current step began: the earliest point a
	// rewind may go to while the lesson is open.
	StartTime  int64 `json:"start_time"`
	StartSteps int64 `json:"start_steps"`
	// Replaced is set when the call replaced the live run (the page then reloads its
	// events from the new run): on opening, going back, restarting a step, and on
	// advancing to a step that starts from a scenario of its own.
	Replaced bool `json:"replaced,omitempty"`
}

func (b *Bridge) lessonList(args) (any, error) {
	all, err := lessons.All()
	if err != nil {
		return nil, err
	}
	out := make([]lessonOutline, len(all))
	for i, l := range all {
		out[i] = lessonOutline{Number: l.Number, ID: l.ID, Title: l.Title, Summary: l.Summary,
			Steps: make([]string, len(l.Steps))}
		for j, st := range l.Steps {
			out[i].Steps[j] = st.Title
		}
	}
	return marshal(out)
}

func viewOf(l *lessons.Lesson) lessonView {
	v := lessonView{Number: l.Number, ID: l.ID, Title: l.Title, Summary: l.Summary,
		IntroHTML: l.IntroHTML, OutroHTML: l.OutroHTML, Steps: make([]stepView, len(l.Steps))}
	for i, st := range l.Steps {
		sv := stepView{Number: st.Number, Title: st.Title, NarrationHTML: st.NarrationHTML,
			Observe: st.Observe, Check: st.Check.Describe(), Reference: make([]string, len(st.Reference)),
			WithinTicks: st.WithinTicks}
		if st.Action != nil {
			sv.PromptHTML, sv.Highlight = st.Action.PromptHTML, st.Action.Highlight
		}
		for j, m := range st.Reference {
			sv.Reference[j] = m.Text
		}
		for _, q := range st.Quiz {
			qv := quizView{QuestionHTML: q.QuestionHTML, Correct: q.Correct, ExplanationHTML: q.ExplanationHTML}
			for _, c := range q.Choices {
				qv.Choices = append(qv.Choices, choiceView{TextHTML: c.TextHTML, WhyHTML: c.WhyHTML})
			}
			sv.Quiz = append(sv.Quiz, qv)
		}
		v.Steps[i] = sv
	}
	return v
}

// lessonOpen opens a lesson (by id or number) at a step (its number, from 1; the first
// if left out). The lesson's scenario becomes the live run; to open at a later step,
// the reference path of every step before it is played on that run (as `raftplay
// lesson check` does), so the step begins as it would for a learner who got there.
// A failure leaves the run and the lesson that were there.
func (b *Bridge) lessonOpen(a args) (any, error) {
	l, err := lessons.Get(a.str(0))
	if err != nil {
		return nil, err
	}
	step := a.int(1)
	if step < 0 {
		step = 1
	}
	if step < 1 || step > int64(len(l.Steps)) {
		return nil, fmt.Errorf("lesson %q has steps 1 to %d, not %d", l.ID, len(l.Steps), step)
	}
	if err := b.openAt(l, int(step)-1); err != nil {
		return nil, err
	}
	v := viewOf(l)
	v.Status = b.lessonStatusView(true)
	return marshal(v)
}

// openAt starts lesson l on a new live run and plays it up to the start of step index
// i (from 0), restoring the previous run and lesson on failure.
func (b *Bridge) openAt(l *lessons.Lesson, i int) error {
	oldTL, oldLesson := b.tl, b.lesson
	if err := b.startLesson(l, i); err != nil {
		b.tl, b.lesson = oldTL, oldLesson
		return err
	}
	return nil
}

func (b *Bridge) startLesson(l *lessons.Lesson, i int) error {
	r, err := lessons.NewRunner(l)
	if err != nil {
		return err
	}
	b.lesson = &lessonMode{runner: r}
	if err := b.followRunner(); err != nil {
		return err
	}
	for r.Index() < i {
		st := r.Step()
		if err := b.makeMoves(st); err != nil {
			return err
		}
		for t := 0; t < st.WithinTicks && !r.Passed(); t++ {
			b.runTo(b.tl.live.Now() + b.tl.tick)
		}
		if !r.Passed() {
			return fmt.Errorf("%s: step %d: the reference path did not pass its check within %d ticks",
				l.File, st.Number, st.WithinTicks)
		}
		if err := b.advanceLesson(); err != nil {
			return err
		}
	}
	return nil
}

// followRunner makes the live run the runner's: when the runner has a cluster of its
// own (a new or replayed one), a new timeline replays the same run, and the runner is
// rebound to the timeline's live cluster. Then the current step begins here.
func (b *Bridge) followRunner() error {
	m := b.lesson
	c := m.runner.Cluster()
	if b.tl == nil || c != b.tl.live {
		tl, err := replayTimeline(c)
		if err != nil {
			return err
		}
		if err := m.runner.Rebind(tl.live); err != nil {
			return err
		}
		b.tl = tl
		// A replay to a step's start ends at its last event; the step may have begun
		// later, when the clock had run on without events: go on to that moment.
		i := m.runner.Index()
		if i < len(m.starts) && m.starts[i].steps == tl.live.Steps() && m.starts[i].time > tl.live.Now() {
			tl.runUntil(m.starts[i].time)
			if tl.live.Steps() != m.starts[i].steps {
				return fmt.Errorf("the replay of the lesson's run diverged before %d ms (a determinism bug)", m.starts[i].time)
			}
		}
	}
	m.startSteps, m.startTime = b.tl.live.Steps(), b.tl.live.Now()
	m.starts = append(m.starts[:min(m.runner.Index(), len(m.starts))], point{m.startSteps, m.startTime})
	m.lastMove = m.startTime
	return nil
}

// replayTimeline builds a timeline that replays c's run from its start up to where c
// is, and checks that the replay agrees with c event for event.
func replayTimeline(c *sim.Cluster) (*timeline, error) {
	tl, err := newTimeline(c.Scenario())
	if err != nil {
		return nil, err
	}
	tl.step(c.Steps())
	if c.Now() > tl.live.Now() {
		tl.runUntil(c.Now())
	}
	if tl.live.Steps() != c.Steps() || tl.live.Now() != c.Now() || tl.live.TraceHash() != c.TraceHash() {
		return nil, fmt.Errorf("the replay of the lesson's run diverged at step %d, %d ms (a determinism bug)",
			tl.live.Steps(), tl.live.Now())
	}
	return tl, nil
}

// makeMoves makes the current step's reference moves on the live run: actions now,
// waits by letting time pass.
func (b *Bridge) makeMoves(st *lessons.Step) error {
	m := b.lesson
	for i, mv := range st.Reference {
		if mv.IsWait() {
			b.runTo(b.tl.live.Now() + int64(mv.Wait)*b.tl.tick)
			continue
		}
		action, err := mv.Resolve(b.tl.live.Leader())
		if err == nil {
			err = b.tl.act(action)
		}
		if err != nil {
			return fmt.Errorf("%s: step %d: move %d (%s): %w", m.runner.Lesson().File, st.Number, i+1, mv.Text, err)
		}
		m.lastMove = b.tl.live.Now()
		m.runner.Evaluate()
	}
	return nil
}

// advanceLesson moves the runner to the next step and the live run with it.
func (b *Bridge) advanceLesson() error {
	if err := b.lesson.runner.Advance(); err != nil {
		return err
	}
	return b.followRunner()
}

// runTo runs the live timeline to time t. While a lesson's check has not passed, it
// goes one tick at a time and evaluates the check after each.
func (b *Bridge) runTo(t int64) {
	if m := b.lesson; m != nil {
		tick := b.tl.tick
		for now := b.tl.live.Now(); now < t && !m.runner.Passed(); now = b.tl.live.Now() {
			b.tl.runUntil(min(t, (now/tick+1)*tick))
			m.runner.Evaluate()
		}
	}
	b.tl.runUntil(t)
}

// lessonGuard refuses, while a lesson is open, the calls that would leave its current
// step: a rewind to before the step began.
func (b *Bridge) lessonGuard(name string, a args) error {
	m := b.lesson
	switch {
	case name == "rewindSteps" && a.int(0) < m.startSteps:
		return fmt.Errorf("a lesson is open and its step %d began at event %d: scrub back no further (lessonBack goes to the previous step)",
			m.runner.Step().Number, m.startSteps)
	case name == "rewindTo" && a.int(0) < m.startTime:
		return fmt.Errorf("a lesson is open and its step %d began at %d ms: scrub back no further (lessonBack goes to the previous step)",
			m.runner.Step().Number, m.startTime)
	}
	return nil
}

// lessonFollow keeps the open lesson on the live run after a call that moved it: a new
// scenario closes the lesson; a rewind rebinds the runner to the rewound cluster;
// every move is followed by an evaluation of the check.
func (b *Bridge) lessonFollow(name string) error {
	m := b.lesson
	switch name {
	case "load", "loadShare":
		b.lesson = nil
		return nil
	case "act":
		m.lastMove = b.tl.live.Now()
	case "step", "runTicks", "runUntil", "rewindSteps", "rewindTo":
	default:
		return nil
	}
	if m.runner.Cluster() != b.tl.live {
		if err := m.runner.Rebind(b.tl.live); err != nil {
			return err
		}
		m.lastMove = min(m.lastMove, b.tl.live.Now())
	}
	m.runner.Evaluate()
	return nil
}

// lessonStatusView evaluates the check on the live run and says where the lesson is.
// The runner counts the ticks since the learner's last move from its own actions; the
// page acts through the timeline, so the bridge counts them itself.
func (b *Bridge) lessonStatusView(replaced bool) statusView {
	m := b.lesson
	st := m.runner.Status()
	since := max(0, (b.tl.live.Now()-m.lastMove)/b.tl.tick)
	st.TicksSinceMove = int(since)
	st.Overdue = !st.Passed && since > int64(st.WithinTicks)
	return statusView{Status: st, Index: m.runner.Index(), StartTime: m.startTime, StartSteps: m.startSteps,
		Replaced: replaced}
}

// withLesson runs fn on the open lesson and answers the lesson's status; replaced says
// whether fn replaced the live run.
func (b *Bridge) withLesson(fn func() (replaced bool, err error)) (any, error) {
	if b.lesson == nil {
		return nil, errNoLesson
	}
	replaced, err := fn()
	if err != nil {
		return nil, err
	}
	return marshal(b.lessonStatusView(replaced))
}

func (b *Bridge) lessonStatus(args) (any, error) {
	return b.withLesson(func() (bool, error) { return false, nil })
}

// lessonAdvance goes on to the next step once the check has passed.
func (b *Bridge) lessonAdvance(args) (any, error) {
	return b.withLesson(func() (bool, error) {
		before := b.tl
		err := b.advanceLesson()
		return b.tl != before, err
	})
}

// lessonBack goes back to the start of the previous step (of the current one, on the
// first step), exactly as the run was then.
func (b *Bridge) lessonBack(args) (any, error) {
	return b.withLesson(func() (bool, error) {
		if err := b.lesson.runner.Back(); err != nil {
			return false, err
		}
		return true, b.followRunner()
	})
}

// lessonRestartStep goes back to the start of the current step.
func (b *Bridge) lessonRestartStep(args) (any, error) {
	return b.withLesson(func() (bool, error) {
		if err := b.lesson.runner.RestartStep(); err != nil {
			return false, err
		}
		return true, b.followRunner()
	})
}

// lessonGoTo starts the open lesson again at a step (its number, from 1), as a deep
// link to it would.
func (b *Bridge) lessonGoTo(a args) (any, error) {
	return b.withLesson(func() (bool, error) {
		l := b.lesson.runner.Lesson()
		step := a.int(0)
		if step < 1 || step > int64(len(l.Steps)) {
			return false, fmt.Errorf("lesson %q has steps 1 to %d, not %d", l.ID, len(l.Steps), step)
		}
		return true, b.openAt(l, int(step)-1)
	})
}

// lessonShowMe makes the current step's reference moves now (the learner watches what
// follows as time runs on). An observe step has none.
func (b *Bridge) lessonShowMe(args) (any, error) {
	return b.withLesson(func() (bool, error) {
		return false, b.makeMoves(b.lesson.runner.Step())
	})
}

// lessonClose closes the lesson; the run stays, as a free playground.
func (b *Bridge) lessonClose(args) (any, error) {
	if b.lesson == nil {
		return nil, errNoLesson
	}
	b.lesson = nil
	return marshal(struct {
		OK bool `json:"ok"`
	}{true})
}

package bridge

import (
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/lessons"
)

// Lesson mode. A lesson plays on the live run itself: lessonOpen starts a
// lessons.Runner, and the run the page shows is the runner's sim.Timeline (so the time
// slider, step back and acting in the past keep working). While a lesson is open,
// whatever moves the run (step, runTicks, runUntil, act, a rewind) goes through the
// runner, which evaluates the step's check as the run moves (after every tick, so a
// state that holds for a moment only is seen), keeps rewinds within the current step
// and judges the check afresh after one. This file only parses arguments and builds
// the JSON views.

// lessonMode is the open lesson.
type lessonMode struct {
	runner *lessons.Runner
}

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

// loadLessons takes the lessons as PageJSON encodes them (the page's lessons.json,
// which it fetches when a lesson is first wanted: the page's wasm carries none) and
// answers how many there are. Loading again replaces them; an open lesson plays on.
func (b *Bridge) loadLessons(a args) (any, error) {
	list, err := lessons.DecodePageJSON([]byte(a.str(0)))
	if err != nil {
		return nil, err
	}
	b.lessons = list
	return float64(len(list)), nil
}

// allLessons returns the lessons loadLessons gave, else the ones built in.
func (b *Bridge) allLessons() ([]*lessons.Lesson, error) {
	if b.lessons != nil {
		return b.lessons, nil
	}
	return lessons.All()
}

func (b *Bridge) lessonList(args) (any, error) {
	all, err := b.allLessons()
	if err != nil {
		return nil, err
	}
	out := make(outlines, len(all))
	for i, l := range all {
		out[i] = lessonOutline{Number: l.Number, ID: l.ID, Title: l.Title, Summary: l.Summary,
			Steps: make([]string, len(l.Steps))}
		for j, st := range l.Steps {
			out[i].Steps[j] = st.Title
		}
	}
	return encode(out)
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
	all, err := b.allLessons()
	if err != nil {
		return nil, err
	}
	l, err := lessons.Find(all, a.str(0))
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
	return encode(&v)
}

// openAt starts lesson l on a new run and plays it up to the start of step index i
// (from 0) by the reference path of every step before it (lessons.Runner.GoTo). A
// failure leaves the run and the lesson that were there.
func (b *Bridge) openAt(l *lessons.Lesson, i int) error {
	r, err := lessons.NewRunner(l)
	if err != nil {
		return err
	}
	if err := r.GoTo(i); err != nil {
		return err
	}
	b.lesson = &lessonMode{runner: r}
	b.tl = r.Timeline()
	return nil
}

// lessonStatusView evaluates the check on the live run and says where the lesson is.
func (b *Bridge) lessonStatusView(replaced bool) statusView {
	r := b.lesson.runner
	start := r.StepStart()
	return statusView{Status: r.Status(), Index: r.Index(), StartTime: start.Time, StartSteps: start.Steps,
		Replaced: replaced}
}

// withLesson runs fn on the open lesson's runner and answers the lesson's status;
// replaced says whether fn replaced the live run.
func (b *Bridge) withLesson(fn func(r *lessons.Runner) (replaced bool, err error)) (any, error) {
	if b.lesson == nil {
		return nil, errNoLesson
	}
	replaced, err := fn(b.lesson.runner)
	b.tl = b.lesson.runner.Timeline() // lessonGoTo replaces the runner
	if err != nil {
		return nil, err
	}
	st := b.lessonStatusView(replaced)
	return encode(&st)
}

func (b *Bridge) lessonStatus(args) (any, error) {
	return b.withLesson(func(*lessons.Runner) (bool, error) { return false, nil })
}

// lessonAdvance goes on to the next step once the check has passed.
func (b *Bridge) lessonAdvance(args) (any, error) {
	return b.withLesson(func(r *lessons.Runner) (bool, error) {
		before := r.Timeline()
		err := r.Advance()
		return r.Timeline() != before, err
	})
}

// lessonBack goes back to the start of the previous step (of the current one, on the
// first step), exactly as the run was then.
func (b *Bridge) lessonBack(args) (any, error) {
	return b.withLesson(func(r *lessons.Runner) (bool, error) { return true, r.Back() })
}

// lessonRestartStep goes back to the start of the current step.
func (b *Bridge) lessonRestartStep(args) (any, error) {
	return b.withLesson(func(r *lessons.Runner) (bool, error) { return true, r.RestartStep() })
}

// lessonGoTo starts the open lesson again at a step (its number, from 1), as a deep
// link to it would.
func (b *Bridge) lessonGoTo(a args) (any, error) {
	return b.withLesson(func(r *lessons.Runner) (bool, error) {
		l := r.Lesson()
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
	return b.withLesson(func(r *lessons.Runner) (bool, error) { return false, r.MakeReferenceMoves() })
}

// lessonClose closes the lesson; the run stays, as a free playground.
func (b *Bridge) lessonClose(args) (any, error) {
	if b.lesson == nil {
		return nil, errNoLesson
	}
	b.lesson = nil
	return encode(&okView{OK: true})
}

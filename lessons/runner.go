package lessons

import (
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// Runner plays a lesson on a simulated cluster: it owns the cluster, knows the
// current step, evaluates the step's check against what happened since the step
// began, and moves between steps. The page drives one through the wasm bridge and
// `raftplay lesson run` drives one from the terminal:
//
//	r, err := lessons.NewRunner(l)  // the cluster of the lesson's scenario, at step 1
//	r.Act(sim.Action{Type: sim.ActCrash, Peer: 2}) // what the learner does
//	r.RunTicks(1)                   // time passes; the check is evaluated every tick
//	if passed, _ := r.Check(); passed {
//		r.Advance()                 // on to the next step, on the same run
//	}
//
// Once a step's check has passed it stays passed (a check may hold for a moment only).
// A Runner is not safe for concurrent use.
type Runner struct {
	lesson   *Lesson
	cluster  *sim.Cluster
	index    int // the current step, from 0
	eval     *Evaluator
	passed   bool
	result   Result // the last evaluation, or the passing one once passed
	lastMove int64  // virtual time of the step's start or of the learner's last action
	entries  []entry
}

// entry is how a step began, so that the runner can go back to it: replaying the
// run's scenario for the same number of events gives exactly that state.
type entry struct {
	scenario sim.Scenario
	steps    int64
}

// ErrNotPassed is returned by Advance while the step's check has not passed.
var ErrNotPassed = errors.New("lessons: the step's check has not passed yet")

// NewRunner starts the lesson at its first step.
func NewRunner(l *Lesson) (*Runner, error) {
	r := &Runner{lesson: l}
	if err := r.Start(); err != nil {
		return nil, err
	}
	return r, nil
}

// Start (re)starts the lesson at its first step, on a fresh cluster.
func (r *Runner) Start() error {
	c, err := sim.New(r.lesson.Scenario)
	if err != nil {
		return fmt.Errorf("lessons: %s: start the scenario: %w", r.lesson.File, err)
	}
	r.cluster = c
	r.entries = r.entries[:0]
	return r.begin(0)
}

// begin makes step i the current one, on a fresh cluster if the step says so.
func (r *Runner) begin(i int) error {
	st := r.lesson.Steps[i]
	if st.Start != nil {
		c, err := sim.New(*st.Start)
		if err != nil {
			return fmt.Errorf("lessons: %s: step %d: start the scenario: %w", r.lesson.File, i+1, err)
		}
		r.cluster = c
	}
	r.index = i
	r.entries = append(r.entries[:i], entry{scenario: r.cluster.Scenario(), steps: r.cluster.Steps()})
	r.restartCheck()
	return nil
}

// restartCheck evaluates the step's check from now on.
func (r *Runner) restartCheck() {
	r.eval = NewEvaluator(r.Step().Check, MarkOf(r.cluster))
	r.passed = false
	r.lastMove = r.cluster.Now()
	r.Evaluate()
}

// Lesson returns the lesson being played.
func (r *Runner) Lesson() *Lesson { return r.lesson }

// Cluster returns the cluster the lesson runs on. Drive it through the runner (Act,
// RunTicks) so that every check is evaluated; if you step it yourself, call Evaluate
// afterwards.
func (r *Runner) Cluster() *sim.Cluster { return r.cluster }

// Index returns the current step's position, from 0.
func (r *Runner) Index() int { return r.index }

// Step returns the current step.
func (r *Runner) Step() *Step { return r.lesson.Steps[r.index] }

// Passed reports whether the current step's check has passed.
func (r *Runner) Passed() bool { return r.passed }

// Mark returns the mark the current step's check counts from.
func (r *Runner) Mark() Mark { return r.eval.Mark() }

// Evaluate evaluates the current step's check now. Once it passes, the passing result
// is kept for the rest of the step.
func (r *Runner) Evaluate() Result {
	if r.passed {
		return r.result
	}
	r.result = r.eval.Evaluate(r.cluster)
	r.passed = r.result.Passed
	return r.result
}

// Check evaluates the current step's check and returns whether it passed, with one
// line saying what passed or what it still waits for.
func (r *Runner) Check() (passed bool, detail string) {
	res := r.Evaluate()
	return res.Passed, res.Detail
}

// Act applies a learner's action to the cluster now and evaluates the check.
func (r *Runner) Act(a sim.Action) error {
	if err := r.cluster.Act(a); err != nil {
		return err
	}
	r.lastMove = r.cluster.Now()
	r.Evaluate()
	return nil
}

// Do makes a move: applies its action (aimed at the leader of the moment, if it says
// so), or lets its ticks pass.
func (r *Runner) Do(m Move) error {
	if m.IsWait() {
		r.RunTicks(m.Wait)
		return nil
	}
	a, err := m.Resolve(r.cluster.Leader())
	if err != nil {
		return err
	}
	if m.Pick != nil {
		if a.Msg, err = m.Pick.PickIn(r.cluster.InFlight()); err != nil {
			return err
		}
	}
	return r.Act(a)
}

// RunTicks lets n ticks of virtual time pass, evaluating the check after each, and
// reports whether it has passed.
func (r *Runner) RunTicks(n int) bool {
	for range n {
		r.cluster.RunTicks(1)
		r.Evaluate()
	}
	return r.passed
}

// RunUntilPassed lets time pass until the check passes, for at most maxTicks ticks,
// and returns how many ticks it took (the tick in which it passed counts). It stops
// at the very event that makes the check pass, not at the end of that tick: the next
// step then begins right there, so a learner told to watch what follows (the votes
// after a timeout) sees it happen in that step instead of finding it already done.
func (r *Runner) RunUntilPassed(maxTicks int) (ticks int, passed bool) {
	for ticks = 0; !r.passed && ticks < maxTicks; ticks++ {
		r.runTickUntilPassed()
	}
	return ticks, r.passed
}

// runTickUntilPassed lets one tick of time pass event by event, evaluating the check
// after each event, and stops early at the event that makes it pass.
func (r *Runner) runTickUntilPassed() {
	end := r.cluster.Now() + r.lesson.tick(r.index)
	for !r.passed && r.cluster.StepUntil(end) {
		r.Evaluate()
	}
	if !r.passed {
		r.cluster.RunUntil(end)
		r.Evaluate()
	}
}

// TakeReference makes the step's reference moves (the "show me" of the page, Enter in
// the terminal), then lets time pass until the check passes, for at most the step's
// WithinTicks. It reports whether the check passed; an error means a move could not
// be made in the state the cluster is in.
func (r *Runner) TakeReference() (bool, error) {
	st := r.Step()
	for i, m := range st.Reference {
		if err := r.Do(m); err != nil {
			return false, fmt.Errorf("lessons: %s: step %d: reference move %d (%s): %w", r.lesson.File, st.Number, i+1, m.Text, err)
		}
	}
	_, passed := r.RunUntilPassed(st.WithinTicks)
	return passed, nil
}

// Advance moves on to the next step, on the same run (or on the fresh cluster the next
// step starts from). It returns ErrNotPassed while the check has not passed, and an
// error after the last step.
func (r *Runner) Advance() error {
	if !r.passed {
		return ErrNotPassed
	}
	if r.index+1 >= len(r.lesson.Steps) {
		return errors.New("lessons: this is the last step")
	}
	return r.begin(r.index + 1)
}

// Back returns to the start of the previous step, exactly as the run was then (the
// current step's start, on the first step).
func (r *Runner) Back() error {
	return r.rewind(max(r.index-1, 0))
}

// RestartStep returns to the start of the current step.
func (r *Runner) RestartStep() error { return r.rewind(r.index) }

// rewind replays the run up to the start of step i.
func (r *Runner) rewind(i int) error {
	e := r.entries[i]
	c, err := sim.ReplaySteps(e.scenario, e.steps)
	if err != nil {
		return fmt.Errorf("lessons: %s: replay to step %d: %w", r.lesson.File, i+1, err)
	}
	r.cluster = c
	r.index = i
	r.entries = r.entries[:i+1]
	r.restartCheck()
	return nil
}

// GoTo starts the lesson again and plays the reference path of every step before
// step i (from 0), so that step i begins as a deep link to it expects.
func (r *Runner) GoTo(i int) error {
	if i < 0 || i >= len(r.lesson.Steps) {
		return fmt.Errorf("lessons: %s has steps 1 to %d, not %d", r.lesson.File, len(r.lesson.Steps), i+1)
	}
	if err := r.Start(); err != nil {
		return err
	}
	for r.index < i {
		passed, err := r.TakeReference()
		if err != nil {
			return err
		}
		if !passed {
			return fmt.Errorf("lessons: %s: step %d: the reference path did not pass its check", r.lesson.File, r.index+1)
		}
		if err := r.Advance(); err != nil {
			return err
		}
	}
	return nil
}

// Rebind makes the runner use c, which must be the same run as the runner's cluster
// (a copy of it, or a replay the page rewound) at or after the current step's start.
// The check is evaluated afresh on c from the step's start.
func (r *Runner) Rebind(c *sim.Cluster) error {
	if c.Steps() < r.entries[r.index].steps {
		return fmt.Errorf("lessons: rebind: the cluster (%d events) is before the step's start (%d events)", c.Steps(), r.entries[r.index].steps)
	}
	mark := r.eval.Mark()
	r.cluster = c
	r.eval = NewEvaluator(r.Step().Check, mark)
	r.passed = false
	r.Evaluate()
	return nil
}

// Status is the runner's state for the page, as JSON.
type Status struct {
	Lesson string `json:"lesson"`
	// Step is the current step's number, from 1, of Steps.
	Step  int `json:"step"`
	Steps int `json:"steps"`
	// Passed, Parts and Detail are the check's verdict (see Result).
	Passed bool         `json:"passed"`
	Parts  []PartResult `json:"parts"`
	Detail string       `json:"detail"`
	// TicksSinceMove counts the ticks since the learner's last action (or the step's
	// start); Overdue is set when that exceeds WithinTicks without a pass: the page can
	// suggest restarting the step.
	TicksSinceMove int  `json:"ticks_since_move"`
	WithinTicks    int  `json:"within_ticks"`
	Overdue        bool `json:"overdue"`
	// Last is set on the last step.
	Last bool `json:"last"`
	// Time is the virtual time in ms.
	Time int64 `json:"time"`
}

// Status evaluates the check and returns the runner's state.
func (r *Runner) Status() Status {
	res := r.Evaluate()
	st := r.Step()
	since := int((r.cluster.Now() - r.lastMove) / r.lesson.tick(r.index))
	return Status{Lesson: r.lesson.ID, Step: st.Number, Steps: len(r.lesson.Steps), Passed: res.Passed,
		Parts: res.Parts, Detail: res.Detail, TicksSinceMove: since, WithinTicks: st.WithinTicks,
		Overdue: !res.Passed && since > st.WithinTicks, Last: r.index == len(r.lesson.Steps)-1,
		Time: r.cluster.Now()}
}

// tick returns the tick length (ms) of the scenario step i runs on.
func (l *Lesson) tick(i int) int64 {
	for ; i >= 0; i-- {
		if l.Steps[i].Start != nil {
			return l.Steps[i].Start.Options.Tick
		}
	}
	return l.Scenario.Options.Tick
}

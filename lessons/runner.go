package lessons

import (
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// Runner plays a lesson on a run of the simulator: it owns the run (a sim.Timeline, so
// it can move back and forth in time), knows the current step, evaluates the step's
// check against what happened since the step began, and moves between steps. The page
// drives one through the wasm bridge and `raftplay lesson run` drives one from the
// terminal:
//
//	r, err := lessons.NewRunner(l)  // the cluster of the lesson's scenario, at step 1
//	r.Act(sim.Action{Type: sim.ActCrash, Peer: 2}) // what the learner does
//	r.RunTicks(1)                   // time passes; the check is evaluated every tick
//	if passed, _ := r.Check(); passed {
//		r.Advance()                 // on to the next step, on the same run
//	}
//
// Once a step's check has passed it stays passed (a check may hold for a moment only).
// Within a step the run can go back in time (SeekTime, SeekSteps), but not to before
// the step began: Back and RestartStep go to a step's start. A move made after going
// back forks the run, as on the page: the future recorded beyond that point is
// discarded.
// A Runner is not safe for concurrent use.
type Runner struct {
	lesson   *Lesson
	tl       *sim.Timeline
	index    int // the current step, from 0
	eval     *Evaluator
	passed   bool
	result   Result       // the last evaluation, or the passing one once passed
	seen     *sim.Cluster // the live cluster evaluated last: a seek replaces it
	lastMove int64        // virtual time of the step's start or of the learner's last action
	moves    int          // the learner's actions since the step began (a seek back keeps the count)
	entries  []entry
	forked   *sim.Point // the end the last action discarded, if it forked the run
}

// entry is where a step began, so that the runner can go back to it: that point of
// the run the step began on, and the scenario's actions that were still to come then
// (a lesson's scenario may schedule some; the learner's later moves are not among them).
type entry struct {
	tl     *sim.Timeline
	at     sim.Point
	future []sim.Action
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
	tl, err := sim.NewTimeline(r.lesson.Scenario)
	if err != nil {
		return fmt.Errorf("lessons: %s: start the scenario: %w", r.lesson.File, err)
	}
	r.tl = tl
	r.entries = r.entries[:0]
	return r.begin(0)
}

// begin makes step i the current one, on a fresh run if the step says so.
func (r *Runner) begin(i int) error {
	st := r.lesson.Steps[i]
	if st.Start != nil {
		tl, err := sim.NewTimeline(*st.Start)
		if err != nil {
			return fmt.Errorf("lessons: %s: step %d: start the scenario: %w", r.lesson.File, i+1, err)
		}
		r.tl = tl
	}
	r.index = i
	c := r.tl.Cluster()
	r.entries = append(r.entries[:i], entry{tl: r.tl, at: r.tl.Now(), future: c.Scenario().Actions[c.AppliedActions():]})
	r.restartCheck()
	return nil
}

// restartCheck evaluates the step's check from now on.
func (r *Runner) restartCheck() {
	r.seen = r.Cluster()
	r.eval = NewEvaluator(r.Step().Check, MarkOf(r.seen))
	r.passed = false
	r.lastMove = r.seen.Now()
	r.moves = 0
	r.Evaluate()
}

// Lesson returns the lesson being played.
func (r *Runner) Lesson() *Lesson { return r.lesson }

// Cluster returns the cluster the lesson runs on, as it is now (a seek replaces it).
// Drive it through the runner (Act, RunTicks, SeekTime) so that every check is evaluated;
// if you move its Timeline yourself, call Evaluate afterwards.
func (r *Runner) Cluster() *sim.Cluster { return r.tl.Cluster() }

// Timeline returns the run the lesson plays on: the current step's.
func (r *Runner) Timeline() *sim.Timeline { return r.tl }

// StepStart returns where the current step began: the earliest point a seek may go to.
func (r *Runner) StepStart() sim.Point { return r.entries[r.index].at }

// Index returns the current step's position, from 0.
func (r *Runner) Index() int { return r.index }

// Step returns the current step.
func (r *Runner) Step() *Step { return r.lesson.Steps[r.index] }

// Passed reports whether the current step's check has passed.
func (r *Runner) Passed() bool { return r.passed }

// Mark returns the mark the current step's check counts from.
func (r *Runner) Mark() Mark { return r.eval.Mark() }

// Evaluate evaluates the current step's check now. Once it passes, the passing result
// is kept for the rest of the step. After a seek (the run is another cluster now) the
// check is evaluated afresh, from the step's start, on the run as it is now.
func (r *Runner) Evaluate() Result {
	r.follow()
	if r.passed {
		return r.result
	}
	r.result = r.eval.Evaluate(r.seen)
	r.passed = r.result.Passed
	return r.result
}

// follow notices a seek: the run is another cluster now, on which the check is
// evaluated afresh from the step's start (the mark stays: the same run, replayed).
func (r *Runner) follow() {
	if c := r.Cluster(); c != r.seen {
		r.seen = c
		r.eval = NewEvaluator(r.Step().Check, r.eval.Mark())
		r.passed = false
		r.lastMove = min(r.lastMove, c.Now())
	}
}

// Check evaluates the current step's check and returns whether it passed, with one
// line saying what passed or what it still waits for.
func (r *Runner) Check() (passed bool, detail string) {
	res := r.Evaluate()
	return res.Passed, res.Detail
}

// Act applies a learner's action to the run now and evaluates the check. Acting
// before the end of the run (after a Seek back) forks it; Forked then says so.
func (r *Runner) Act(a sim.Action) error {
	r.follow() // notice a seek before the action changes the run
	forked, discarded, err := r.tl.Act(a)
	if err != nil {
		return err
	}
	r.forked = nil
	if forked {
		r.forked = &discarded
	}
	r.lastMove = r.Cluster().Now()
	r.moves++
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
	a, err := m.Resolve(r.Cluster().Leader())
	if err != nil {
		return err
	}
	if m.Pick != nil {
		if a.Msg, err = m.Pick.PickIn(r.Cluster().InFlight()); err != nil {
			return err
		}
	}
	return r.Act(a)
}

// RunTicks lets n ticks of virtual time pass, evaluating the check after each, and
// reports whether it has passed.
func (r *Runner) RunTicks(n int) bool {
	for range n {
		r.tl.RunUntil(r.Cluster().Now() + r.tl.Tick())
		r.Evaluate()
	}
	return r.passed
}

// RunUntilPassed lets time pass until the check passes, for at most maxTicks ticks,
// and returns how many ticks it took (the tick in which it passed counts). It stops
// at the very event that makes the check pass, not at the end of that tick: the next
// step then begins right there, so a learner told to watch what follows (the votes
// after a timeout) sees it happen in that step instead of finding it already done.
// It stops as well once the check has failed for good (Result.Failed): waiting longer
// cannot help.
func (r *Runner) RunUntilPassed(maxTicks int) (ticks int, passed bool) {
	for ticks = 0; !r.passed && !r.Evaluate().Failed && ticks < maxTicks; ticks++ {
		r.runTickUntilPassed()
	}
	return ticks, r.passed
}

// runTickUntilPassed lets one tick of time pass event by event, evaluating the check
// after each event, and stops early at the event that makes it pass.
func (r *Runner) runTickUntilPassed() {
	end := r.Cluster().Now() + r.tl.Tick()
	for !r.passed && r.tl.StepUntil(end) {
		r.Evaluate()
	}
	if !r.passed {
		r.tl.RunUntil(end)
		r.Evaluate()
	}
}

// TakeReference makes the step's reference moves (the "show me" of the page, Enter in
// the terminal), then lets time pass until the check passes, for at most the step's
// WithinTicks. It reports whether the check passed; an error means a move could not
// be made in the state the cluster is in.
func (r *Runner) TakeReference() (bool, error) {
	if err := r.MakeReferenceMoves(); err != nil {
		return false, err
	}
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	return passed, nil
}

// MakeReferenceMoves makes the step's reference moves now (the page's "Show me": the
// learner then watches what follows as time runs on). An observe step has none.
func (r *Runner) MakeReferenceMoves() error {
	st := r.Step()
	for i, m := range st.Reference {
		if err := r.Do(m); err != nil {
			return fmt.Errorf("lessons: %s: step %d: reference move %d (%s): %w", r.lesson.File, st.Number, i+1, m.Text, err)
		}
	}
	return nil
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

// rewind goes back to the start of step i on the run it began on (a checkpoint and a
// replay) and replaces the run's future from there by the one it had then: the step
// begins afresh.
func (r *Runner) rewind(i int) error {
	e := r.entries[i]
	if _, err := e.tl.Seek(e.at); err != nil {
		return fmt.Errorf("lessons: %s: go back to step %d: %w", r.lesson.File, i+1, err)
	}
	if err := e.tl.SetFuture(e.future); err != nil {
		return fmt.Errorf("lessons: %s: go back to step %d: %w", r.lesson.File, i+1, err)
	}
	r.tl = e.tl
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

// Status is the runner's state for the page, as JSON.
type Status struct {
	Lesson string `json:"lesson"`
	// Step is the current step's number, from 1, of Steps.
	Step  int `json:"step"`
	Steps int `json:"steps"`
	// Passed, Failed, Parts and Detail are the check's verdict (see Result). Failed: the
	// step can no longer pass on this run (events came in an order its check forbids);
	// the learner restarts it or goes back.
	Passed bool         `json:"passed"`
	Failed bool         `json:"failed"`
	Parts  []PartResult `json:"parts"`
	Detail string       `json:"detail"`
	// TicksSinceMove counts the ticks since the learner's last action (or the step's
	// start: when the learner went on to it, which is when the page shows it, paused).
	// AllowedTicks is how many the step allows from there: WithinTicks, plus the waits
	// its reference path asks for at that point (lesson 19 step 5 waits 80 ticks between
	// adding S4 and promoting it). Overdue is set when TicksSinceMove exceeds it without
	// a pass: the page can suggest restarting the step.
	TicksSinceMove int  `json:"ticks_since_move"`
	WithinTicks    int  `json:"within_ticks"`
	AllowedTicks   int  `json:"allowed_ticks"`
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
	now := r.Cluster().Now()
	since := int(max(0, now-r.lastMove) / r.tl.Tick())
	allowed := st.WithinTicks + waitsAfter(st.Reference, r.moves)
	return Status{Lesson: r.lesson.ID, Step: st.Number, Steps: len(r.lesson.Steps), Passed: res.Passed,
		Failed: res.Failed, Parts: res.Parts, Detail: res.Detail, TicksSinceMove: since, WithinTicks: st.WithinTicks,
		AllowedTicks: allowed, Overdue: !res.Passed && since > allowed, Last: r.index == len(r.lesson.Steps)-1,
		Time: now}
}

// waitsAfter returns the ticks a reference path waits after its n-th action (n = 0:
// before its first) and before the next one: how long a learner who has made n moves
// is asked to let time run before the next.
func waitsAfter(ref []Move, n int) int {
	actions, ticks := 0, 0
	for _, m := range ref {
		switch {
		case !m.IsWait() && actions == n:
			return ticks
		case !m.IsWait():
			actions++
		case actions == n:
			ticks += m.Wait
		}
	}
	return ticks
}

package lessons

import (
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// Moving a lesson's run in time, as the page's time slider does and as `raftplay
// lesson run` does with "back N" and "seek T": forward tick by tick with the check
// evaluated on the way, back and forth within the current step, and acting in the past,
// which forks the run (sim.Timeline).

// RunUntil lets virtual time pass up to t (as the page's run does). While the check has
// not passed it goes to each tick boundary in turn (multiples of the tick length) and
// evaluates the check there, so that a state that holds for a moment only is seen.
func (r *Runner) RunUntil(t int64) {
	tick := r.tl.Tick()
	r.Evaluate()
	for now := r.Cluster().Now(); now < t && !r.passed; now = r.Cluster().Now() {
		r.tl.RunUntil(min(t, (now/tick+1)*tick))
		r.Evaluate()
	}
	r.tl.RunUntil(t)
}

// StepEvents processes up to n events, evaluating the check after them, and returns
// how many it processed.
func (r *Runner) StepEvents(n int64) int64 {
	done := r.tl.Step(n)
	r.Evaluate()
	return done
}

// BeforeStepError is the error of a seek to before the current step began.
type BeforeStepError struct {
	// Step is the current step's number, from 1.
	Step int
	// Start is where the step began.
	Start sim.Point
	// ByTime is set when the seek named a time (SeekTime), not a step count (SeekSteps).
	ByTime bool
}

func (e *BeforeStepError) Error() string {
	if e.ByTime {
		return fmt.Sprintf("step %d began at %d ms: scrub back no further (going back a step goes further)", e.Step, e.Start.Time)
	}
	return fmt.Sprintf("step %d began at event %d: scrub back no further (going back a step goes further)", e.Step, e.Start.Steps)
}

// SeekTime moves the run to virtual time t (every event due by t processed) within the
// current step, back or forward up to the furthest point reached, and evaluates the
// check afresh. It returns how many events it replayed. A time before the step began
// is refused: Back goes to the previous step.
func (r *Runner) SeekTime(t int64) (replayed int64, err error) {
	if start := r.StepStart(); t < start.Time {
		return 0, &BeforeStepError{Step: r.Step().Number, Start: start, ByTime: true}
	}
	replayed, err = r.tl.SeekTime(t)
	r.Evaluate()
	return replayed, err
}

// SeekSteps moves the run to the point after exactly steps events, within the current
// step, as SeekTime does by time.
func (r *Runner) SeekSteps(steps int64) (replayed int64, err error) {
	if start := r.StepStart(); steps < start.Steps {
		return 0, &BeforeStepError{Step: r.Step().Number, Start: start}
	}
	replayed, err = r.tl.SeekSteps(steps)
	r.Evaluate()
	return replayed, err
}

// Forked reports whether the last action forked the run, and if so the end of the
// future it discarded.
func (r *Runner) Forked() (discarded sim.Point, forked bool) {
	if r.forked == nil {
		return sim.Point{}, false
	}
	return *r.forked, true
}

package lessons

import (
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// StepReport is the verdict on one step of a lesson's reference run.
type StepReport struct {
	Step  int    `json:"step"`
	Title string `json:"title"`
	// Passed: the reference path satisfied the check within the step's bound, and (for
	// a step with an action) the check did not pass without the action.
	Passed bool `json:"passed"`
	// Ticks is how many ticks after the reference moves the check passed.
	Ticks int `json:"ticks"`
	// Observe marks a step without an action: it is exempt from the negative tests.
	Observe bool `json:"observe"`
	// WrongMoves counts the plausible wrong versions of the reference path that were
	// played and did not pass the check (see wrongPaths).
	WrongMoves int `json:"wrong_moves"`
	// Problem says what went wrong; empty when Passed.
	Problem string `json:"problem,omitempty"`
}

// Report is the verdict on one lesson.
type Report struct {
	Lesson *Lesson      `json:"-"`
	Steps  []StepReport `json:"steps"`
}

// Failures counts the steps that did not pass.
func (r *Report) Failures() int {
	n := 0
	for _, s := range r.Steps {
		if !s.Passed {
			n++
		}
	}
	return n
}

// Verify replays the lesson's reference path through the real simulator and checks
// every step: its reference moves must make its check pass within WithinTicks ticks,
// and for a step with an action, the same step played without its action (the waits
// only, then WithinTicks ticks) must not pass: a check that passes without the action
// does not check what the learner did. Once a step fails, the later ones are reported
// as not run, since they begin where it should have ended.
func Verify(l *Lesson) Report {
	rep := Report{Lesson: l}
	r, err := NewRunner(l)
	for i, st := range l.Steps {
		sr := StepReport{Step: st.Number, Title: st.Title, Observe: st.Observe}
		switch {
		case err != nil:
			sr.Problem = "not run: " + err.Error()
		default:
			sr.Passed, sr.Ticks, sr.WrongMoves, sr.Problem = verifyStep(r)
			if sr.Passed && i+1 < len(l.Steps) {
				err = r.Advance()
			}
			if !sr.Passed {
				err = fmt.Errorf("step %d failed", st.Number)
			}
		}
		rep.Steps = append(rep.Steps, sr)
	}
	return rep
}

// verifyStep runs the current step of r without its action, then with its reference
// moves (leaving r at the moment the check passed).
func verifyStep(r *Runner) (passed bool, ticks, wrong int, problem string) {
	st := r.Step()
	if !st.Observe {
		if tick, hit := r.passesWithoutAction(); hit {
			return false, 0, 0, fmt.Sprintf("the check passes without the step's action (%d ticks into the step): it does not check what the learner does", tick)
		}
		var what string
		var tick int
		var hit bool
		if what, tick, wrong, hit = r.passesWithWrongMove(); hit {
			return false, 0, wrong, fmt.Sprintf("the check passes with a wrong move, %s (%d ticks into the step): it does not tell the asked move from a mistake", what, tick)
		}
	}
	for i, m := range st.Reference {
		if err := r.Do(m); err != nil {
			return false, 0, wrong, fmt.Sprintf("reference move %d (%s) cannot be made: %v", i+1, m.Text, err)
		}
	}
	ticks, passed = r.RunUntilPassed(st.WithinTicks)
	if !passed {
		return false, ticks, wrong, fmt.Sprintf("the reference path did not satisfy the check within %d ticks: %s", st.WithinTicks, r.result.Detail)
	}
	vs := r.Cluster().Violations()
	unsafe := r.Cluster().Scenario().Options.Unsafe != (sim.Unsafe{})
	if n := r.Mark().Violations; len(vs) > n && !unsafe && !expectsViolation(st.Check) {
		v := vs[n]
		return false, ticks, wrong, fmt.Sprintf("the reference run broke %s at %d ms: %s", v.Invariant, v.Time, v.Description)
	}
	return true, ticks, wrong, ""
}

// passesWithoutAction plays the step from its start (on a copy of the run, which is
// at the step's start) with the waits of the reference path only, then WithinTicks
// ticks more, evaluating the check after every tick. It reports whether (and after how
// many ticks) the check passed.
func (r *Runner) passesWithoutAction() (int, bool) {
	st := r.Step()
	c := r.Cluster().Clone()
	ev := NewEvaluator(st.Check, MarkOf(c))
	total := st.WithinTicks
	for _, m := range st.Reference {
		total += m.Wait
	}
	if ev.Evaluate(c).Passed {
		return 0, true
	}
	tick := r.tl.Tick()
	for n := 1; n <= total; n++ {
		// Event by event, as RunUntilPassed runs the step with the action: a check that
		// holds for a moment within a tick counts.
		end := c.Now() + tick
		for c.StepUntil(end) {
			if ev.Evaluate(c).Passed {
				return n, true
			}
		}
		c.RunUntil(end)
		if ev.Evaluate(c).Passed {
			return n, true
		}
	}
	return 0, false
}

// expectsViolation reports whether a check looks for a safety violation: in such a
// step (an unsafe lesson) violations are the point.
func expectsViolation(c *Check) bool {
	found := false
	c.walk(func(sub *Check) { found = found || sub.Violation != nil })
	return found
}

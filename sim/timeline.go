package sim

import (
	"errors"
	"fmt"
)

// Checkpoint policy of a Timeline. A checkpoint (Cluster.Checkpoint: a frozen copy
// whose size does not grow with the run) is taken every `every` steps as the run goes
// forward. Going to a point restores the nearest checkpoint at or before it and replays
// the rest, so a rewind costs one restore plus at most `every` steps, however long the
// run. Memory stays bounded: past MaxCheckpoints, every other one is dropped and the
// spacing doubles, so the checkpoints always cover the whole run evenly.
const (
	// firstSpacing is the initial distance between checkpoints, in steps.
	firstSpacing = 2048
	// MaxCheckpoints bounds how many checkpoints a Timeline keeps (each holds about
	// 150 KB, most of it its trace events).
	MaxCheckpoints = 128
	// CheckpointTrace is how many trace events a checkpoint keeps; a restored cluster
	// takes the older ones back from the cluster it replaces (Cluster.AdoptTrace).
	CheckpointTrace = 500
	// TimelineTraceLimit is how many trace events a Timeline's live cluster keeps:
	// between half of it and all of it.
	TimelineTraceLimit = 20_000
)

// Point is a point of a run: after Steps events, at virtual time Time (ms). The clock
// may have run on past the last event, so both are needed to name a point exactly.
type Point struct {
	Steps int64 `json:"steps"`
	Time  int64 `json:"time"`
}

// Timeline is one run that can be moved along in both directions: the live cluster,
// the checkpoints taken on the way, and how far the run has gone (its end). Every point
// between the start and the end can be revisited exactly (Seek, SeekSteps, SeekTime);
// acting anywhere before the end forks the run: the recorded future is discarded and a
// new one begins from there. The playground's time slider and `raftplay lesson run`
// both move along one, and a lessons.Runner plays its lesson on one.
//
// Drive the live cluster only through the Timeline (Step, StepUntil, RunUntil, Act), so
// that it sees every step. A seek replaces the live cluster: ask Cluster() again after
// one. A Timeline is not safe for concurrent use.
type Timeline struct {
	live  *Cluster
	tick  int64 // ms per tick
	cps   []*Checkpoint
	every int64
	// end is the furthest point reached on this timeline.
	end Point
	// far is the cluster at the end after a rewind, kept (never run) for its trace, so
	// that moving forward again finds the events it already traced.
	far *Cluster
}

// NewTimeline starts a run of sc at its beginning, keeping its trace.
func NewTimeline(sc Scenario) (*Timeline, error) {
	c, err := NewWithConfig(sc, RunConfig{KeepTrace: true, TraceLimit: TimelineTraceLimit})
	if err != nil {
		return nil, err
	}
	tl := &Timeline{live: c, tick: sc.Options.Tick, every: firstSpacing}
	tl.cps = []*Checkpoint{c.Checkpoint(CheckpointTrace)}
	return tl, nil
}

// Cluster returns the live cluster: the run as it is at the timeline's current point.
// A seek replaces it.
func (tl *Timeline) Cluster() *Cluster { return tl.live }

// Tick returns the length of a tick of this run, in ms.
func (tl *Timeline) Tick() int64 { return tl.tick }

// Now returns the current point.
func (tl *Timeline) Now() Point { return Point{Steps: tl.live.Steps(), Time: tl.live.Now()} }

// End returns the furthest point the run has reached: a seek may go anywhere up to it.
func (tl *Timeline) End() Point { return tl.end }

// Checkpoints returns how many checkpoints are kept, and Spacing how many steps apart
// they are taken now.
func (tl *Timeline) Checkpoints() int { return len(tl.cps) }

// Spacing returns how many steps apart checkpoints are taken now.
func (tl *Timeline) Spacing() int64 { return tl.every }

// advanced records progress of the live cluster after one step: the end of the
// timeline moves, and a checkpoint is taken when one is due. It must be called right
// after a step (or an action), when the clock is at the time of that event: a
// checkpoint is then exactly the state a replay reaches after that many steps.
func (tl *Timeline) advanced() {
	c := tl.live
	if c.Steps() > tl.end.Steps {
		tl.end = Point{c.Steps(), c.Now()}
	}
	if tl.far != nil && c.Steps() >= tl.far.Steps() {
		tl.far = nil
	}
	if c.Steps()-tl.cps[len(tl.cps)-1].Steps() < tl.every {
		return
	}
	tl.cps = append(tl.cps, c.Checkpoint(CheckpointTrace))
	if len(tl.cps) > MaxCheckpoints {
		kept := tl.cps[:1]
		for i := 2; i < len(tl.cps); i += 2 {
			kept = append(kept, tl.cps[i])
		}
		clear(tl.cps[len(kept):])
		tl.cps = kept
		tl.every *= 2
	}
}

// moved notes a move of the clock without a step (RunUntil past the last event).
func (tl *Timeline) moved() {
	if tl.live.Steps() >= tl.end.Steps && tl.live.Now() > tl.end.Time {
		tl.end.Time = tl.live.Now()
	}
}

// Step processes up to n events and returns how many it processed.
func (tl *Timeline) Step(n int64) int64 {
	var done int64
	for done < n && tl.live.Step() {
		done++
		tl.advanced()
	}
	return done
}

// StepUntil processes the next event if it is due by time t, and reports whether it
// did (Cluster.StepUntil): to run to a time one event at a time.
func (tl *Timeline) StepUntil(t int64) bool {
	if !tl.live.StepUntil(t) {
		return false
	}
	tl.advanced()
	return true
}

// RunUntil processes every event due by t and sets the clock to t.
func (tl *Timeline) RunUntil(t int64) {
	for tl.StepUntil(t) {
	}
	tl.live.RunUntil(t)
	tl.moved()
}

// Act applies an action now (Cluster.Act). Acting before the end of the timeline forks
// it: the recorded future (the actions and the checkpoints beyond now) is discarded,
// and forked says so; the discarded end is returned so that a caller can tell the user
// what was lost. A failed action changes nothing, so it forks nothing.
func (tl *Timeline) Act(a Action) (forked bool, discarded Point, err error) {
	c := tl.live
	if !c.Stopped() {
		for tl.StepUntil(c.Now()) {
		}
	}
	future := c.Scenario().Actions[c.AppliedActions():]
	forks := tl.HasFuture()
	oldCps, oldEnd, oldFar := tl.cps, tl.end, tl.far
	if forks {
		if err := tl.SetFuture(nil); err != nil {
			return false, Point{}, err
		}
	}
	if err := c.Act(a); err != nil {
		if forks {
			if ferr := c.SetFuture(future); ferr != nil {
				return false, Point{}, errors.Join(err, ferr)
			}
			tl.cps, tl.end, tl.far = oldCps, oldEnd, oldFar
		}
		return false, Point{}, err
	}
	tl.advanced()
	if !forks {
		return false, Point{}, nil
	}
	return true, oldEnd, nil
}

// HasFuture reports whether the run has a recorded future beyond now: steps already
// taken past this point, or scenario actions still to come.
func (tl *Timeline) HasFuture() bool {
	c := tl.live
	return c.Steps() < tl.end.Steps || c.AppliedActions() < len(c.Scenario().Actions)
}

// SetFuture replaces the recorded future of the run: the steps taken beyond now (and
// the checkpoints among them) and the actions still to come are discarded, the end of
// the timeline is now, and the run goes on with the actions of future instead (in time
// order, none before now; nil for none). Going back to a lesson step's start does this,
// with the scenario's actions that were still to come when the step began. On error
// nothing changes.
func (tl *Timeline) SetFuture(future []Action) error {
	c := tl.live
	if err := c.SetFuture(future); err != nil {
		return err
	}
	tl.far = nil
	keep := len(tl.cps)
	for keep > 1 && tl.cps[keep-1].Steps() > c.Steps() {
		keep--
	}
	tl.cps = tl.cps[:keep:keep]
	tl.end = tl.Now()
	return nil
}

// SeekSteps moves to the state the run was in after exactly steps events, anywhere
// between the start and the end of the timeline. It returns how many steps it
// replayed.
func (tl *Timeline) SeekSteps(steps int64) (int64, error) {
	if steps < 0 || steps > tl.end.Steps {
		return 0, fmt.Errorf("step %d is outside this run, which has %d steps so far", steps, tl.end.Steps)
	}
	return tl.seek(func(at Point) bool { return at.Steps <= steps }, func(c *Cluster) error {
		for c.Steps() < steps && c.Step() {
		}
		return nil
	})
}

// SeekTime moves to the state the run was in at virtual time t (every event due by t
// processed), anywhere between the start and the end of the timeline. It returns how
// many steps it replayed.
func (tl *Timeline) SeekTime(t int64) (int64, error) {
	if t < 0 || t > tl.end.Time {
		return 0, fmt.Errorf("time %d ms is outside this run, which has reached %d ms", t, tl.end.Time)
	}
	return tl.seek(func(at Point) bool { return at.Time <= t }, func(c *Cluster) error {
		c.RunUntil(t)
		return nil
	})
}

// Seek moves to point p exactly: after p.Steps events, with the clock at p.Time (a
// point taken with Now earlier on this timeline). It returns how many steps it
// replayed.
func (tl *Timeline) Seek(p Point) (int64, error) {
	if p.Steps < 0 || p.Steps > tl.end.Steps || p.Time > tl.end.Time {
		return 0, fmt.Errorf("point (step %d, %d ms) is outside this run, which has reached step %d, %d ms",
			p.Steps, p.Time, tl.end.Steps, tl.end.Time)
	}
	return tl.seek(func(at Point) bool { return at.Steps <= p.Steps && at.Time <= p.Time }, func(c *Cluster) error {
		for c.Steps() < p.Steps && c.StepUntil(p.Time) {
		}
		if c.Steps() == p.Steps && c.Now() < p.Time {
			// The clock ran on past the last event: no event is due before p.Time. One
			// may be due at p.Time itself: an action made at this point (Act applies
			// it after the point, as a step of its own), so the clock moves on to p.Time
			// without processing what is due then; any event due earlier is processed
			// and makes the check below refuse the point.
			for c.step(p.Time - 1) {
			}
			if !c.stopped && c.Steps() == p.Steps {
				c.now = p.Time
			}
		}
		if c.Steps() != p.Steps || c.Now() != p.Time {
			return fmt.Errorf("point (step %d, %d ms) is not on this run, which passes it at step %d, %d ms",
				p.Steps, p.Time, c.Steps(), c.Now())
		}
		return nil
	})
}

// seek moves to a target: the live cluster goes on to it when it is not past it
// (notPast) and at least as far as the latest checkpoint not past it; else that
// checkpoint is restored, with the timeline's recorded actions, and goes on to it.
// replay runs the cluster from there to the target. seek returns how many steps
// replay took.
func (tl *Timeline) seek(notPast func(Point) bool, replay func(*Cluster) error) (int64, error) {
	cp := tl.cps[0]
	for _, c := range tl.cps[1:] {
		if notPast(Point{c.Steps(), c.Now()}) {
			cp = c
		}
	}
	c := tl.live
	if !notPast(tl.Now()) || c.Steps() < cp.Steps() {
		c = cp.Restore()
		actions := tl.live.Scenario().Actions
		if err := c.SetFuture(actions[cp.AppliedActions():]); err != nil {
			return 0, fmt.Errorf("restore the checkpoint at step %d: %w", cp.Steps(), err)
		}
	}
	from := c.Steps()
	if err := replay(c); err != nil {
		return 0, err
	}
	return c.Steps() - from, tl.adopt(c)
}

// adopt makes c the live cluster, giving it back the older trace events of the one it
// replaces and of the cluster at the far end. The one it replaces becomes the far end
// when it was the furthest.
func (tl *Timeline) adopt(c *Cluster) error {
	old := tl.live
	if c != old {
		for _, src := range []*Cluster{old, tl.far} {
			if src == nil {
				continue
			}
			if _, err := c.AdoptTrace(src); err != nil {
				return fmt.Errorf("the replay diverged from the recorded run (a determinism bug): %w", err)
			}
		}
		if tl.far == nil || old.Steps() > tl.far.Steps() {
			tl.far = old
		}
		tl.live = c
	}
	if tl.far != nil && tl.far.Steps() <= c.Steps() {
		tl.far = nil
	}
	return nil
}

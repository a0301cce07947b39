package bridge

import (
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// Checkpoint policy. A checkpoint (sim.Cluster.Checkpoint: a frozen copy whose size does
// not grow with the run) is taken every `every` steps as the run goes forward. Going to
// a point restores the nearest checkpoint at or before it and replays the rest, so a
// rewind costs one restore plus at most `every` steps, however long the run. Memory
// stays bounded: past maxCheckpoints, every other one is dropped and the spacing
// doubles, so the checkpoints always cover the whole run evenly.
const (
	// firstSpacing is the initial distance between checkpoints, in steps.
	firstSpacing = 2048
	// maxCheckpoints bounds how many checkpoints are kept (each holds about 150 KB,
	// most of it its trace events).
	maxCheckpoints = 128
	// checkpointTrace is how many trace events a checkpoint keeps; a restored cluster
	// takes the older ones back from the cluster it replaces (sim.Cluster.AdoptTrace).
	checkpointTrace = 500
	// traceLimit is how many trace events the live cluster keeps for events(): between
	// half of it and all of it.
	traceLimit = 20_000
)

// timeline is one run the page can move along: the live cluster, the checkpoints taken
// on the way, and how far the run has gone (end). Everything between the start and end
// can be revisited exactly; acting anywhere before end forks a new timeline from there.
type timeline struct {
	live  *sim.Cluster
	tick  int64 // ms per tick
	cps   []*sim.Checkpoint
	every int64
	// end is the furthest point reached on this timeline.
	endSteps, endTime int64
	// far is the cluster at the end after a rewind, kept (never run) for its trace, so
	// that moving forward again finds the events it already traced.
	far *sim.Cluster
}

func newTimeline(sc sim.Scenario) (*timeline, error) {
	c, err := sim.NewWithConfig(sc, sim.RunConfig{KeepTrace: true, TraceLimit: traceLimit})
	if err != nil {
		return nil, err
	}
	tl := &timeline{live: c, tick: sc.Options.Tick, every: firstSpacing}
	tl.cps = []*sim.Checkpoint{c.Checkpoint(checkpointTrace)}
	return tl, nil
}

// advanced records progress of the live cluster after one step: the end of the
// timeline moves, and a checkpoint is taken when one is due. It must be called right
// after a step (or an action), when the clock is at the time of that event: a
// checkpoint is then exactly the state a replay reaches after that many steps.
func (tl *timeline) advanced() {
	c := tl.live
	if c.Steps() > tl.endSteps {
		tl.endSteps, tl.endTime = c.Steps(), c.Now()
	}
	if tl.far != nil && c.Steps() >= tl.far.Steps() {
		tl.far = nil
	}
	if c.Steps()-tl.cps[len(tl.cps)-1].Steps() < tl.every {
		return
	}
	tl.cps = append(tl.cps, c.Checkpoint(checkpointTrace))
	if len(tl.cps) > maxCheckpoints {
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
func (tl *timeline) moved() {
	if tl.live.Steps() >= tl.endSteps && tl.live.Now() > tl.endTime {
		tl.endTime = tl.live.Now()
	}
}

// step processes up to n events and returns how many it processed.
func (tl *timeline) step(n int64) int64 {
	var done int64
	for done < n && tl.live.Step() {
		done++
		tl.advanced()
	}
	return done
}

// runUntil processes every event due by t and sets the clock to t.
func (tl *timeline) runUntil(t int64) {
	for tl.live.StepUntil(t) {
		tl.advanced()
	}
	tl.live.RunUntil(t)
	tl.moved()
}

// act applies an action now. Acting before the end of the timeline forks it: the
// recorded future and the checkpoints beyond now are discarded (and kept if the action
// turns out not to apply).
func (tl *timeline) act(a sim.Action) error {
	c := tl.live
	if !c.Stopped() {
		for c.StepUntil(c.Now()) {
			tl.advanced()
		}
	}
	future := c.Scenario().Actions[c.AppliedActions():]
	forks := len(future) > 0 || c.Steps() < tl.endSteps
	oldCps, oldEndSteps, oldEndTime, oldFar := tl.cps, tl.endSteps, tl.endTime, tl.far
	if forks {
		tl.far = nil
		if err := c.SetFuture(nil); err != nil {
			return err
		}
		keep := len(tl.cps)
		for keep > 1 && tl.cps[keep-1].Steps() > c.Steps() {
			keep--
		}
		tl.cps = tl.cps[:keep:keep]
		tl.endSteps, tl.endTime = c.Steps(), c.Now()
	}
	if err := c.Act(a); err != nil {
		if forks {
			if ferr := c.SetFuture(future); ferr != nil {
				return errors.Join(err, ferr)
			}
			tl.cps, tl.endSteps, tl.endTime, tl.far = oldCps, oldEndSteps, oldEndTime, oldFar
		}
		return err
	}
	tl.advanced()
	return nil
}

// seekSteps moves to the state the run was in after exactly steps events, anywhere
// between the start and the end of the timeline. It returns how many steps it
// replayed.
func (tl *timeline) seekSteps(steps int64) (int64, error) {
	if steps < 0 || steps > tl.endSteps {
		return 0, fmt.Errorf("step %d is outside this run, which has %d steps so far", steps, tl.endSteps)
	}
	cp := tl.cps[0]
	for _, c := range tl.cps[1:] {
		if c.Steps() <= steps {
			cp = c
		}
	}
	c, err := tl.startFrom(cp, tl.live.Steps() <= steps && tl.live.Steps() >= cp.Steps())
	if err != nil {
		return 0, err
	}
	from := c.Steps()
	for c.Steps() < steps && c.Step() {
	}
	return c.Steps() - from, tl.adopt(c)
}

// seekTime moves to the state the run was in at virtual time t (every event due by t
// processed), anywhere between the start and the end of the timeline. It returns how
// many steps it replayed.
func (tl *timeline) seekTime(t int64) (int64, error) {
	if t < 0 || t > tl.endTime {
		return 0, fmt.Errorf("time %d ms is outside this run, which has reached %d ms", t, tl.endTime)
	}
	cp := tl.cps[0]
	for _, c := range tl.cps[1:] {
		if c.Now() <= t {
			cp = c
		}
	}
	c, err := tl.startFrom(cp, tl.live.Now() <= t && tl.live.Steps() >= cp.Steps())
	if err != nil {
		return 0, err
	}
	from := c.Steps()
	for c.StepUntil(t) {
	}
	c.RunUntil(t)
	return c.Steps() - from, tl.adopt(c)
}

// startFrom returns the cluster a seek continues: the live one itself when it is not
// past the target and at least as far as the checkpoint, else the checkpoint restored,
// to replay the timeline's recorded actions.
func (tl *timeline) startFrom(cp *sim.Checkpoint, useLive bool) (*sim.Cluster, error) {
	if useLive {
		return tl.live, nil
	}
	c := cp.Restore()
	actions := tl.live.Scenario().Actions
	if err := c.SetFuture(actions[cp.AppliedActions():]); err != nil {
		return nil, fmt.Errorf("restore the checkpoint at step %d: %w", cp.Steps(), err)
	}
	return c, nil
}

// adopt makes c the live cluster, giving it back the older trace events of the one it
// replaces and of the cluster at the far end. The one it replaces becomes the far end
// when it was the furthest.
func (tl *timeline) adopt(c *sim.Cluster) error {
	old := tl.live
	if c != old {
		for _, src := range []*sim.Cluster{old, tl.far} {
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

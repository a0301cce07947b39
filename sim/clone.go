package sim

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
)

// Checkpoints. The playground steps back in time by restoring a copy of the cluster
// taken earlier and running it forward to the moment wanted: the run is deterministic,
// so the copy continued reaches exactly the state the original had. Clone takes a full
// copy; Checkpoint takes a frozen one that is cheap to keep many of, and Restore turns
// it back into a running cluster. SetFuture hands a restored copy the actions recorded
// after it (or none, to fork a new future); AdoptTrace gives it back the older trace
// events it did not keep.

// Clone returns an independent deep copy of the cluster: continued, it runs exactly as
// the original would (same events, same TraceHash), and running either never affects
// the other. Entries and commands already written are shared, since nothing ever
// writes over them; everything that changes is copied.
func (c *Cluster) Clone() *Cluster { return c.CloneKeepingTrace(-1) }

// CloneKeepingTrace is Clone with at most the last keep trace events kept for Events
// (all of them if keep is negative). The trace's length and hash are always copied
// whole, so the clone runs on and hashes identically; only what Events can return from
// before the clone differs.
func (c *Cluster) CloneKeepingTrace(keep int) *Cluster {
	d := c.copyState(keep)
	d.history = cloneWithRoom(c.history)
	d.acked = cloneWithRoom(c.acked)
	d.check.lm = cloneLM(c.check.lm)
	d.check.committed = cloneWithRoom(c.check.committed)
	d.check.applied = cloneWithRoom(c.check.applied)
	return d
}

// cloneWithRoom copies a slice that the copy will append to, with room to grow: a copy
// without it would be copied again by its first append.
func cloneWithRoom[T any](s []T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s), len(s)+len(s)/4+16)
	copy(out, s)
	return out
}

// copyState copies everything but the client history and the invariant registries,
// which grow with the run: the parts whose size stays bounded.
func (c *Cluster) copyState(keepTrace int) *Cluster {
	d := *c
	d.sc = c.sc.Clone()
	d.cs.Voters = slices.Clone(c.cs.Voters)
	d.queue.heap = slices.Clone(c.queue.heap)
	d.net = c.net.clone()
	d.peers = make([]simPeer, len(c.peers))
	for i := range c.peers {
		d.peers[i] = c.peers[i].clone()
	}
	d.clients = make([]simClient, len(c.clients))
	for i := range c.clients {
		d.clients[i] = c.clients[i]
		d.clients[i].seen = slices.Clone(c.clients[i].seen)
	}
	pcg := *c.clientPCG
	d.clientPCG = &pcg
	d.clientRand = rand.New(d.clientPCG)
	d.keyNames = slices.Clone(c.keyNames)
	d.cmsgs = c.cmsgs.clone()
	d.tracer = c.tracer.clone(keepTrace)
	d.check.leaders = maps.Clone(c.check.leaders)
	d.check.preVotes = maps.Clone(c.check.preVotes)
	d.check.votes = maps.Clone(c.check.votes)
	d.check.violations = slices.Clone(c.check.violations)
	d.check.ref = c.check.ref.clone()
	d.actionErrs = slices.Clone(c.actionErrs)
	return &d
}

func cloneLM(lm []lmSlot) []lmSlot {
	out := cloneWithRoom(lm)
	for i := range out {
		out[i].more = slices.Clone(out[i].more)
	}
	return out
}

// Checkpoint is a frozen copy of a cluster, cheap to keep. Its size does not grow with
// the run: the client history and the invariant registries, which do, are not copied
// but shared with the cluster it was taken from. That cluster only ever appends to them,
// past the end the checkpoint sees, with two exceptions that the checkpoint records: a
// client operation in progress is updated in place until it ends, and a Log Matching
// slot gains terms when conflicting entries are written at its index. Restore copies
// the shared parts back as they were. A Checkpoint is never run itself.
type Checkpoint struct {
	c *Cluster
	// inProgress are the history entries not finished when the checkpoint was taken,
	// as they were then.
	inProgress []historyEntry
	// lmTerms lists the Log Matching slots that held more than one term, with how many
	// extra terms; every other slot had none. lmEmpty lists the slots not yet used.
	lmTerms []lmCount
	lmEmpty []int
}

type historyEntry struct {
	at int
	op ClientOp
}

type lmCount struct{ at, more int }

// Checkpoint takes a frozen copy of the cluster that keeps at most the last keepTrace
// trace events (all if negative). Taking it is cheap in memory (the history and the
// registries are shared, not copied) but reads them once.
func (c *Cluster) Checkpoint(keepTrace int) *Checkpoint {
	d := c.copyState(keepTrace)
	d.history = c.history[:len(c.history):len(c.history)]
	d.acked = c.acked[:len(c.acked):len(c.acked)]
	d.check.lm = c.check.lm[:len(c.check.lm):len(c.check.lm)]
	d.check.committed = c.check.committed[:len(c.check.committed):len(c.check.committed)]
	d.check.applied = c.check.applied[:len(c.check.applied):len(c.check.applied)]
	cp := &Checkpoint{c: d}
	for i := range c.history {
		if c.history[i].Outcome == "" {
			cp.inProgress = append(cp.inProgress, historyEntry{at: i, op: c.history[i]})
		}
	}
	for i := range c.check.lm {
		slot := &c.check.lm[i]
		switch {
		case slot.first.term == 0:
			cp.lmEmpty = append(cp.lmEmpty, i)
		case len(slot.more) > 0:
			cp.lmTerms = append(cp.lmTerms, lmCount{at: i, more: len(slot.more)})
		}
	}
	return cp
}

// Restore returns a running cluster in the state the checkpoint was taken in. It may be
// called any number of times; the clusters it returns are independent.
func (cp *Checkpoint) Restore() *Cluster {
	d := cp.c.CloneKeepingTrace(-1)
	for _, e := range cp.inProgress {
		d.history[e.at] = e.op
	}
	// The shared slots may have gained terms since: cut them back to what they held.
	terms := cp.lmTerms
	for i := range d.check.lm {
		slot := &d.check.lm[i]
		if len(terms) > 0 && terms[0].at == i {
			slot.more = slot.more[:terms[0].more:terms[0].more]
			terms = terms[1:]
			continue
		}
		slot.more = nil
	}
	for _, i := range cp.lmEmpty {
		d.check.lm[i] = lmSlot{}
	}
	return d
}

// Steps is Steps() of the cluster the checkpoint was taken from, at that time.
func (cp *Checkpoint) Steps() int64 { return cp.c.steps }

// Now is the virtual time the checkpoint was taken at.
func (cp *Checkpoint) Now() int64 { return cp.c.now }

// AppliedActions is AppliedActions() of the cluster at the time of the checkpoint.
func (cp *Checkpoint) AppliedActions() int { return cp.c.nextAction }

func (nw *network) clone() network {
	d := *nw
	pcg := *nw.pcg
	d.pcg = &pcg
	d.rng = rand.New(d.pcg)
	d.blocked = slices.Clone(nw.blocked)
	d.slots = nw.slots.clone()
	return d
}

func (p *simPeer) clone() simPeer {
	d := *p
	d.store = p.store.Clone()
	if p.node != nil {
		d.node = p.node.Clone(d.store)
		d.sm = p.sm.Clone()
	}
	d.writes = slices.Clone(p.writes)
	d.reads = slices.Clone(p.reads)
	return d
}

func (t *tracer) clone(keep int) tracer {
	d := *t
	from := 0
	if keep >= 0 && len(t.recs) > keep {
		from = len(t.recs) - keep
	}
	d.recs = slices.Clone(t.recs[from:])
	d.base = t.base + from
	return d
}

// StepUntil processes the next event if it is due by time t, and reports whether it
// did. Unlike RunUntil it never moves the clock past the last event, so a caller can
// run to a time one event at a time (the playground takes checkpoints on the way).
func (c *Cluster) StepUntil(t int64) bool { return c.step(t) }

// AppliedActions returns how many of the scenario's actions have been applied (or
// skipped because they could not apply): Scenario().Actions[AppliedActions():] is the
// future still to come.
func (c *Cluster) AppliedActions() int { return c.nextAction }

// SetFuture replaces the actions still to come by future, which must be in time order
// and not earlier than Now(). The playground uses it to continue a checkpoint with the
// actions recorded after the checkpoint was taken, and with nil to fork: acting in the
// past discards the future that was recorded. On error nothing changes.
func (c *Cluster) SetFuture(future []Action) error {
	sc := c.sc
	sc.Actions = make([]Action, 0, c.nextAction+len(future))
	sc.Actions = append(sc.Actions, c.sc.Actions[:c.nextAction]...)
	for i := range future {
		a := future[i].clone()
		if a.At < c.now {
			return fmt.Errorf("sim: set future: action %d (%s) at %d ms is before now (%d ms)", i, a.Type, a.At, c.now)
		}
		if err := a.validate(sc.Options.Peers); err != nil {
			return fmt.Errorf("sim: set future: action %d (%s): %w", i, a.Type, err)
		}
		sc.Actions = append(sc.Actions, a)
	}
	if len(sc.Actions) > MaxActions {
		return fmt.Errorf("sim: set future: %d actions exceed the limit of %d", len(sc.Actions), MaxActions)
	}
	if err := sc.checkSequence(); err != nil {
		return fmt.Errorf("sim: set future: %w", err)
	}
	if err := checkTimeOrder(sc.Actions[c.nextAction:]); err != nil {
		return fmt.Errorf("sim: set future: %w", err)
	}
	c.sc = sc
	c.queue.removeActions()
	c.scheduleAction()
	return nil
}

func checkTimeOrder(actions []Action) error {
	for i := 1; i < len(actions); i++ {
		if actions[i].At < actions[i-1].At {
			return fmt.Errorf("action %d at %d ms comes after an action at %d ms; actions must be in time order", i, actions[i].At, actions[i-1].At)
		}
	}
	return nil
}

// removeActions takes the queued scenario action out of the queue (there is at most
// one), keeping the heap order.
func (q *eventQueue) removeActions() {
	for i := 0; i < len(q.heap); i++ {
		if q.heap[i].kind != evAction {
			continue
		}
		n := len(q.heap) - 1
		q.heap[i] = q.heap[n]
		q.heap = q.heap[:n]
		if i < n {
			q.down(i)
			q.up(i)
		}
		i--
	}
}

// ErrTraceMismatch is returned by AdoptTrace when the two clusters' traces disagree: they
// are not the same run.
var ErrTraceMismatch = errors.New("sim: adopt trace: the runs differ")

// AdoptTrace extends the kept trace of c backwards with the older events that other
// kept and c did not, when other is the same run as c, earlier or later (a cluster the
// playground rewound from, while c is a checkpoint copy continued). The events both
// keep must agree, else it returns ErrTraceMismatch and changes nothing. It copies the
// events: other is not changed. It reports how many events it added.
func (c *Cluster) AdoptTrace(other *Cluster) (int, error) {
	t, o := &c.tracer, &other.tracer
	if !t.keep || !o.keep {
		return 0, nil
	}
	oEnd := o.base + len(o.recs)
	if o.base >= t.base || oEnd <= t.base {
		return 0, nil // other keeps nothing older, or nothing to compare
	}
	tEnd := t.base + len(t.recs)
	for seq := t.base; seq < min(oEnd, tEnd); seq++ {
		if !o.recs[seq-o.base].equal(&t.recs[seq-t.base]) {
			return 0, fmt.Errorf("%w: event %d differs", ErrTraceMismatch, seq)
		}
	}
	older := o.recs[:t.base-o.base]
	if room := t.limit - len(t.recs); len(older) > room {
		older = older[len(older)-max(room, 0):]
	}
	// Room for the run to go on up to the limit without growing the array again.
	recs := make([]record, 0, max(t.limit, len(older)+len(t.recs)))
	recs = append(append(recs, older...), t.recs...)
	t.recs = recs
	t.base -= len(older)
	return len(older), nil
}

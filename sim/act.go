package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/raftplay/raftplay/kv"
)

// scheduleAction queues the next scenario action. Actions sort after every other event
// of their time (event.late), and only one is queued at a time, so they apply in list
// order.
func (c *Cluster) scheduleAction() {
	if c.nextAction < len(c.sc.Actions) {
		c.queue.push(event{at: c.sc.Actions[c.nextAction].At, late: true, kind: evAction})
	}
}

// nextScenarioAction applies the scenario action whose time has come. One that cannot
// apply in the state the run is in is skipped and reported by ActionErrors.
func (c *Cluster) nextScenarioAction() {
	i := c.nextAction
	a := &c.sc.Actions[i]
	c.nextAction++
	c.scheduleAction()
	if err := c.applyAction(a); err != nil {
		err = fmt.Errorf("sim: action %d (%s) at %d ms: %w", i, a.Type, a.At, err)
		c.actionErrs = append(c.actionErrs, err)
		c.tracer.add(&record{kind: tkActionFailed, time: c.now, peer: a.Peer, text: err.Error()})
	}
}

// Act applies an action now and records it in the scenario, so that Scenario() replays
// the run identically: this is how the playground records what the user does. a.At is
// ignored and set to Now(). First every event still due at Now() is processed (actions
// apply after the other events of their time, in a replay as here). An action that
// cannot apply (a crash of a peer that is down, a message no longer in flight) is an
// error and is not recorded.
func (c *Cluster) Act(a Action) error {
	if c.stopped {
		return errors.New("sim: act: the run has stopped")
	}
	if len(c.sc.Actions) >= MaxActions {
		return fmt.Errorf("sim: act: the scenario already holds the limit of %d actions", MaxActions)
	}
	for c.step(c.now) {
	}
	a = a.clone()
	a.At = c.now
	if err := a.validate(c.sc.Options.Peers); err != nil {
		return fmt.Errorf("sim: act (%s): %w", a.Type, err)
	}
	if err := c.checkApplicable(&a); err != nil {
		return fmt.Errorf("sim: act (%s): %w", a.Type, err)
	}
	c.sc.Actions = slices.Insert(c.sc.Actions, c.nextAction, a)
	if err := c.sc.checkSequence(); err != nil {
		c.sc.Actions = slices.Delete(c.sc.Actions, c.nextAction, c.nextAction+1)
		return fmt.Errorf("sim: act (%s): it conflicts with a later action of the scenario: %w", a.Type, err)
	}
	c.nextAction++
	c.steps++
	if err := c.applyAction(&c.sc.Actions[c.nextAction-1]); err != nil {
		return fmt.Errorf("sim: act (%s): %w", a.Type, err)
	}
	return nil
}

// checkApplicable checks that an action fits the state the run is in.
func (c *Cluster) checkApplicable(a *Action) error {
	switch a.Type {
	case ActCrash, ActClient, ActTimeout, ActRead:
		if !c.peers[a.Peer-1].up() {
			return fmt.Errorf("peer %d is down", a.Peer)
		}
	case ActSnapshot:
		p := &c.peers[a.Peer-1]
		if !p.up() {
			return fmt.Errorf("peer %d is down", a.Peer)
		}
		return c.checkSnapshotAction(p)
	case ActRestart:
		if c.peers[a.Peer-1].up() {
			return fmt.Errorf("peer %d is not down", a.Peer)
		}
	case ActAddLearner, ActPromote, ActRemove, ActReconfigure:
		_, _, err := c.confChangeOf(a)
		return err
	case ActDrop, ActDuplicate, ActDelay:
		if _, ok := c.net.find(a.Msg); !ok {
			return fmt.Errorf("message %d is not in flight", a.Msg)
		}
	}
	return nil
}

// applyAction does what the action says, now.
func (c *Cluster) applyAction(a *Action) error {
	if err := c.checkApplicable(a); err != nil {
		return err
	}
	nw := &c.net
	switch a.Type {
	case ActCrash:
		c.crash(&c.peers[a.Peer-1])
	case ActRestart:
		return c.restart(&c.peers[a.Peer-1])
	case ActPartition:
		nw.partition(a.Groups)
		c.traceAction(tkPartition, a)
	case ActBlock:
		nw.blocked[int(a.From-1)*nw.n+int(a.To-1)] = true
		c.traceAction(tkBlock, a)
	case ActHeal:
		clear(nw.blocked)
		c.traceAction(tkHeal, a)
	case ActNetwork:
		if a.Drop != nil {
			nw.drop = *a.Drop
		}
		if a.Duplicate != nil {
			nw.duplicate = *a.Duplicate
		}
		if a.Latency != nil {
			nw.latency = [2]int64{a.Latency[0], a.Latency[1]}
		}
		c.traceAction(tkNetwork, a)
	case ActDrop, ActDuplicate, ActDelay:
		c.actOnMessage(a)
	case ActTimeout:
		p := &c.peers[a.Peer-1]
		c.traceAction(tkForceTimeout, a)
		p.node.Campaign()
		c.drive(p)
	case ActClient:
		cmd, err := kv.ParseText(a.Cmd)
		if err != nil {
			return err
		}
		cmd.ClientID, cmd.Seq = a.Client, a.Seq
		c.userCommand(&c.peers[a.Peer-1], cmd)
	case ActSnapshot:
		p := &c.peers[a.Peer-1]
		if err := c.takeSnapshot(p); err != nil {
			return err
		}
		c.drive(p)
	case ActAddLearner, ActPromote, ActRemove, ActReconfigure:
		return c.changeConf(a)
	case ActRead:
		p := &c.peers[a.Peer-1]
		op := c.newOp(0, 0, kv.Command{Op: kv.OpGet, Key: a.Key}, p.id)
		c.history[op].Tries = 1
		c.tracer.add(&record{kind: tkClientRequest, time: c.now, peer: p.id, text: fmt.Sprintf("read %q at %s", a.Key, PeerName(p.id))})
		c.userRead(p, a.Key, op)
	}
	return nil
}

// traceAction records a user action. The ends of a cut link and the sides of a
// partition go into the trace as numbers too (they are in the hashed text already), so
// the page never reads peer ids out of the sentence.
func (c *Cluster) traceAction(kind traceKind, a *Action) {
	rec := record{kind: kind, time: c.now, peer: a.Peer, text: a.Describe()}
	switch kind {
	case tkBlock:
		rec.msg.from, rec.msg.to = a.From, a.To
	case tkPartition:
		rec.id = packGroups(a.Groups)
	}
	c.tracer.add(&rec)
}

// actOnMessage drops, duplicates or delays a message in flight.
func (c *Cluster) actOnMessage(a *Action) {
	nw := &c.net
	slot, _ := nw.find(a.Msg)
	f := &nw.slots.items[slot]
	rec := record{time: c.now, id: f.id, msg: summarize(&f.msg), at: f.deliver}
	switch a.Type {
	case ActDrop:
		rec.kind, rec.text, rec.cause = tkDrop, "dropped by an action", causeAction
		nw.release(slot)
	case ActDuplicate:
		c.duplicate(slot, "by an action")
		return
	case ActDelay:
		f.gen++ // the queued delivery is now stale
		f.deliver += a.By
		rec.kind, rec.at = tkDelay, f.deliver
		c.queue.push(event{at: f.deliver, kind: evDeliver, ref: slot, gen: f.gen})
	}
	c.tracer.add(&rec)
}

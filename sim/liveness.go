package sim

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// ErrNoQuorum is returned by CheckLiveness when too few peers are up for a leader to be
// elected: liveness is not expected then.
var ErrNoQuorum = errors.New("sim: liveness: fewer than a quorum of peers are up")

// CheckLiveness runs the cluster on, for at most maxTicks ticks, until a leader is
// elected among the peers that are up and a proposal it makes commits and is applied on
// every one of them. Call it after the faults are healed. The proposals ("SET liveness
// <n>") go through Act, so Scenario() records them. A failure is recorded as a liveness
// violation and returned as an error.
func (c *Cluster) CheckLiveness(maxTicks int) error {
	up := 0
	for i := range c.peers {
		if c.peers[i].up() {
			up++
		}
	}
	// A quorum of the configuration in force (of both voter sets while joint, §6).
	if !jointMajority(c.currentConf(), func(id uint64) bool { return c.peers[id-1].up() }) {
		return fmt.Errorf("%w (%d of %d)", ErrNoQuorum, up, len(c.peers))
	}
	start := c.now
	deadline := c.now + int64(maxTicks)*c.sc.Options.Tick
	op, proposedAt := -1, uint64(0)
	var want []byte
	for !c.stopped {
		if op >= 0 && c.applyDone(op, want) {
			return nil
		}
		// Propose at the leader, again if the leader changed or refused the last one.
		lead := c.Leader()
		if lead != 0 && (op < 0 || lead != proposedAt || c.history[op].Outcome == OutcomeFailed) {
			c.livenessSeq++
			cmd := kv.Command{Op: kv.OpPut, Key: "liveness", Value: strconv.Itoa(c.livenessSeq)}
			if err := c.Act(Action{Type: ActClient, Peer: lead, Cmd: cmd.Text()}); err == nil {
				op, proposedAt, want = len(c.history)-1, lead, cmd.Marshal()
			}
		}
		if !c.step(deadline) {
			break
		}
	}
	if !c.stopped {
		c.now = max(c.now, deadline)
	}
	var desc string
	switch {
	case c.stopped:
		desc = "the run stopped before liveness could be shown"
	case op < 0:
		desc = fmt.Sprintf("no leader was elected within %d ticks (from %d ms to %d ms)", maxTicks, start, deadline)
	default:
		desc = fmt.Sprintf("the proposal %q at peer %d was not applied on every live peer within %d ticks (from %d ms to %d ms)",
			commandText(want), proposedAt, maxTicks, start, deadline)
	}
	c.violate(InvLiveness, 0, desc)
	return fmt.Errorf("sim: liveness: %s", desc)
}

// applyDone reports whether the write of history entry op has been applied, as want,
// by every peer that is up and a member of the configuration in force (a server that
// was removed, or never added, is no longer replicated to, §6).
func (c *Cluster) applyDone(op int, want []byte) bool {
	o := &c.history[op]
	if o.Outcome == OutcomeFailed || o.Index == 0 || o.Index > uint64(len(c.check.applied)) {
		return false
	}
	if !bytes.Equal(c.check.applied[o.Index-1].cmd, want) {
		return false
	}
	cs := c.currentConf()
	for i := range c.peers {
		if p := &c.peers[i]; p.up() && p.applied < o.Index && cs.IsMember(p.id) {
			return false
		}
	}
	return true
}

// CheckAckedWrites checks that every acknowledged write is still in place: in the log
// of every peer whose commit index covers it (down peers included, from their durable
// state) and of every leader. It records a violation per lost write and returns how
// many it found. Chaos runs call it at the end.
func (c *Cluster) CheckAckedWrites() int {
	lost := 0
	for _, aw := range c.acked {
		for i := range c.peers {
			p := &c.peers[i]
			commit := p.store.HardState().Commit
			if p.up() {
				commit = p.commit
			}
			leader := p.up() && p.role == engine.RoleLeader
			if commit < aw.Index && !leader {
				continue
			}
			log, base := p.store.Log(), p.snapIndex()
			if aw.Index <= base {
				continue // inside the peer's snapshot, which checkSnapshot compared with the committed log
			}
			if aw.Index <= base+uint64(len(log)) {
				if e := &log[aw.Index-base-1]; e.Term == aw.Term && bytes.Equal(e.Command, aw.cmd) {
					continue
				}
			}
			lost++
			c.violate(InvAckedDurable, p.id, fmt.Sprintf("the write %s acknowledged at %d ms as entry %d@%d is missing from peer %d's log (commit index %d)",
				commandText(aw.cmd), aw.Time, aw.Index, aw.Term, p.id, commit))
			break
		}
	}
	return lost
}

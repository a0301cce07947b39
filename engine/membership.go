// Membership changes with joint consensus (§6 of the Raft paper): how a peer proposes a
// configuration, when one takes effect, and what happens when it does.
//
// The rule for when a configuration takes effect is the paper's: "a server always uses
// the latest configuration in its log, regardless of whether the entry is committed".
// It is the rule the safety argument of §6 (Figure 11) is made for: the leader of
// C_old,new decides with both majorities from the moment it appends the entry, so no
// decision is ever taken by C_new alone before C_old,new is committed. Its price is
// that a configuration entry can be truncated, like any uncommitted entry (§5.3): the
// peer then goes back to the configuration before it (EventConfRolledBack). etcd
// instead applies a configuration once committed; that needs no roll-back, but then
// C_old,new is committed by C_old alone, which is not the procedure the paper teaches.

package engine

import (
	"errors"
	"fmt"
	"slices"
)

// ErrConfChangeInProgress is matched (with errors.Is) by the error ProposeConfChange
// returns while an earlier change is not finished: at most one change is in progress
// at a time (§6).
var ErrConfChangeInProgress = errors.New("a configuration change is already in progress")

// ProposeConfChange starts a change of the cluster's configuration to the voters and
// learners cc asks for (C_new), on the leader only, and returns the index of the entry
// it appended. The leader uses the new configuration from that moment on, as every
// peer does once it appends the entry (§6).
//
//   - When the voters change, the leader appends the joint configuration C_old,new:
//     until it is replaced, elections and commitment need a majority of the old voters
//     and, separately, one of the new. Once C_old,new is committed, the leader appends
//     C_new by itself (EventConfProposed again); a leader that is not a voter of C_new
//     steps down once C_new is committed (EventRemovedStepDown).
//   - When only learners or contexts change, no majority changes: C_new is appended
//     directly, without a joint phase.
//   - With Config.Unsafe.DirectConfigChange, C_new is always appended directly: the
//     switch of Figure 10, under which two leaders can be elected in one term.
//
// It refuses, changing nothing: on a follower (*NotLeaderError); while an earlier
// change is in progress, that is while the configuration is joint or its entry is not
// committed yet (an error wrapping ErrConfChangeInProgress); a change that is malformed
// or changes nothing (an error wrapping ErrInvalidConf).
func (p *Peer) ProposeConfChange(cc ConfChange) (uint64, error) {
	if p.role != RoleLeader {
		return 0, &NotLeaderError{Leader: p.lead}
	}
	switch {
	case p.conf.Joint():
		return 0, fmt.Errorf("engine: peer %d: %w: the configuration %s (entry %d) is joint; the leader appends C_new once it is committed",
			p.id, ErrConfChangeInProgress, p.conf, p.confIndex)
	case p.confIndex > p.log.committed:
		return 0, fmt.Errorf("engine: peer %d: %w: the configuration %s (entry %d) is not committed yet (commit index %d)",
			p.id, ErrConfChangeInProgress, p.conf, p.confIndex, p.log.committed)
	}
	next, err := cc.target(p.conf)
	if err != nil {
		return 0, fmt.Errorf("engine: peer %d: configuration change: %w", p.id, err)
	}
	if next.Equal(p.conf) {
		return 0, fmt.Errorf("engine: peer %d: configuration change: %w: %s is the configuration already", p.id, ErrInvalidConf, next)
	}
	if !slices.Equal(next.Voters, p.conf.Voters) && !p.cfg.Unsafe.DirectConfigChange {
		// §6: the voters change, so first the joint configuration.
		next = p.conf.joint(next)
	}
	p.appendConf(next)
	return p.confIndex, nil
}

// appendConf appends a configuration entry on the leader and starts using it (§6).
func (p *Peer) appendConf(cs ConfState) {
	p.appendEntries(Entry{Type: EntryConfChange, Command: AppendConfState(nil, cs)})
	index := p.log.lastIndex()
	p.emit(Event{Kind: EventConfProposed, Index: index, Conf: cs.Clone()})
	p.setConf(cs, index, false)
	p.markAllForSend(false)
}

// maybeLeaveJoint is the leader's second step of §6: once C_old,new is committed, it
// appends C_new. A leader elected while the configuration is joint does the same once
// its first entry, and so C_old,new before it, is committed.
func (p *Peer) maybeLeaveJoint() {
	if p.role == RoleLeader && p.conf.Joint() && p.confIndex <= p.log.committed {
		p.appendConf(p.conf.leaveJoint())
	}
}

// maybeStepDownRemoved is §6's second issue: a leader that is not a voter of C_new
// manages the cluster until C_new is committed (it replicates, but does not count itself
// in majorities), then steps down. The followers learn that commit from the messages
// already built; the voters of C_new then elect a leader among themselves.
func (p *Peer) maybeStepDownRemoved() {
	if p.role != RoleLeader || p.conf.Joint() || p.conf.IsVoter(p.id) || p.confIndex == 0 || p.confIndex > p.log.committed {
		return
	}
	p.emit(Event{Kind: EventRemovedStepDown, Index: p.confIndex, Conf: p.conf.Clone()})
	p.becomeFollower(p.term, None)
}

// ConfState returns a copy of the configuration the peer uses: the latest one in its
// log (§6).
func (p *Peer) ConfState() ConfState { return p.conf.Clone() }

// sortedConf returns cs with sorted id lists (a copy), as the engine keeps them.
func sortedConf(cs ConfState) ConfState {
	c := cs.Clone()
	sortIDs(c.Voters)
	sortIDs(c.Learners)
	sortIDs(c.VotersOutgoing)
	sortContexts(c.Contexts)
	return c
}

// confFromEntry decodes the configuration a configuration entry carries.
func confFromEntry(e *Entry) (ConfState, error) {
	cs, n, err := DecodeConfState(e.Command)
	switch {
	case err != nil:
		return ConfState{}, fmt.Errorf("configuration entry %d@%d: %w", e.Index, e.Term, err)
	case n != len(e.Command):
		return ConfState{}, fmt.Errorf("configuration entry %d@%d: %d trailing bytes", e.Index, e.Term, len(e.Command)-n)
	}
	if err := cs.Validate(); err != nil {
		return ConfState{}, fmt.Errorf("configuration entry %d@%d: %w", e.Index, e.Term, err)
	}
	if cs.IsEmpty() {
		return ConfState{}, fmt.Errorf("configuration entry %d@%d: %w: it has no members", e.Index, e.Term, ErrInvalidConf)
	}
	return cs, nil
}

// ConfBefore returns the configuration in force before the log entry at index: the
// latest configuration entry below it, or the configuration the log starts from (the
// snapshot's, or the bootstrap one). It is the configuration the peer uses again if
// that entry is cut from its log (§6: a server uses the latest configuration in its
// log, committed or not), and, for a restarted node whose latest entry is not known
// committed, where the servers that entry removes are still listed. It reads the log
// back from index in chunks, through Storage for what is not in memory.
func (p *Peer) ConfBefore(index uint64) (ConfState, error) {
	if index == 0 {
		return p.baseConf.Clone(), nil
	}
	cs, _, err := p.confAt(index - 1)
	return cs.Clone(), err
}

// confAt returns the configuration in force after the log entry at index: the latest
// configuration entry at or below it, or baseConf when the log after the snapshot
// holds none there; with the index of that entry (0 for baseConf).
func (p *Peer) confAt(index uint64) (ConfState, uint64, error) {
	e, ok := p.log.lastConfEntry(p.log.snapIndex+1, index)
	if !ok {
		return p.baseConf, 0, nil
	}
	cs, err := confFromEntry(&e)
	if err != nil {
		return ConfState{}, 0, err
	}
	return cs, e.Index, nil
}

// confAfterReplace updates the configuration after the log from first on was replaced
// by ents (§5.3: a conflicting suffix truncated, new entries appended). A truncated
// configuration entry is rolled back: the peer uses the configuration before it again.
// Then the latest configuration in ents, if any, takes effect.
func (p *Peer) confAfterReplace(first uint64, ents []Entry) {
	if p.confIndex >= first {
		cs, index, err := p.confAt(first - 1)
		if err != nil {
			panic(fmt.Sprintf("engine: broken invariant: peer %d: a configuration entry it accepted does not decode: %v", p.id, err))
		}
		removed := p.confIndex
		p.setConf(cs, index, true)
		p.emit(Event{Kind: EventConfRolledBack, Index: removed, LogTerm: index, Conf: cs.Clone()})
	}
	for i := len(ents) - 1; i >= 0; i-- {
		if ents[i].Type == EntryConfChange {
			cs, err := confFromEntry(&ents[i])
			if err != nil {
				panic(fmt.Sprintf("engine: broken invariant: peer %d: a configuration entry validated on receipt does not decode: %v", p.id, err))
			}
			p.setConf(cs, ents[i].Index, false)
			return
		}
	}
}

// setConf makes cs, held by the entry at index (0: baseConf), the configuration in
// force, and says what changed. rolledBack: the change undoes a truncated entry, which
// EventConfRolledBack explains alone.
func (p *Peer) setConf(cs ConfState, index uint64, rolledBack bool) {
	old := p.conf
	p.conf, p.confIndex = cs, index
	p.noteLeaving(old, cs, index)
	p.rebuildMembers()
	p.noteMembership(cs)
	if rolledBack || old.Equal(cs) {
		return
	}
	kind := EventConfSwitched
	switch {
	case cs.Joint():
		kind = EventJointEntered
	case old.Joint():
		kind = EventJointLeft
	}
	p.emit(Event{Kind: kind, Index: index, Conf: cs.Clone()})
	if old.IsEmpty() {
		return // a server that joins learns the whole configuration at once: nothing changed
	}
	for _, id := range cs.Members() {
		switch {
		case cs.IsLearner(id) && !old.IsMember(id):
			p.emit(Event{Kind: EventLearnerAdded, From: id, Index: index})
		case slices.Contains(cs.Voters, id) && old.IsLearner(id):
			p.emit(Event{Kind: EventLearnerPromoted, From: id, Index: index})
		case slices.Contains(cs.Voters, id) && !old.IsMember(id):
			p.emit(Event{Kind: EventVoterAdded, From: id, Index: index})
		}
	}
	for _, id := range old.Members() {
		if !cs.IsMember(id) {
			p.emit(Event{Kind: EventMemberRemoved, From: id, Index: index})
		}
	}
}

// rebuildMembers sizes the per-member state for the configuration in force: members
// that stay keep their progress and vote, new ones start in probe mode from the end of
// our log (a leader finds where their logs match, §5.3).
func (p *Peer) rebuildMembers() {
	members := p.conf.Members()
	for _, id := range append([]uint64{p.id}, p.Leaving()...) {
		if !slices.Contains(members, id) {
			members = append(members, id)
		}
	}
	sortIDs(members)
	progress := make([]*progress, len(members))
	votes := make([]voteSlot, len(members))
	for i, id := range members {
		if j := p.memberIndex(id); j >= 0 {
			progress[i], votes[i] = p.progress[j], p.votes[j]
			continue
		}
		progress[i] = newProgress(p.log.lastIndex()+1, p.cfg.MaxInflightMsgs)
		if p.role == RoleLeader {
			p.markForSend(progress[i], true)
		}
	}
	p.members, p.progress, p.votes = members, progress, votes
	p.self = slices.Index(members, p.id)
	p.incoming, p.outgoing = p.incoming[:0], p.outgoing[:0]
	for i, id := range members {
		if slices.Contains(p.conf.Voters, id) {
			p.incoming = append(p.incoming, i)
		}
		if slices.Contains(p.conf.VotersOutgoing, id) {
			p.outgoing = append(p.outgoing, i)
		}
	}
	p.quorumBuf = make([]uint64, 2*len(members))
}

// Servers leaving the configuration (§6): how a server that a change removes learns
// that it is out.
//
// The paper's leader stops replicating to a server once its log holds a configuration
// without it: a removed follower then never receives the entry that removes it. It
// hears from no leader, times out again and again, and never knows why (§6, the third
// issue; dissertation §4.2.3); etcd's raft library does the same once the entry is
// applied, and etcd's server leaves it to its transport: peers answer a removed
// member's messages with "410 Gone", and the member stops itself.
// Here the leader goes one entry further. It keeps replicating to each server the
// configuration in force removed (a "leaving" server) until that server has the entry
// that removed it and knows it is committed: a server outside its configuration
// reports its commit index in its AppendEntries and heartbeat replies. The server then
// knows it is out (EventRemoved) and stops campaigning for good, even under the
// dissertation's exception (§4.2.2: a server of the previous configuration campaigns
// while the latest one is not known to be committed).
//
// A leaving server is replicated to, and never counted: it is in neither majority,
// exactly as a learner. The effort is bounded: the leader stops once the server says
// it knows, or one election timeout after the removing entry is committed
// (EventReplicationStopped), and a leader that steps down forgets them. A server that
// is unreachable for that long (down, or cut off) does not learn its removal from the
// engine; a driver may ask a member instead (native nodes do, node/removal.go).
// Worked example: voters {1, 2, 3}, leader 1 removes 3. Entry 5 is C_old,new (3 still
// votes, in C_old), entry 6 is C_new = {1, 2}. Once 1 appends entry 6, server 3 is
// leaving: 1 still sends it entry 6, and once 6 is committed a commit index of 6.
// Server 3 answers "match=6 commit=6", and 1 lets it go.

package engine

import "slices"

// leaver is a server a leader still replicates to although the configuration in
// force removed it.
type leaver struct {
	id uint64
	// index is the configuration entry that removed it: the one it must hold, known
	// committed.
	index uint64
	// ticks counts the leader's ticks since index was committed; at ElectionTicks the
	// leader gives up.
	ticks int
}

// Leaving returns, on a leader, the servers the configuration in force removed and
// that it still replicates to because they may not know it yet (sorted; nil when
// none). A driver keeps its connections to them open.
func (p *Peer) Leaving() []uint64 {
	if len(p.leaving) == 0 {
		return nil
	}
	ids := make([]uint64, len(p.leaving))
	for i, l := range p.leaving {
		ids[i] = l.id
	}
	sortIDs(ids)
	return ids
}

// noteLeaving records, on a leader adopting cs (held by the entry at index) in place
// of old, the servers cs removes, and forgets leaving servers cs holds again. It runs
// before rebuildMembers, which keeps a progress for each leaving server.
func (p *Peer) noteLeaving(old, cs ConfState, index uint64) {
	p.leaving = slices.DeleteFunc(p.leaving, func(l leaver) bool { return cs.IsMember(l.id) })
	if p.role != RoleLeader {
		return
	}
	for _, id := range old.Members() {
		if id != p.id && !cs.IsMember(id) && !slices.ContainsFunc(p.leaving, func(l leaver) bool { return l.id == id }) {
			p.leaving = append(p.leaving, leaver{id: id, index: index})
		}
	}
}

// leavingOnElection gives a new leader the servers its configuration removed while
// that configuration's entry is not known to be committed: the leader that appended
// it may have stopped before it could tell them. (Known committed, it was that
// leader's job; servers it missed are left to the driver.)
func (p *Peer) leavingOnElection() {
	if p.confIndex == 0 || p.confIndex <= p.log.committed {
		return
	}
	prev, _, err := p.confAt(p.confIndex - 1)
	if err != nil {
		return // not a valid configuration: nobody to tell
	}
	p.noteLeaving(prev, p.conf, p.confIndex)
	if len(p.leaving) > 0 {
		p.rebuildMembers()
	}
}

// maybeLetGo lets a leaving server go once a reply from it shows that it holds the
// entry that removed it and knows it is committed.
func (p *Peer) maybeLetGo(m Message) {
	if m.Type != MsgAppResp && m.Type != MsgHeartbeatResp {
		return
	}
	for i, l := range p.leaving {
		if l.id == m.From && m.Commit >= l.index {
			p.stopLeaving(i, m.Commit)
			return
		}
	}
}

// tickLeaving counts the leader's ticks since each leaving server's removal was
// committed, and gives up on one that has not confirmed it within an election timeout.
func (p *Peer) tickLeaving() {
	for i := 0; i < len(p.leaving); i++ {
		l := &p.leaving[i]
		if l.index > p.log.committed {
			continue
		}
		if l.ticks++; l.ticks >= p.cfg.ElectionTicks {
			p.stopLeaving(i, 0)
			i--
		}
	}
}

// stopLeaving stops replicating to the i-th leaving server; commit is the commit
// index it reported (0: it did not confirm in time).
func (p *Peer) stopLeaving(i int, commit uint64) {
	l := p.leaving[i]
	p.leaving = slices.Delete(p.leaving, i, i+1)
	p.rebuildMembers()
	p.emit(Event{Kind: EventReplicationStopped, From: l.id, Index: l.index, LocalIndex: commit})
}

// forgetLeaving drops the leaving servers of a leader that steps down: the next
// leader decides on its own (leavingOnElection).
func (p *Peer) forgetLeaving() {
	if len(p.leaving) > 0 {
		p.leaving = p.leaving[:0]
		p.rebuildMembers()
	}
}

// outside reports whether the peer was a member and its configuration no longer holds
// it: its replies then carry its commit index, for the leader to know when it may
// stop replicating to it.
func (p *Peer) outside() bool { return p.wasMember && !p.conf.IsMember(p.id) }

// maybeLearnRemoved notes that the peer knows it was removed: its configuration, which
// no longer holds it, is committed (§6). It will never campaign again, not even under
// the dissertation's exception (promotable).
func (p *Peer) maybeLearnRemoved() {
	if p.removed || !p.outside() || p.confIndex > p.log.committed {
		return
	}
	p.removed = true
	p.emit(Event{Kind: EventRemoved, Index: p.confIndex, Conf: p.conf.Clone()})
}

// noteMembership updates wasMember and removed after the configuration in force
// changed to cs.
func (p *Peer) noteMembership(cs ConfState) {
	if cs.IsMember(p.id) {
		p.wasMember, p.removed = true, false
		return
	}
	p.maybeLearnRemoved()
}

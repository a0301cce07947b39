package engine

import (
	"errors"
	"fmt"
)

// Step hands the peer one message from another peer. It returns an error, and changes
// nothing, when the message cannot be meant for this peer: an unknown type, another
// recipient, or no sender (or ourselves). A sender need not be a member of our
// configuration: the leader of a configuration we have not learned yet (we are
// joining), or a candidate of one, is not; a reply from a non-member is ignored.
func (p *Peer) Step(m Message) error {
	if err := p.validate(m); err != nil {
		return err
	}
	if m.Type == MsgPreVoteResp && p.role != RolePreCandidate {
		// An answer to a pre-vote round we gave up (we heard from a leader since, say).
		// Taking a higher term from it would carry a follower past the check-quorum
		// lease into a candidate's term.
		return nil
	}
	// Figure 2, rules for all servers: a higher term makes us a follower of it.
	switch {
	case m.Term > p.term:
		if p.ignoreHigherTerm(m) {
			return nil
		}
	case m.Term < p.term:
		p.answerStaleTerm(m)
		return nil
	}
	switch m.Type {
	case MsgVote, MsgPreVote:
		p.handleVoteRequest(m)
		return nil
	}
	return p.stepRole(p, m)
}

// MaxTerm is a term no peer enters: messages carrying it or more are refused, and a
// peer does not campaign into it. A term at the top of the uint64 range could not be
// incremented, and a peer holding it could never lead again.
const MaxTerm = 1 << 62

// ErrTermOutOfRange is wrapped by Step's error for a message whose term is MaxTerm or
// more, or more than Config.MaxTermAhead above ours.
var ErrTermOutOfRange = errors.New("engine: term out of range")

func (p *Peer) validate(m Message) error {
	switch {
	case m.Type == MsgInvalid || m.Type >= msgTypeCount:
		return fmt.Errorf("engine: peer %d: message of unknown type %d from %d", p.id, m.Type, m.From)
	case m.To != p.id:
		return fmt.Errorf("engine: peer %d: %s addressed to peer %d", p.id, m.Type, m.To)
	case m.From == None || m.From == p.id:
		return fmt.Errorf("engine: peer %d: %s from %d, which is not another server of cluster %d", p.id, m.Type, m.From, p.clusterID)
	case m.Term == 0:
		return fmt.Errorf("engine: peer %d: %s from %d carries term 0", p.id, m.Type, m.From)
	case m.Term >= MaxTerm:
		return fmt.Errorf("%w: peer %d: %s from %d carries term %d, far ahead: at or above MaxTerm %d, which no peer enters",
			ErrTermOutOfRange, p.id, m.Type, m.From, m.Term, uint64(MaxTerm))
	case m.Term > p.term && m.Term-p.term > p.cfg.MaxTermAhead:
		return fmt.Errorf("%w: peer %d: %s from %d carries term %d, which is %d terms far ahead of ours (%d); the limit is %d (Config.MaxTermAhead)",
			ErrTermOutOfRange, p.id, m.Type, m.From, m.Term, m.Term-p.term, p.term, p.cfg.MaxTermAhead)
	case m.Type == MsgApp:
		return validateEntries(m)
	case m.Type == MsgSnap:
		return p.validateSnapshot(m)
	case m.Type == MsgAppResp && !m.Reject && m.Term == p.term && p.role == RoleLeader && m.Index > p.log.lastIndex():
		return fmt.Errorf("engine: peer %d: %s from %d claims index %d beyond our last index %d", p.id, m.Type, m.From, m.Index, p.log.lastIndex())
	}
	return nil
}

// validateEntries checks the shape of an AppendEntries: entries follow prevLogIndex
// one by one, with terms that never decrease, from prevLogTerm up to the sender's term.
func validateEntries(m Message) error {
	if m.LogTerm > m.Term || (m.Index == 0 && m.LogTerm != 0) {
		return fmt.Errorf("engine: AppendEntries from %d: prev entry %d@%d does not fit term %d", m.From, m.Index, m.LogTerm, m.Term)
	}
	prevTerm := m.LogTerm
	for i, e := range m.Entries {
		if e.Index != m.Index+uint64(i)+1 {
			return fmt.Errorf("engine: AppendEntries from %d: entry %d has index %d, want %d", m.From, i, e.Index, m.Index+uint64(i)+1)
		}
		if e.Term < prevTerm || e.Term > m.Term {
			return fmt.Errorf("engine: AppendEntries from %d: entry %d has term %d, outside [%d, %d]", m.From, e.Index, e.Term, prevTerm, m.Term)
		}
		prevTerm = e.Term
		if e.Type >= entryTypeCount {
			return fmt.Errorf("engine: AppendEntries from %d: entry %d has unknown type %d", m.From, e.Index, uint8(e.Type))
		}
		if e.Type == EntryConfChange {
			// §6: the configuration takes effect on append, so it must make sense.
			if _, err := confFromEntry(&e); err != nil {
				return fmt.Errorf("engine: AppendEntries from %d: %w", m.From, err)
			}
		}
	}
	return nil
}

// ignoreHigherTerm handles a message from a higher term. It reports true when the
// message is to be dropped; otherwise the peer has moved to m.Term when that is right.
func (p *Peer) ignoreHigherTerm(m Message) bool {
	switch m.Type {
	case MsgVote, MsgPreVote:
		// Check-quorum gives the leader a lease: while we hear from it, a candidate
		// cannot disturb us with a higher term.
		if p.inLease() {
			p.emit(Event{Kind: EventVoteRefused, From: m.From, Reason: ReasonLeaderAlive, PreVote: m.Type == MsgPreVote})
			p.send(Message{To: m.From, Type: voteRespType(m.Type), Reject: true})
			return true
		}
		if m.Type == MsgPreVote {
			return false // a pre-vote never changes our term
		}
	case MsgPreVoteResp:
		if !m.Reject {
			return false // a grant echoes the term we would campaign in
		}
	}
	lead := None
	if m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap {
		lead = m.From
	}
	p.emit(Event{Kind: EventSteppedDown, Term: m.Term, From: m.From, Role: p.role})
	p.becomeFollower(m.Term, lead)
	return false
}

// inLease reports whether check-quorum lets us refuse votes: we are following a
// leader we heard from within the election timeout, or we are that leader.
func (p *Peer) inLease() bool {
	return p.cfg.CheckQuorum && p.lead != None && p.electionElapsed < p.cfg.ElectionTicks
}

// answerStaleTerm answers a message from an older term where that helps the sender.
func (p *Peer) answerStaleTerm(m Message) {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		// Figure 2: reply false if term < currentTerm. The reply carries our term, so
		// a deposed leader learns it and steps down.
		p.send(Message{To: m.From, Type: MsgAppResp, Reject: true, Index: m.Index})
	case MsgVote, MsgPreVote:
		p.emit(Event{Kind: EventVoteRefused, From: m.From, Reason: ReasonStaleTerm, PreVote: m.Type == MsgPreVote})
		p.send(Message{To: m.From, Type: voteRespType(m.Type), Reject: true})
	}
}

func voteRespType(t MessageType) MessageType {
	if t == MsgPreVote {
		return MsgPreVoteResp
	}
	return MsgVoteResp
}

// stepFollower handles what a follower gets from the leader.
func stepFollower(p *Peer, m Message) error {
	switch m.Type {
	case MsgApp:
		p.electionElapsed = 0
		p.lead = m.From
		return p.handleAppendEntries(m)
	case MsgHeartbeat:
		p.electionElapsed = 0
		p.lead = m.From
		p.handleHeartbeat(m)
	case MsgSnap:
		p.electionElapsed = 0
		p.lead = m.From
		p.handleSnapshot(m)
	}
	return nil
}

// stepCandidate handles messages while (pre-)campaigning.
func stepCandidate(p *Peer, m Message) error {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		// §5.2: a leader of our term exists; accept it.
		p.becomeFollower(m.Term, m.From)
		return stepFollower(p, m)
	case MsgVoteResp:
		if p.role == RoleCandidate {
			p.tallyVote(m)
		}
	case MsgPreVoteResp:
		// A grant echoes the term it was asked about: one for an earlier round (our
		// pre-vote for the term we are in now, say) answers a question we no longer ask.
		if p.role == RolePreCandidate && (m.Reject || m.Term == p.term+1) {
			p.tallyVote(m)
		}
	}
	return nil
}

// validateSnapshot checks the shape of an InstallSnapshot chunk: a snapshot of a
// committed prefix of a log of the sender's term, with a configuration that has voters,
// and no entries.
func (p *Peer) validateSnapshot(m Message) error {
	switch {
	case m.Index == 0 || m.LogTerm == 0 || m.LogTerm > m.Term:
		return fmt.Errorf("engine: InstallSnapshot from %d: snapshot %d@%d does not fit term %d", m.From, m.Index, m.LogTerm, m.Term)
	case len(m.Entries) > 0:
		return fmt.Errorf("engine: InstallSnapshot from %d carries %d entries", m.From, len(m.Entries))
	case m.Offset > 1<<62:
		return fmt.Errorf("engine: InstallSnapshot from %d: offset %d is out of range", m.From, m.Offset)
	}
	if err := sortedConf(m.Conf).Validate(); err != nil {
		return fmt.Errorf("engine: InstallSnapshot from %d: snapshot configuration: %w", m.From, err)
	}
	if len(m.Conf.Voters) == 0 {
		return fmt.Errorf("engine: InstallSnapshot from %d: snapshot configuration %s has no voters", m.From, m.Conf)
	}
	return nil
}

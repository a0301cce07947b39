package engine

// campaign starts an election, with a pre-vote round first when PreVote is on. A
// pre-candidate whose round went unanswered starts another pre-vote round, not an
// election: only a majority of pre-votes may raise the term.
func (p *Peer) campaign() {
	if p.term+1 >= MaxTerm {
		// No term is left to campaign in. Unreachable in practice: Step refuses terms
		// more than MaxTermAhead ahead, so getting here takes 2^42 forged messages.
		return
	}
	if p.cfg.PreVote {
		p.becomePreCandidate()
		p.requestVotes(MsgPreVote, p.term+1)
		return
	}
	p.becomeCandidate()
	p.requestVotes(MsgVote, p.term)
}

// requestVotes votes for ourselves and asks every other voter (§5.2): while joint, those
// of both configurations (§6).
func (p *Peer) requestVotes(t MessageType, term uint64) {
	p.votes[p.self] = voteGranted
	if p.wonElection() {
		p.electionWon()
		return
	}
	lastIndex, lastTerm := p.log.lastIndex(), p.log.lastTerm()
	for _, id := range p.members {
		if id != p.id && p.conf.IsVoter(id) {
			p.send(Message{To: id, Type: t, Term: term, Index: lastIndex, LogTerm: lastTerm})
		}
	}
}

// handleVoteRequest decides on a RequestVote or PreVote (§5.2, §5.4.1). The term
// checks of Step have already run: m.Term >= p.term.
func (p *Peer) handleVoteRequest(m Message) {
	preVote := m.Type == MsgPreVote
	refuse := func(reason Reason, index, logTerm uint64) {
		p.emit(Event{Kind: EventVoteRefused, From: m.From, Reason: reason, PreVote: preVote,
			Index: index, LogTerm: logTerm, LocalIndex: p.log.lastIndex(), LocalTerm: p.log.lastTerm()})
		p.send(Message{To: m.From, Type: voteRespType(m.Type), Reject: true})
	}
	if p.recovering {
		// Our log may lack entries committed with our help: a vote from us could elect
		// a leader without them (see Config.Recovering).
		refuse(ReasonRecovering, 0, 0)
		return
	}
	// §5.2: one vote per term, first come first served. A pre-vote for a later term
	// binds nothing.
	canVote := p.votedFor == m.From ||
		(p.votedFor == None && p.lead == None) ||
		(preVote && m.Term > p.term)
	if !canVote {
		voted := p.votedFor
		if voted == None {
			voted = p.lead
		}
		refuse(ReasonAlreadyVoted, voted, 0)
		return
	}
	// §5.4.1: only a candidate whose log is at least as up-to-date as ours.
	if !p.cfg.Unsafe.SkipUpToDateCheck && !p.log.isUpToDate(m.Index, m.LogTerm) {
		refuse(ReasonLogBehind, m.Index, m.LogTerm)
		return
	}
	p.emit(Event{Kind: EventVoteGranted, From: m.From, Term: m.Term, PreVote: preVote})
	// A granted pre-vote echoes the term asked for, so the pre-candidate can count it.
	p.send(Message{To: m.From, Type: voteRespType(m.Type), Term: m.Term})
	if !preVote {
		p.votedFor = m.From
		p.electionElapsed = 0
	}
}

// tallyVote counts one answer and acts when the election is decided.
func (p *Peer) tallyVote(m Message) {
	i := p.memberIndex(m.From)
	if i < 0 {
		return // not a member of our configuration: its vote does not count
	}
	if p.votes[i] == voteUnknown {
		if m.Reject {
			p.votes[i] = voteRefused
		} else {
			p.votes[i] = voteGranted
		}
	}
	switch {
	case p.wonElection():
		p.electionWon()
	case p.lostElection():
		// Back to waiting; the randomized timeout makes another split less likely.
		p.becomeFollower(p.term, None)
	}
}

// wonElection reports whether a majority granted its vote: of both configurations
// while joint (§6). Votes of learners and of servers outside the configuration are
// not counted.
func (p *Peer) wonElection() bool {
	return p.majorityReached(func(i int, _ *progress) uint64 {
		if p.votes[i] == voteGranted {
			return 1
		}
		return 0
	}) == 1
}

// lostElection reports whether the refusals make a majority impossible: of either
// configuration while joint.
func (p *Peer) lostElection() bool {
	return p.majorityReached(func(i int, _ *progress) uint64 {
		if p.votes[i] == voteRefused {
			return 0
		}
		return 1
	}) == 0
}

func (p *Peer) electionWon() {
	if p.role == RolePreCandidate {
		// The pre-vote says we could win: now run the real election.
		p.becomeCandidate()
		p.requestVotes(MsgVote, p.term)
		return
	}
	p.emit(Event{Kind: EventElectionWon})
	p.becomeLeader()
}

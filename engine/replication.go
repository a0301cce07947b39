package engine

import "fmt"

// Propose appends a client command to the leader's log and returns its index. The entry
// is committed, and handed back in Ready.CommittedEntries, once a majority stores it.
// On any other peer it returns a *NotLeaderError naming the leader when known.
func (p *Peer) Propose(command, context []byte) (uint64, error) {
	if p.role != RoleLeader {
		return 0, &NotLeaderError{Leader: p.lead}
	}
	p.appendEntries(Entry{Command: command, Context: context})
	p.markAllForSend(false)
	return p.log.lastIndex(), nil
}

// appendEntries adds entries of the current term at the end of the leader's log.
func (p *Peer) appendEntries(ents ...Entry) {
	next := p.log.lastIndex() + 1
	for i := range ents {
		ents[i].Index = next + uint64(i)
		ents[i].Term = p.term
	}
	p.log.append(ents...)
}

// markAllForSend asks for AppendEntries to every follower when the next Ready is built.
// Deferring the send batches every proposal made before then into one message. With
// allowEmpty, a follower with nothing new to receive still gets an AppendEntries, to
// learn the commit index.
func (p *Peer) markAllForSend(allowEmpty bool) {
	for i, pr := range p.progress {
		if i != p.self {
			p.markForSend(pr, allowEmpty)
		}
	}
}

func (p *Peer) markForSend(pr *progress, allowEmpty bool) {
	pr.wantSend = true
	pr.wantEmpty = pr.wantEmpty || allowEmpty
	p.sendPending = true
}

// flushSends sends what the followers marked for sending are owed.
func (p *Peer) flushSends() {
	if !p.sendPending {
		return
	}
	p.sendPending = false
	for i, pr := range p.progress {
		if pr.wantSend {
			p.sendAppend(p.members[i], pr, pr.wantEmpty)
			pr.wantSend, pr.wantEmpty = false, false
		}
	}
}

// sendAppend sends the follower the entries from its nextIndex on while the replicate
// window allows; with allowEmpty and nothing new, one empty AppendEntries carrying the
// commit index.
func (p *Peer) sendAppend(to uint64, pr *progress, allowEmpty bool) {
	if pr.Mode == ModeSnapshot || pr.Next <= p.log.snapIndex {
		// §7: the follower needs entries we compacted; it gets the snapshot instead.
		if pr.Mode == ModeSnapshot || p.startSnapshot(to, pr) {
			p.sendSnapshotChunks(to, pr)
		}
		return
	}
	sentOne := false
	for !pr.paused() {
		last := p.log.lastIndex()
		if pr.Next > last && (sentOne || !allowEmpty) {
			return
		}
		prevIndex := pr.Next - 1
		ents := p.log.slice(pr.Next, last+1, p.cfg.MaxSizePerMsg)
		p.send(Message{
			To:      to,
			Type:    MsgApp,
			Index:   prevIndex,
			LogTerm: p.log.term(prevIndex),
			Entries: ents,
			Commit:  p.log.committed,
			// A recovering follower that accepts our whole log may vote again.
			Tail: pr.Recovering && prevIndex+uint64(len(ents)) == last,
		})
		pr.sentEntries(prevIndex+uint64(len(ents)), len(ents))
		sentOne = true
		if len(ents) == 0 {
			return
		}
	}
}

func (p *Peer) broadcastHeartbeat(readRound uint64) {
	for i, id := range p.members {
		if i == p.self {
			continue
		}
		pr := p.progress[i]
		// Never tell a follower to commit past what it is known to hold: its log may
		// still differ from ours beyond Match.
		p.send(Message{To: id, Type: MsgHeartbeat, Commit: min(pr.Match, p.log.committed), ReadID: readRound})
	}
}

// stepLeader handles the replies to the leader's AppendEntries and heartbeats.
func stepLeader(p *Peer, m Message) error {
	i := p.memberIndex(m.From)
	if i < 0 || i == p.self {
		return nil // from a server that is not (or no longer) a member: nothing to track
	}
	pr := p.progress[i]
	if m.Type == MsgAppResp || m.Type == MsgHeartbeatResp {
		p.noteRecovering(pr, m)
	}
	switch m.Type {
	case MsgAppResp:
		pr.Active = true
		p.handleAppendResponse(m, pr)
	case MsgSnapResp:
		pr.Active = true
		p.handleSnapshotResponse(m, pr)
	case MsgHeartbeatResp:
		pr.Active = true
		if pr.Mode == ModeSnapshot {
			p.snapshotStalled(pr)
		}
		pr.probeSent = false
		if pr.Mode == ModeReplicate && pr.paused() {
			// Appends may have been lost: let one more through so the follower can
			// reject and we can probe again.
			pr.freeFirstInflight()
		}
		if pr.Match < p.log.lastIndex() || m.Restarted || m.Recovering {
			// The follower is alive but behind (or restarted, perhaps with fewer
			// entries than it acknowledged, or is still recovering and needs our whole
			// log with Tail set). If our appends were lost, an empty one beyond its
			// log draws a rejection, and probing starts from its hint.
			p.markForSend(pr, true)
		}
		if m.ReadID != 0 && !pr.Recovering {
			p.ackReadRound(pr, m.ReadID)
		}
	}
	p.maybeLetGo(m) // last: it may rebuild the members, and pr with them
	return nil
}

// noteRecovering takes the follower's word on whether it is recovering (see
// Config.Recovering). When it starts to, what we knew of its log is void: forget its
// Match and probe from the end of our log, so that its rejection hints where it ends.
func (p *Peer) noteRecovering(pr *progress, m Message) {
	if m.Recovering && !pr.Recovering {
		pr.forget(p.log.lastIndex() + 1)
		p.markForSend(pr, true)
	}
	pr.Recovering = m.Recovering
}

func (p *Peer) handleAppendResponse(m Message, pr *progress) {
	if pr.Mode == ModeSnapshot {
		// While the snapshot travels, an old reply changes nothing but Match.
		if !m.Reject && pr.maybeUpdate(m.Index) && p.maybeCommit() {
			p.markAllForSend(true)
		}
		return
	}
	if m.Reject {
		next := m.RejectHint
		if m.LogTerm != 0 {
			// Fast back-off: if we hold entries of the follower's conflicting term, our
			// logs agree up to our last entry of that term.
			if last := p.lastIndexOfTerm(m.LogTerm, m.Index); last != 0 {
				next = last + 1
			}
		}
		if pr.maybeBackoff(m.Index, next, m.Restarted) {
			p.emit(Event{Kind: EventNextIndexBackoff, From: m.From, Index: pr.Next})
			p.markForSend(pr, false)
		}
		return
	}
	if m.Index < pr.Match {
		return // an old reply, overtaken by a later one
	}
	updated := pr.maybeUpdate(m.Index)
	if pr.Mode == ModeProbe {
		// The logs agree up to Match: stream from here on.
		pr.becomeReplicate()
	}
	if updated && p.maybeCommit() {
		// Tell every follower the new commit index.
		p.markAllForSend(true)
		return
	}
	if pr.Next <= p.log.lastIndex() {
		p.markForSend(pr, false)
	}
}

// lastIndexOfTerm returns the last index at or below hi whose term is term, or 0.
func (p *Peer) lastIndexOfTerm(term, hi uint64) uint64 {
	hi = min(hi, p.log.lastIndex())
	// The first index of a later term, minus one, is our last entry of term (if any).
	i := p.log.firstIndexAtLeastTerm(term+1, hi+1)
	if i <= 1 || p.log.term(i-1) != term {
		return 0
	}
	return i - 1
}

// maybeCommit advances the commit index to the highest index stored on a majority,
// if that entry is of the current term (§5.4.2: entries of earlier terms are committed
// only indirectly, by committing one of ours after them; see Figure 8).
func (p *Peer) maybeCommit() bool {
	majority := p.majorityReached(func(_ int, pr *progress) uint64 {
		if pr.Recovering {
			// A recovering follower counts toward no quorum: if it also lost its term,
			// it may be acknowledging a leader that was deposed with its vote.
			return 0
		}
		return pr.Match
	})
	if majority <= p.log.committed {
		return false
	}
	if !p.cfg.Unsafe.CommitOldTerms && p.log.term(majority) != p.term {
		return false
	}
	p.commitTo(majority)
	return true
}

func (p *Peer) commitTo(i uint64) {
	if p.log.commitTo(i) {
		p.emit(Event{Kind: EventCommitAdvanced, Index: i, LogTerm: p.log.term(i)})
		if p.role == RoleLeader {
			p.releaseReadsOnCommit()
			p.maybeLeaveJoint()
		}
		p.maybeLearnRemoved()
	}
}

// handleAppendEntries is the receiver side of AppendEntries (§5.3).
func (p *Peer) handleAppendEntries(m Message) error {
	if m.Index < p.log.committed {
		// Everything up to our commit index matches the leader already: say so.
		p.send(Message{To: m.From, Type: MsgAppResp, Index: p.log.committed})
		return nil
	}
	// §5.3: refuse the entries unless our log holds prevLogIndex at prevLogTerm.
	if !p.log.matchTerm(m.Index, m.LogTerm) {
		conflictTerm, hint := p.conflictHint(m.Index)
		p.emit(Event{Kind: EventAppendRejected, From: m.From, Index: m.Index, LogTerm: m.LogTerm})
		p.send(Message{To: m.From, Type: MsgAppResp, Index: m.Index, Reject: true, LogTerm: conflictTerm, RejectHint: hint})
		return nil
	}
	lastNew := m.Index + uint64(len(m.Entries))
	if conflict := p.log.findConflict(m.Entries); conflict != 0 {
		oldLast := p.log.lastIndex()
		if conflict <= p.log.committed {
			if !p.cfg.Unsafe.SkipUpToDateCheck && !p.cfg.Unsafe.CommitOldTerms {
				// Leader Completeness says this cannot happen: refuse rather than lose a
				// committed entry.
				return fmt.Errorf("engine: peer %d: AppendEntries from %d in term %d would overwrite committed entry %d (commit index %d); refused",
					p.id, m.From, m.Term, conflict, p.log.committed)
			}
			p.forgetCommitted(conflict)
		}
		if conflict <= oldLast {
			// §5.3: an existing entry conflicts with a new one: delete it and all that
			// follow it.
			p.emit(Event{Kind: EventSuffixTruncated, From: m.From, Index: conflict, LocalIndex: oldLast})
			p.limitPendingAcks(conflict - 1)
		}
		ents := m.Entries[conflict-m.Entries[0].Index:]
		p.log.truncateAndAppend(ents)
		p.emit(Event{Kind: EventEntriesAppended, From: m.From, Index: conflict, LocalIndex: lastNew})
		// §6: a server uses the latest configuration in its log, from the moment it
		// appends it; a truncated one no longer counts.
		p.confAfterReplace(conflict, ents)
	}
	// §5.3: commitIndex = min(leaderCommit, index of last new entry).
	p.commitTo(min(m.Commit, lastNew))
	p.restarted = false
	if p.recovering && m.Tail {
		// We now hold the leader's whole log. The leader's term is at least ours, and
		// ours at least that of any entry we acknowledged, so its log holds every entry
		// committed with our help (§5.4): we may vote and count again.
		p.recovering = false
		p.emit(Event{Kind: EventRecovered, From: m.From, Index: lastNew})
	}
	p.send(Message{To: m.From, Type: MsgAppResp, Index: lastNew})
	return nil
}

// limitPendingAcks keeps the acknowledgements not yet handed out from claiming entries
// that a truncation just removed: they leave after the next persist, which no longer
// holds them. Each one matched its leader's log up to its index, and the entries up to
// last are untouched, so lowering its claim to last keeps it true. Example: leader 1
// (term 2) sent entries 2..3, we queued "stored up to 3"; leader 2 (term 3) then
// replaced our log from index 2: leader 1 now hears "stored up to 1".
func (p *Peer) limitPendingAcks(last uint64) {
	for i := range p.msgs {
		if m := &p.msgs[i]; m.Type == MsgAppResp && !m.Reject && m.Index > last {
			m.Index = last
		}
	}
}

// forgetCommitted lets a leader overwrite committed entries, which only a broken rule of
// election or commitment (SkipUpToDateCheck, CommitOldTerms) makes possible: the peer
// goes along so that the simulator's safety checks see the damage.
func (p *Peer) forgetCommitted(from uint64) {
	p.log.committed = from - 1
	p.log.applied = min(p.log.applied, from-1)
}

// conflictHint tells the leader where to look after a rejection at index: the term of
// our entry there and the first index we hold of that term, or 0 and our last index + 1
// when our log is too short.
func (p *Peer) conflictHint(index uint64) (term, hint uint64) {
	last := p.log.lastIndex()
	if index > last {
		return 0, last + 1
	}
	term = p.log.term(index)
	return term, max(p.log.firstIndexAtLeastTerm(term, index), p.log.committed+1)
}

func (p *Peer) handleHeartbeat(m Message) {
	p.commitTo(min(m.Commit, p.log.lastIndex()))
	p.send(Message{To: m.From, Type: MsgHeartbeatResp, ReadID: m.ReadID})
}

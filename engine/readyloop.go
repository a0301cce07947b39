// The Ready loop: what the driver asks for (HasReady, Ready) and tells back (Advance).

package engine

// HasReady reports whether Ready would hand out anything.
func (p *Peer) HasReady() bool {
	if p.sendPending || p.reads.needRound || len(p.msgs) > 0 || len(p.events) > 0 ||
		len(p.readStates) > 0 || len(p.log.unstable) > 0 || !p.pendingSnap.IsEmpty() {
		return true
	}
	if p.softState() != p.prevSoft || p.hardState() != p.prevHard {
		return true
	}
	return p.log.committed > p.log.applied
}

func (p *Peer) softState() SoftState { return SoftState{Lead: p.lead, Role: p.role} }

func (p *Peer) hardState() HardState {
	return HardState{Term: p.term, VotedFor: p.votedFor, Commit: p.log.committed}
}

// Ready returns what the driver must persist, send and apply, in that order (see the
// Ready type). Call Advance when done, before the next Tick, Step, Propose or ReadIndex.
func (p *Peer) Ready() Ready {
	p.flushSends()
	p.flushReadRound()
	// After the sends: the followers hear that C_new is committed from the leader that
	// committed it, before it steps down (§6).
	p.maybeStepDownRemoved()
	rd := Ready{
		Entries:    p.log.unstable,
		Messages:   p.msgs,
		ReadStates: p.readStates,
		Events:     p.events,
	}
	if ss := p.softState(); ss != p.prevSoft {
		changed := ss // only a change escapes to the heap
		rd.SoftState = &changed
	}
	hs := p.hardState()
	if hs != p.prevHard {
		rd.HardState = hs
	}
	if !p.pendingSnap.IsEmpty() {
		rd.Snapshot, rd.RestoreSnapshot = p.pendingSnap, p.restoreSnap
	}
	// Sync what a message may promise: entries, a term, a vote. The commit index alone
	// is not worth an fdatasync (nor does etcd pay one): it is saved, and after a crash
	// that lost it the peer restarts with an older commit index and learns the rest
	// from the leader. Entries are only ever applied once durable, so nothing applied
	// depends on it.
	rd.MustSync = len(rd.Entries) > 0 || !rd.Snapshot.IsEmpty() || hs.Term != p.prevHard.Term || hs.VotedFor != p.prevHard.VotedFor
	rd.CommittedEntries = p.committedToApply()
	p.handed = handedOut{valid: true, hadEntries: len(rd.Entries) > 0, snap: !rd.Snapshot.IsEmpty(), hard: hs, soft: p.softState()}
	if n := len(rd.Entries); n > 0 {
		p.handed.lastEntry = rd.Entries[n-1].Index
	}
	if n := len(rd.CommittedEntries); n > 0 {
		p.handed.lastApplied = rd.CommittedEntries[n-1].Index
	} else {
		// A restored snapshot counts as applied up to its index.
		p.handed.lastApplied = max(p.log.applied, p.log.snapIndex)
	}
	return rd
}

// committedToApply returns the committed entries not yet applied. Entries persisted by
// this very Ready count as durable: the driver persists before it applies. A snapshot
// received from the leader is applied by restoring it, so they start after it.
func (p *Peer) committedToApply() []Entry {
	lo, hi := max(p.log.applied, p.log.snapIndex)+1, p.log.committed+1
	if lo >= hi {
		return nil
	}
	first := p.log.slice(lo, hi, noLimit)
	if uint64(len(first)) == hi-lo {
		return first
	}
	// The range spans storage and the unstable part: join them in a reused buffer.
	p.applyBuf = append(p.applyBuf[:0], first...)
	for next := lo + uint64(len(first)); next < hi; {
		more := p.log.slice(next, hi, noLimit)
		p.applyBuf = append(p.applyBuf, more...)
		next += uint64(len(more))
	}
	return p.applyBuf
}

const noLimit = ^uint64(0)

// Advance tells the peer that the last Ready has been handled: its entries and
// HardState are durable, its messages sent and its committed entries applied.
func (p *Peer) Advance() {
	if !p.handed.valid {
		panic("engine: Advance called without a Ready")
	}
	h := p.handed
	p.handed = handedOut{}
	p.prevHard, p.prevSoft = h.hard, h.soft
	// Forget what the last Ready handed out before doing anything that may produce more:
	// the commit below can emit an event, tell the followers and release reads, all of
	// which belong to the next Ready.
	p.msgs = p.msgs[:0]
	p.events = p.events[:0]
	p.readStates = p.readStates[:0]
	if h.hadEntries {
		p.log.stableTo(h.lastEntry)
		if p.role == RoleLeader {
			// Our own entries count towards a majority only once they are durable.
			if p.progress[p.self].maybeUpdate(h.lastEntry) && p.maybeCommit() {
				p.markAllForSend(true)
			}
		}
	}
	p.log.applied = max(p.log.applied, h.lastApplied)
	if h.snap {
		if !p.restoreSnap {
			// A snapshot we took is durable: the log before it is gone from storage,
			// and with it any configuration entry; the snapshot's configuration is the
			// one as of the start of the log now (§6, §7).
			p.log.snapIndex, p.log.snapTerm = p.pendingSnap.Meta.Index, p.pendingSnap.Meta.Term
			p.baseConf = p.pendingSnap.Meta.ConfState
		}
		p.pendingSnap, p.restoreSnap = Snapshot{}, false
	}
}

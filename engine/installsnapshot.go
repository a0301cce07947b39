// InstallSnapshot (§7, Figure 13): a leader sends its snapshot to a follower that needs
// entries the leader no longer has, in chunks; the follower reassembles and installs it.

package engine

import "fmt"

// Defaults for the snapshot transfer when Config leaves them zero.
const (
	defaultMaxInflightSnapshotChunks = 4
)

// snapshotChunkSize is the bytes of snapshot data per InstallSnapshot message.
func (c *Config) snapshotChunkSize() uint64 {
	if c.SnapshotChunkSize != 0 {
		return c.SnapshotChunkSize
	}
	return c.MaxSizePerMsg
}

// maxInflightSnapshotChunks is the window of unacknowledged chunks per follower.
func (c *Config) maxInflightSnapshotChunks() uint64 {
	if c.MaxInflightSnapshotChunks > 0 {
		return uint64(c.MaxInflightSnapshotChunks)
	}
	return defaultMaxInflightSnapshotChunks
}

// snapshotRecv is a follower's partly received snapshot: the chunks of one transfer,
// from one leader, reassembled in order. It lives in memory only: a follower that
// restarts has none, answers the next chunk with "I hold 0 bytes", and the leader
// starts over.
type snapshotRecv struct {
	from, index, term uint64
	buf               []byte
}

// startSnapshot switches the follower's progress to sending the snapshot in storage,
// because its nextIndex is inside the compacted prefix (§7). It reports false when the
// storage cannot give the snapshot now; the next heartbeat reply tries again.
func (p *Peer) startSnapshot(to uint64, pr *progress) bool {
	ss := p.snapshotStorage()
	if ss == nil {
		return false
	}
	snap, err := ss.Snapshot()
	if err != nil || snap.IsEmpty() {
		return false
	}
	pr.becomeSnapshot(snap)
	p.emit(Event{Kind: EventSnapshotSent, From: to, Index: snap.Meta.Index, LogTerm: snap.Meta.Term, Offset: uint64(len(snap.Data))})
	return true
}

// sendSnapshotChunks sends the next chunks of the snapshot in transfer while the window
// of unacknowledged bytes (MaxInflightSnapshotChunks chunks) allows: flow control, as
// the inflight window is for AppendEntries. The last chunk says Done (Figure 13).
func (p *Peer) sendSnapshotChunks(to uint64, pr *progress) {
	chunk, window := p.cfg.snapshotChunkSize(), p.cfg.maxInflightSnapshotChunks()
	data := pr.snap.Data
	size := uint64(len(data))
	for !pr.snapDoneSent && pr.snapSent-pr.SnapshotAcked < window*chunk {
		end := min(pr.snapSent+chunk, size)
		p.send(Message{
			To:      to,
			Type:    MsgSnap,
			Index:   pr.snap.Meta.Index,
			LogTerm: pr.snap.Meta.Term,
			Offset:  pr.snapSent,
			Data:    data[pr.snapSent:end:end],
			Done:    end == size,
			Conf:    pr.snap.Meta.ConfState,
		})
		pr.snapSent = end
		pr.snapDoneSent = end == size
	}
}

// handleSnapshotResponse is the leader's side of the transfer's replies.
func (p *Peer) handleSnapshotResponse(m Message, pr *progress) {
	if pr.Mode != ModeSnapshot || m.Index != pr.snap.Meta.Index || m.LogTerm != pr.snap.Meta.Term {
		return // a reply about a transfer that is over
	}
	switch {
	case m.Done && !m.Reject:
		// Installed: the follower's log matches ours up to the snapshot's index.
		// Continue with AppendEntries from the entry after it.
		pr.becomeProbe()
		if pr.maybeUpdate(m.Index) && p.maybeCommit() {
			p.markAllForSend(true)
		}
		p.markForSend(pr, true)
	case m.Done:
		// Refused as stale: the follower committed at least up to the snapshot (its
		// commit index is RejectHint), so it needs only entries after that.
		pr.becomeProbe()
		pr.Next = max(pr.Next, min(m.RejectHint, p.log.lastIndex())+1)
		p.markForSend(pr, true)
	case m.Reject:
		// A chunk arrived after a gap (one was lost), or the follower knows nothing of
		// this transfer (it restarted): go on from what it holds, from 0 if nothing.
		pr.SnapshotAcked = min(m.Offset, uint64(len(pr.snap.Data)))
		pr.snapSent, pr.snapDoneSent = pr.SnapshotAcked, false
		pr.snapIdle = 0
		p.markForSend(pr, false)
	default:
		// The follower holds m.Offset bytes of this snapshot. That may be more than we
		// sent in this transfer: it kept the bytes of an earlier one of the same
		// snapshot from us (we restarted, or lost and won leadership back), and
		// answers every chunk it already holds with its length. Go on from there, or
		// the transfer never moves past those bytes.
		if m.Offset > pr.SnapshotAcked && m.Offset <= uint64(len(pr.snap.Data)) {
			pr.SnapshotAcked = m.Offset
			pr.snapSent = max(pr.snapSent, m.Offset)
			pr.snapIdle = 0
			p.markForSend(pr, false)
		}
	}
}

// snapshotStalled handles a heartbeat reply during a transfer: after a few replies
// with no chunk acknowledged while chunks are out, the chunks in flight are taken as
// lost (all of them, so no later chunk reported the gap) and resent from the last
// acknowledged byte. A duplicate that arrives anyway is ignored by the follower.
func (p *Peer) snapshotStalled(pr *progress) {
	if pr.snapSent == pr.SnapshotAcked && !pr.snapDoneSent {
		return
	}
	pr.snapIdle++
	if pr.snapIdle >= 3 {
		pr.snapIdle = 0
		pr.snapSent, pr.snapDoneSent = pr.SnapshotAcked, false
		p.markForSend(pr, false)
	}
}

// handleSnapshot is the receiver side of InstallSnapshot (§7, Figure 13): reassemble
// the chunks in order, then install the snapshot. A snapshot at or below our commit
// index is refused: installing it would move commit and applied backwards.
func (p *Peer) handleSnapshot(m Message) {
	resp := Message{To: m.From, Type: MsgSnapResp, Index: m.Index, LogTerm: m.LogTerm}
	refuse := func(reason Reason) {
		p.emit(Event{Kind: EventSnapshotRejected, From: m.From, Index: m.Index, LogTerm: m.LogTerm, LocalIndex: p.log.committed, Reason: reason})
		p.recv = snapshotRecv{}
		resp.Reject, resp.Done, resp.RejectHint = true, true, p.log.committed
		p.send(resp)
	}
	switch {
	case m.Index <= p.log.committed:
		refuse(ReasonSnapshotStale)
		return
	case p.snapshotStorage() == nil:
		refuse(ReasonNoSnapshotStorage)
		return
	}
	r := &p.recv
	if r.from != m.From || r.index != m.Index || r.term != m.LogTerm {
		if m.Offset != 0 {
			// A chunk of a transfer we hold nothing of: we restarted, or it is the rest
			// of another snapshot. Ask for this one from its start.
			p.emit(Event{Kind: EventSnapshotRejected, From: m.From, Index: m.Index, LogTerm: m.LogTerm, Offset: m.Offset, Reason: ReasonChunkMissing})
			resp.Reject = true
			p.send(resp)
			return
		}
		*r = snapshotRecv{from: m.From, index: m.Index, term: m.LogTerm}
	}
	held := uint64(len(r.buf))
	switch {
	case m.Offset > held:
		// A gap: an earlier chunk was lost. Keep what we hold, ask for the rest.
		p.emit(Event{Kind: EventSnapshotRejected, From: m.From, Index: m.Index, LogTerm: m.LogTerm, Offset: m.Offset, LocalIndex: held, Reason: ReasonChunkMissing})
		resp.Reject, resp.Offset = true, held
		p.send(resp)
		return
	case m.Offset+uint64(len(m.Data)) > held:
		// New bytes (all of the chunk, or the tail of one that overlaps a duplicate).
		r.buf = append(r.buf, m.Data[held-m.Offset:]...)
	}
	resp.Offset = uint64(len(r.buf))
	if !m.Done || m.Offset+uint64(len(m.Data)) != resp.Offset {
		p.send(resp) // acknowledge: the leader may send more
		return
	}
	data := r.buf
	p.recv = snapshotRecv{}
	p.installSnapshot(m, data)
	resp.Done = true
	p.send(resp) // leaves after the Ready that persists the snapshot
}

// installSnapshot replaces our log up to the snapshot with it and hands it to the
// driver to persist and to restore the state machine from (Ready.Snapshot). §7: a
// follower keeps the entries that follow the snapshot if its log holds the snapshot's
// last entry, and otherwise discards its whole log.
func (p *Peer) installSnapshot(m Message, data []byte) {
	meta := SnapshotMeta{Index: m.Index, Term: m.LogTerm, ConfState: sortedConf(m.Conf)}
	keptSuffix := p.log.restore(meta)
	if !keptSuffix {
		// Acknowledgements not yet sent may claim entries the discarded log held.
		p.limitPendingAcks(meta.Index)
	}
	// The snapshot's configuration is the one as of its index (§6, §7); a kept suffix
	// may hold a later one.
	p.baseConf = meta.ConfState
	cs, index, err := p.confAt(p.log.lastIndex())
	if err != nil {
		panic(fmt.Sprintf("engine: broken invariant: peer %d: a configuration entry it accepted does not decode: %v", p.id, err))
	}
	p.setConf(cs, index, false)
	p.pendingSnap = Snapshot{Meta: meta, Data: data}
	p.restoreSnap = true
	p.restarted = false
	p.emit(Event{Kind: EventSnapshotInstalled, From: m.From, Index: meta.Index, LogTerm: meta.Term,
		LocalIndex: p.log.lastIndex(), Offset: uint64(len(data))})
	p.emit(Event{Kind: EventCommitAdvanced, Index: meta.Index, LogTerm: meta.Term})
}

package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// proposal is a kv command on its way from an HTTP handler into the log and back.
type proposal struct {
	command  []byte
	clientID uint64 // from the command: 0 when the client sent no session headers
	seq      uint64
	done     chan proposalOutcome // buffered: the loop never waits for the handler

	// Set by the loop: where Propose put the entry. An index and a term name one entry
	// (Log Matching, §5.3), so the entry applied at index is ours only if its term is.
	index, term uint64
}

type proposalOutcome struct {
	result kv.Result
	err    error
}

// readRequest is a linearizable GET waiting for its ReadIndex round.
type readRequest struct {
	key   string
	done  chan readOutcome // buffered
	index uint64           // the read index, once confirmed
}

type readOutcome struct {
	value string
	found bool
	index uint64
	err   error
}

// Why the loop gave up on a request; the HTTP layer answers each with 503.
var (
	errStopping       = errors.New("the node is shutting down")
	errStoppingWrite  = errors.New("the node is shutting down and the write was not applied yet, so its outcome is unknown; retry with the same X-Raftplay-Client and X-Raftplay-Seq to have it applied at most once")
	errLeadershipLost = errors.New("this node lost leadership before the entry was applied, so the outcome is unknown; retry with the same X-Raftplay-Client and X-Raftplay-Seq to have it applied at most once")
	errEntryReplaced  = errors.New("a new leader replaced the entry before it was committed; it was not applied; retry")
	errReadAborted    = errors.New("this node lost leadership before the read was confirmed; retry")
)

// statusKey is the part of the status whose change makes a status event.
type statusKey struct {
	role               engine.Role
	term, lead         uint64
	commit, lastIndex  uint64
	lastApplied        uint64
	snapshotIndex      uint64
	connectedPeersMask uint64 // bit i: the i-th other peer (by id) is connected: connection up, link not cut
	confVersion        uint64 // counts the configurations adopted
}

// raftLoop is the one goroutine that owns the engine, the store and the state machine.
// It is the loop of the engine's package documentation with real time and real I/O:
// take every pending input, then persist, send, apply, answer, Advance.
type raftLoop struct {
	n     *Node
	log   *slog.Logger
	peer  *engine.Peer
	store engine.LogStore
	marks durableMarks            // nil if the store keeps none
	snaps engine.SnapshotLogStore // nil if the store keeps no snapshots
	kv    *kv.Store

	// The log applied since the last snapshot (taken or installed), against the
	// Config's SnapshotEntries and SnapshotBytes.
	snapIndex      uint64
	bytesSinceSnap int64

	lastCheckpoint time.Time

	proposals  map[uint64]*proposal    // by log index: entries proposed here, not yet applied
	reads      map[uint64]*readRequest // by ReadIndex request id: not yet confirmed
	confirmed  []*readRequest          // confirmed, waiting for the state machine to reach their index
	nextReadID uint64

	confWaits    map[uint64]*confRequest // by log index: membership changes proposed here, not yet applied
	promoteTicks int                     // ticks since the last look for learners to promote
	peerKey      peerKey                 // what the transport's peers were computed from
	peerLeaving  []uint64                // with the leader's leaving servers (engine.Peer.Leaving)
	// removedAt is the configuration entry that removed this node, once the engine
	// said it is committed (EventRemoved): the node stops talking at the next tick.
	removedAt uint64

	leading    bool   // we were leader after the last Ready
	leaderTerm uint64 // ... in this term

	key           statusKey // the state after the last Ready
	publishedKey  statusKey // the state the last status event showed
	publishedAt   time.Time
	publishedOnce bool

	msgs liveSampler // what the live streams get
}

// liveSampler keeps what the live streams (/events?messages=1) get under
// MaxMessageEvents messages and MaxFrequentEvents frequent engine events a second:
// each messageWindow shows at most its share of each; the others are counted, and the
// count goes out as a "sampled" event before the next message shown (or at the end
// of the window, when no other message comes).
type liveSampler struct {
	windowStart    time.Time
	shown          int // messages shown in the current window
	frequentShown  int // frequent events shown in the current window
	frequentWindow time.Time
	skipped        uint64 // messages and events left out since the last "sampled" event
}

// perWindow and frequentPerWindow are how many messages and frequent events one
// window may show.
const (
	perWindow         = MaxMessageEvents * int(messageWindow) / int(time.Second)
	frequentPerWindow = MaxFrequentEvents * int(messageWindow) / int(time.Second)
)

// takeFrequent reports whether one more frequent event fits in the current window.
func (s *liveSampler) takeFrequent(now time.Time) bool {
	if now.Sub(s.frequentWindow) >= messageWindow {
		s.frequentWindow, s.frequentShown = now, 0
	}
	if s.frequentShown >= frequentPerWindow {
		return false
	}
	s.frequentShown++
	return true
}

func newRaftLoop(n *Node, peer *engine.Peer) (*raftLoop, error) {
	l := &raftLoop{
		n: n, log: n.log, peer: peer, store: n.cfg.Store, kv: kv.New(),
		proposals: make(map[uint64]*proposal),
		reads:     make(map[uint64]*readRequest),
		confWaits: make(map[uint64]*confRequest),
	}
	l.marks, _ = l.store.(durableMarks)
	l.snaps, _ = l.store.(engine.SnapshotLogStore)
	if l.snaps != nil {
		// The engine starts with the snapshot's index applied (§7): the state machine
		// starts from the snapshot, and the log after it is applied on top.
		snap, err := l.snaps.Snapshot()
		if err != nil {
			return nil, fmt.Errorf("node %d: load the snapshot: %w", n.cfg.ID, err)
		}
		if !snap.IsEmpty() {
			if err := l.kv.Restore(snap.Data); err != nil {
				return nil, fmt.Errorf("node %d: restore the state machine from the snapshot at index %d: %w", n.cfg.ID, snap.Meta.Index, err)
			}
			l.snapIndex = snap.Meta.Index
		}
	}
	st := peer.Status()
	l.key = statusKey{role: st.Role, term: st.Term, lead: st.Lead, commit: st.CommitIndex, lastIndex: st.LastIndex,
		lastApplied: l.kv.AppliedIndex(), snapshotIndex: st.SnapshotIndex}
	n.status = n.initialStatus(st)
	n.status.Recovering = st.Recovering
	tail, err := initialTail(l.store, st)
	if err != nil {
		return nil, fmt.Errorf("node %d: %w", n.cfg.ID, err)
	}
	n.status.LogTail = tail
	if st.Recovering {
		l.log.Warn("this node's storage lost entries it may have acknowledged: it will neither vote nor count toward a quorum until it has caught up from a leader")
	}
	return l, nil
}

// run drives the peer until ctx is cancelled or persisting fails.
func (l *raftLoop) run(ctx context.Context) error {
	ticker := time.NewTicker(l.n.cfg.TickInterval)
	defer ticker.Stop()
	for {
		if err := l.handleReadys(); err != nil {
			return err
		}
		l.maybePublishStatus(time.Now())
		select {
		case <-ctx.Done():
			return nil
		case now := <-ticker.C:
			l.peer.Tick()
			l.maybePromote()
			l.maybeLeave()
			if err := l.maybeCheckpoint(now); err != nil {
				return err
			}
		case m := <-l.n.recvc:
			l.step(m)
		case p := <-l.n.propc:
			l.propose(p)
		case r := <-l.n.readc:
			l.readIndex(r)
		case c := <-l.n.confc:
			l.handleConf(c)
		case notice := <-l.n.removalc:
			l.noteRemoval(notice)
		}
		l.drainInputs()
	}
}

// maybeCheckpoint refreshes the store's high-water mark once per checkpointInterval.
func (l *raftLoop) maybeCheckpoint(now time.Time) error {
	if l.marks == nil || now.Sub(l.lastCheckpoint) < checkpointInterval {
		return nil
	}
	l.lastCheckpoint = now
	if err := l.marks.Checkpoint(); err != nil {
		return fmt.Errorf("node %d: %w", l.n.cfg.ID, err)
	}
	return nil
}

// drainInputs takes what else is waiting, so that one Ready, and one fsync, covers
// every proposal and message that arrived meanwhile.
func (l *raftLoop) drainInputs() {
	for range maxInputsPerLoop {
		select {
		case m := <-l.n.recvc:
			l.step(m)
		case p := <-l.n.propc:
			l.propose(p)
		case r := <-l.n.readc:
			l.readIndex(r)
		case c := <-l.n.confc:
			l.handleConf(c)
		default:
			return
		}
	}
}

func (l *raftLoop) step(m engine.Message) {
	if err := l.peer.Step(m); err != nil {
		// One line per sender and minute: a peer (or an impostor holding the token)
		// sending a stream of refused messages must not flood the log.
		key := fmt.Sprintf("step/%d/%t", m.From, errors.Is(err, engine.ErrTermOutOfRange))
		if ok, suppressed := l.n.warnLimit.allow(key, time.Now()); ok {
			l.log.Warn("dropped a message the engine refused", "type", m.Type.String(), "from", m.From, "err", err,
				"similar_dropped_before", suppressed)
		}
	}
}

func (l *raftLoop) propose(p *proposal) {
	index, err := l.peer.Propose(p.command, nil)
	if err != nil {
		p.done <- proposalOutcome{err: err}
		return
	}
	p.index, p.term = index, l.peer.Term()
	l.proposals[index] = p
}

func (l *raftLoop) readIndex(r *readRequest) {
	l.nextReadID++
	if err := l.peer.ReadIndex(l.nextReadID); err != nil {
		r.done <- readOutcome{err: err}
		return
	}
	l.reads[l.nextReadID] = r
}

func (l *raftLoop) handleReadys() error {
	for l.peer.HasReady() {
		rd := l.peer.Ready()
		if err := l.handleReady(&rd); err != nil {
			return err
		}
		l.peer.Advance()
		l.maybeSnapshot()
	}
	return nil
}

// maybeSnapshot takes a snapshot of the state machine when the log applied since the
// last one passes the Config's thresholds (§7: each server snapshots on its own). The
// next Ready carries it, and persisting it drops the log it covers. It runs after
// Advance: the engine counts entries as applied only then.
func (l *raftLoop) maybeSnapshot() {
	if l.snaps == nil {
		return
	}
	cfg := &l.n.cfg
	applied := l.kv.AppliedIndex()
	since := applied - min(l.snapIndex, applied)
	if !(cfg.SnapshotEntries > 0 && since >= uint64(cfg.SnapshotEntries)) &&
		!(cfg.SnapshotBytes > 0 && l.bytesSinceSnap >= cfg.SnapshotBytes) {
		return
	}
	data, err := l.kv.Snapshot()
	if err == nil {
		err = l.peer.TakeSnapshot(applied, data)
	}
	if err != nil {
		l.log.Warn("could not take a snapshot", "index", applied, "err", err)
	}
	// Either way, wait for another interval before trying again.
	l.snapIndex, l.bytesSinceSnap = applied, 0
}

// handleReady does what rd asks, in the order the engine requires: persist, send, apply,
// serve reads.
func (l *raftLoop) handleReady(rd *engine.Ready) error {
	// A configuration the engine adopted (§6) first: this Ready's messages may go to
	// members it added.
	if cs, index, ok := adoptedConf(rd.Events); ok {
		l.adoptConf(cs, index)
	}
	// A leader's AppendEntries and heartbeats go out while it writes to its own disk
	// (engine.Ready allows it): the followers' fsyncs then overlap the leader's.
	watched := l.n.hub.wantsMessages()
	var now time.Time
	if watched && len(rd.Messages) > 0 {
		now = time.Now()
	}
	for i := range rd.Messages {
		if engine.MaySendBeforePersist(&rd.Messages[i]) && l.n.trans.send(&rd.Messages[i]) && watched {
			l.showMessage(&rd.Messages[i], now)
		}
	}
	if !rd.Snapshot.IsEmpty() {
		// The snapshot first: the entries of this Ready follow it (engine.Ready).
		if l.snaps == nil {
			return fmt.Errorf("node %d: the engine gave a snapshot to persist, but the store (%T) keeps none", l.n.cfg.ID, l.store)
		}
		meta := rd.Snapshot.Meta
		if err := l.snaps.SaveSnapshot(rd.Snapshot); err != nil {
			return fmt.Errorf("node %d: persist the snapshot at %d@%d: %w", l.n.cfg.ID, meta.Index, meta.Term, err)
		}
		l.key.snapshotIndex = meta.Index
		l.key.lastIndex, _ = l.store.LastIndex()
	}
	if !rd.HardState.IsEmpty() || len(rd.Entries) > 0 {
		if err := l.store.Save(rd.HardState, rd.Entries, rd.MustSync); err != nil {
			return fmt.Errorf("node %d: persist %d entries and hard state %+v: %w", l.n.cfg.ID, len(rd.Entries), rd.HardState, err)
		}
	}
	if err := l.noteRecovered(rd.Events); err != nil {
		return err
	}
	for i := range rd.Messages {
		if !engine.MaySendBeforePersist(&rd.Messages[i]) && l.n.trans.send(&rd.Messages[i]) && watched {
			l.showMessage(&rd.Messages[i], now)
		}
	}
	if rd.RestoreSnapshot {
		// The leader's snapshot replaces the state machine (InstallSnapshot, §7).
		if err := l.kv.Restore(rd.Snapshot.Data); err != nil {
			return fmt.Errorf("node %d: restore the state machine from the leader's snapshot at %d: %w", l.n.cfg.ID, rd.Snapshot.Meta.Index, err)
		}
		l.snapIndex, l.bytesSinceSnap = rd.Snapshot.Meta.Index, 0
		l.log.Info("installed the leader's snapshot", "index", rd.Snapshot.Meta.Index, "term", rd.Snapshot.Meta.Term, "bytes", len(rd.Snapshot.Data))
	}
	for i := range rd.CommittedEntries {
		l.bytesSinceSnap += int64(len(rd.CommittedEntries[i].Command))
		l.apply(&rd.CommittedEntries[i])
	}
	for _, rs := range rd.ReadStates {
		l.confirmRead(rs)
	}
	l.serveReads()
	l.track(rd)
	l.noteRemoved(rd.Events)
	l.followPeers() // the commit index, the role or the leaving servers may have moved on
	l.checkLeadership()
	l.publishEvents(rd.Events)
	return nil
}

// noteRecovered makes the engine's EventRecovered durable, after the entries that
// made it true and before the reply that tells the leader.
func (l *raftLoop) noteRecovered(events []engine.Event) error {
	for _, e := range events {
		if e.Kind != engine.EventRecovered {
			continue
		}
		if l.marks != nil {
			if err := l.marks.MarkRecovered(); err != nil {
				return fmt.Errorf("node %d: record the recovery: %w", l.n.cfg.ID, err)
			}
		}
		l.log.Info("caught up from the leader after losing entries: votes and counts toward a quorum again", "leader", e.From, "index", e.Index)
		l.n.statusMu.Lock()
		l.n.status.Recovering = false
		l.n.statusMu.Unlock()
	}
	return nil
}

// apply applies one committed entry and answers the request that proposed it here.
func (l *raftLoop) apply(e *engine.Entry) {
	var (
		res     kv.Result
		cmd     kv.Command
		decoded bool
	)
	if len(e.Command) == 0 || e.Type == engine.EntryConfChange {
		// A new leader's empty entry, or a configuration (§6), which the engine applies.
		res = l.kv.Apply(e.Index, nil)
		if e.Type == engine.EntryConfChange {
			l.confApplied(e)
		}
	} else if c, err := kv.Decode(e.Command); err != nil {
		res = l.kv.Apply(e.Index, e.Command) // records the decode error, advances the index
	} else {
		cmd, decoded = c, true
		res = l.kv.ApplyCommand(e.Index, cmd)
	}
	p, ok := l.proposals[e.Index]
	if !ok {
		return
	}
	delete(l.proposals, e.Index)
	if e.Term != p.term || !decoded || cmd.ClientID != p.clientID || cmd.Seq != p.seq {
		p.done <- proposalOutcome{err: errEntryReplaced}
		return
	}
	p.done <- proposalOutcome{result: res}
}

func (l *raftLoop) confirmRead(rs engine.ReadState) {
	r, ok := l.reads[rs.RequestID]
	if !ok {
		return
	}
	delete(l.reads, rs.RequestID)
	r.index = rs.Index
	l.confirmed = append(l.confirmed, r)
}

// serveReads answers the confirmed reads whose index the state machine has reached.
func (l *raftLoop) serveReads() {
	applied := l.kv.AppliedIndex()
	kept := l.confirmed[:0]
	for _, r := range l.confirmed {
		if r.index > applied {
			kept = append(kept, r)
			continue
		}
		value, found := l.kv.Get(r.key)
		r.done <- readOutcome{value: value, found: found, index: r.index}
	}
	clear(l.confirmed[len(kept):])
	l.confirmed = kept
}

// track updates the status from what the Ready changed; it never asks the engine for a
// full Status, which allocates.
func (l *raftLoop) track(rd *engine.Ready) {
	if !rd.HardState.IsEmpty() {
		l.key.term, l.key.commit = rd.HardState.Term, rd.HardState.Commit
	}
	if k := len(rd.Entries); k > 0 {
		l.key.lastIndex = rd.Entries[k-1].Index // the saved log now ends here, even after a truncation
	}
	if rd.SoftState != nil {
		l.key.role, l.key.lead = rd.SoftState.Role, rd.SoftState.Lead
	}
	l.key.lastApplied = l.kv.AppliedIndex()
	l.n.statusMu.Lock()
	st := &l.n.status
	st.Role, st.Term, st.Leader = l.key.role.String(), l.key.term, l.key.lead
	st.CommitIndex, st.LastApplied, st.LastIndex = l.key.commit, l.key.lastApplied, l.key.lastIndex
	st.SnapshotIndex, st.FirstIndex = l.key.snapshotIndex, l.key.snapshotIndex+1
	st.LogTail = trackTail(st.LogTail, rd.Entries, l.key.snapshotIndex, l.key.lastIndex)
	l.n.statusMu.Unlock()
}

// trackTail returns tail, the last entries of the log, after the saved entries were
// appended (replacing any suffix they overwrite: §5.3), keeping only those after the
// snapshot and up to the last index (a snapshot installed from the leader may have
// replaced the log) and at most LogTailLen. It reuses tail's array.
func trackTail(tail []LogRef, saved []engine.Entry, snapshotIndex, lastIndex uint64) []LogRef {
	if len(saved) > 0 {
		first := saved[0].Index
		for len(tail) > 0 && tail[len(tail)-1].Index >= first {
			tail = tail[:len(tail)-1]
		}
		if len(saved) > LogTailLen {
			saved = saved[len(saved)-LogTailLen:]
		}
		for i := range saved {
			tail = append(tail, LogRef{Index: saved[i].Index, Term: saved[i].Term})
		}
	}
	for len(tail) > 0 && tail[len(tail)-1].Index > lastIndex {
		tail = tail[:len(tail)-1]
	}
	drop := 0
	for drop < len(tail) && (tail[drop].Index <= snapshotIndex || len(tail)-drop > LogTailLen) {
		drop++
	}
	if drop > 0 {
		tail = tail[:copy(tail, tail[drop:])]
	}
	return tail
}

// initialTail reads the last entries of the store's log after the snapshot.
func initialTail(store engine.LogStore, st engine.Status) ([]LogRef, error) {
	first := st.SnapshotIndex + 1
	if st.LastIndex >= LogTailLen && st.LastIndex-LogTailLen+1 > first {
		first = st.LastIndex - LogTailLen + 1
	}
	tail := make([]LogRef, 0, 2*LogTailLen)
	for i := first; i <= st.LastIndex; i++ {
		term, err := store.Term(i)
		if err != nil {
			return nil, fmt.Errorf("read the term of entry %d: %w", i, err)
		}
		tail = append(tail, LogRef{Index: i, Term: term})
	}
	return tail, nil
}

// checkLeadership gives up on the requests only a leader can finish once we are no
// longer the leader of the term they were made in. Reads already confirmed (§6.4: the
// read index is known) stay: they are answered once it is applied, by whatever role.
func (l *raftLoop) checkLeadership() {
	leading := l.key.role == engine.RoleLeader
	if l.leading && (!leading || l.key.term != l.leaderTerm) {
		l.log.Info("lost leadership", "term", l.leaderTerm, "pending_proposals", len(l.proposals), "pending_reads", len(l.reads))
		l.failPending(errLeadershipLost, errReadAborted)
	}
	l.leading, l.leaderTerm = leading, l.key.term
}

// abortAll answers every request the loop holds: the loop has stopped.
func (l *raftLoop) abortAll() {
	l.failPending(errStoppingWrite, errStopping)
	for _, r := range l.confirmed {
		r.done <- readOutcome{err: errStopping}
	}
	l.confirmed = nil
}

// failPending answers the requests waiting on the leader's work with an error and
// forgets them: proposals and configuration changes with writeErr, reads whose index
// is not yet confirmed with readErr.
func (l *raftLoop) failPending(writeErr, readErr error) {
	for index, p := range l.proposals {
		p.done <- proposalOutcome{err: writeErr}
		delete(l.proposals, index)
	}
	for id, r := range l.reads {
		r.done <- readOutcome{err: readErr}
		delete(l.reads, id)
	}
	for index, c := range l.confWaits {
		c.done <- confOutcome{err: writeErr}
		delete(l.confWaits, index)
	}
}

// showMessage streams m, which was just handed to the transport, as a "message" event,
// unless the current window has shown its share; it never makes the loop wait (the hub
// drops what a subscriber cannot take).
func (l *raftLoop) showMessage(m *engine.Message, now time.Time) {
	sm := &l.msgs
	if now.Sub(sm.windowStart) >= messageWindow {
		l.flushSampled()
		sm.windowStart, sm.shown = now, 0
	}
	if sm.shown >= perWindow {
		sm.skipped++
		return
	}
	sm.shown++
	l.flushSampled()
	data, err := json.Marshal(MessageEventOf(m, now))
	if err != nil {
		l.log.Error("encode a message event", "message", m.Describe(), "err", err)
		return
	}
	l.n.hub.publish(sseSent, data, toLive)
}

// flushSampled reports the messages left out since the last report, if any.
func (l *raftLoop) flushSampled() {
	if l.msgs.skipped == 0 {
		return
	}
	l.n.hub.publish(sseSampled, fmt.Appendf(nil, `{"dropped":%d}`, l.msgs.skipped), toLive)
	l.msgs.skipped = 0
}

// publishEvents logs the engine's decisions and streams them to /events.
func (l *raftLoop) publishEvents(events []engine.Event) {
	if len(events) == 0 {
		return
	}
	debug := l.log.Enabled(context.Background(), slog.LevelDebug)
	for _, e := range events {
		switch e.Kind {
		case engine.EventRestarted, engine.EventElectionWon, engine.EventSteppedDown,
			engine.EventQuorumLost, engine.EventSuffixTruncated:
			l.log.Info(e.Describe(engine.PeerName), "event", e.Kind.String(), "term", e.Term)
		default:
			if debug {
				l.log.Debug(e.Describe(engine.PeerName), "event", e.Kind.String(), "term", e.Term)
			}
		}
	}
	if !l.n.hub.active() {
		return
	}
	now := time.Now()
	live, full := l.n.hub.wantsMessages(), l.n.hub.wantsEverything()
	for _, e := range events {
		audience := toAll
		if live && FrequentEvent(e.Kind) && !l.msgs.takeFrequent(now) {
			// Over the live streams' budget: counted for them, and not even encoded
			// when nobody else listens.
			l.msgs.skipped++
			if !full {
				continue
			}
			audience = toNotLive
		}
		data, err := json.Marshal(EventOf(e, now))
		if err != nil {
			l.log.Error("encode event", "event", e.Describe(engine.PeerName), "err", err)
			continue
		}
		l.n.hub.publish(sseRaft, data, audience)
	}
}

// maybePublishStatus sends a status event when the status changed, at most once per
// StatusEventInterval, and refreshes the leader's replication progress shown by
// /status. A leader also refreshes every second, since a follower catching up changes
// its progress but not the leader's status.
func (l *raftLoop) maybePublishStatus(now time.Time) {
	if l.msgs.skipped > 0 && now.Sub(l.msgs.windowStart) >= messageWindow {
		l.flushSampled() // no message came to carry the count
	}
	l.key.connectedPeersMask = l.n.trans.connectedMask()
	since := now.Sub(l.publishedAt)
	changed := l.key != l.publishedKey || !l.publishedOnce
	if !(changed && since >= StatusEventInterval) && !(l.leading && since >= time.Second) {
		return
	}
	l.publishedKey, l.publishedAt, l.publishedOnce = l.key, now, true
	var progress map[uint64]engine.ReplicationState
	if l.leading {
		progress = l.peer.Status().Progress
	}
	l.n.statusMu.Lock()
	for i := range l.n.status.Peers {
		p := &l.n.status.Peers[i]
		pr, ok := progress[p.ID]
		p.MatchIndex, p.NextIndex, p.Mode, p.Recovering = pr.Match, pr.Next, "", pr.Recovering
		if ok {
			p.Mode = pr.Mode.String()
		}
	}
	l.n.statusMu.Unlock()
	if !l.n.hub.active() {
		return
	}
	data, err := json.Marshal(l.n.Status())
	if err != nil {
		l.log.Error("encode status", "err", err)
		return
	}
	l.n.hub.publish(sseStatus, data, toAll)
}

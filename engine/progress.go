package engine

// ProgressMode is how a leader replicates to one follower.
type ProgressMode uint8

// The replication modes.
const (
	// ModeProbe: the leader does not know where the follower's log matches its own. It
	// sends one AppendEntries at a time and backs nextIndex off on each rejection.
	ModeProbe ProgressMode = iota
	// ModeReplicate: the logs match up to Match. The leader streams entries without
	// waiting, up to MaxInflightMsgs messages in flight.
	ModeReplicate
	// ModeSnapshot: the follower needs entries the leader compacted into its snapshot
	// (§7). The leader sends the snapshot in chunks, up to MaxInflightSnapshotChunks
	// unacknowledged, and sends no AppendEntries until the follower installed it.
	ModeSnapshot
)

// String returns "probe" or "replicate".
func (m ProgressMode) String() string {
	switch m {
	case ModeReplicate:
		return "replicate"
	case ModeSnapshot:
		return "snapshot"
	}
	return "probe"
}

// ReplicationState is what a leader knows about one follower. It lives in memory only
// and is rebuilt by every new leader.
//
// Invariant: 0 <= Match < Next.
type ReplicationState struct {
	Match    uint64       // matchIndex: highest index known to be replicated on the follower
	Next     uint64       // nextIndex: index of the next entry to send
	Mode     ProgressMode // probe or replicate
	Inflight int          // AppendEntries sent and not yet acknowledged (pending)
	Active   bool         // heard from since the last check-quorum round
	// Recovering: the follower's last reply said it lost entries it may have
	// acknowledged (Message.Recovering). Its Match does not count toward a commit, nor
	// its heartbeat replies toward a read, until it says otherwise.
	Recovering bool
	// PendingSnapshot is the index of the snapshot being sent in ModeSnapshot, and
	// SnapshotAcked the bytes of it the follower said it holds; both 0 otherwise.
	PendingSnapshot uint64
	SnapshotAcked   uint64
}

// progress is a ReplicationState plus the bookkeeping behind it.
type progress struct {
	ReplicationState

	// probeSent pauses a probing leader after one AppendEntries until the follower
	// answers (or answers a heartbeat).
	probeSent bool
	// inflight is a ring of the last index carried by each AppendEntries in flight, in
	// send order; Inflight counts the used slots.
	inflight      []uint64
	inflightStart int
	// wantSend asks the leader to send to this follower when the next Ready is built,
	// so that many proposals go out in one AppendEntries.
	wantSend  bool
	wantEmpty bool // send even if there is nothing new (to carry the commit index)
	// readAck is the highest ReadIndex round the follower has acknowledged.
	readAck uint64

	// The snapshot transfer, in ModeSnapshot: the snapshot, the bytes sent so far
	// (SnapshotAcked <= snapSent <= len(snap.Data)), whether the last chunk went out,
	// and the heartbeat replies seen since the last acknowledgement.
	snap         Snapshot
	snapSent     uint64
	snapDoneSent bool
	snapIdle     int
}

func newProgress(next uint64, maxInflight int) *progress {
	return &progress{
		ReplicationState: ReplicationState{Next: next, Mode: ModeProbe},
		inflight:         make([]uint64, maxInflight),
	}
}

func (pr *progress) reset(next uint64) {
	pr.ReplicationState = ReplicationState{Next: next, Mode: ModeProbe}
	pr.probeSent = false
	pr.inflightStart = 0
	pr.wantSend, pr.wantEmpty = false, false
	pr.readAck = 0
	pr.leaveSnapshot()
}

func (pr *progress) becomeProbe() {
	pr.leaveSnapshot()
	pr.Mode = ModeProbe
	pr.probeSent = false
	pr.Inflight = 0
	pr.inflightStart = 0
	// §5.3: resume from just past what we know matches.
	pr.Next = pr.Match + 1
}

func (pr *progress) becomeReplicate() {
	pr.leaveSnapshot()
	pr.Mode = ModeReplicate
	pr.probeSent = false
	pr.Next = pr.Match + 1
}

// becomeSnapshot starts sending snap from its first byte.
func (pr *progress) becomeSnapshot(snap Snapshot) {
	pr.Mode = ModeSnapshot
	pr.probeSent = false
	pr.Inflight = 0
	pr.inflightStart = 0
	pr.snap = snap
	pr.PendingSnapshot = snap.Meta.Index
	pr.SnapshotAcked, pr.snapSent, pr.snapDoneSent, pr.snapIdle = 0, 0, false, 0
}

// leaveSnapshot forgets a snapshot transfer (the mode is set by the caller).
func (pr *progress) leaveSnapshot() {
	pr.snap = Snapshot{}
	pr.PendingSnapshot = 0
	pr.SnapshotAcked, pr.snapSent, pr.snapDoneSent, pr.snapIdle = 0, 0, false, 0
}

// paused reports whether the leader must wait before sending more.
func (pr *progress) paused() bool {
	if pr.Mode == ModeProbe {
		return pr.probeSent
	}
	return pr.Inflight == len(pr.inflight)
}

// sentEntries records an AppendEntries whose last entry is last (count entries).
func (pr *progress) sentEntries(last uint64, count int) {
	if pr.Mode == ModeProbe {
		pr.probeSent = true
		return
	}
	if count == 0 {
		return
	}
	pr.Next = last + 1
	pr.inflight[(pr.inflightStart+pr.Inflight)%len(pr.inflight)] = last
	pr.Inflight++
}

// maybeUpdate records that the follower matches up to n; it reports whether Match grew.
func (pr *progress) maybeUpdate(n uint64) bool {
	updated := false
	if pr.Match < n {
		pr.Match = n
		updated = true
		pr.probeSent = false
	}
	if pr.Next < n+1 {
		pr.Next = n + 1
	}
	pr.freeInflightTo(n)
	return updated
}

func (pr *progress) freeInflightTo(n uint64) {
	for pr.Inflight > 0 && pr.inflight[pr.inflightStart] <= n {
		pr.inflightStart = (pr.inflightStart + 1) % len(pr.inflight)
		pr.Inflight--
	}
}

// freeFirstInflight makes room for one more AppendEntries.
func (pr *progress) freeFirstInflight() {
	if pr.Inflight > 0 {
		pr.inflightStart = (pr.inflightStart + 1) % len(pr.inflight)
		pr.Inflight--
	}
}

// forget drops what the leader knew of the follower's log, which got shorter than its
// Match (it restarted with entries missing): probe again from next.
func (pr *progress) forget(next uint64) {
	pr.Match = 0
	pr.becomeProbe()
	pr.Next = max(next, 1)
}

// maybeBackoff handles a rejection of the AppendEntries at prevLogIndex rejected, using
// the follower's hint of where to try next. It reports false for a stale rejection.
//
// A rejection at or below Match is either an old reply, overtaken by the
// acknowledgement that set Match, or the truth about a follower that restarted with
// fewer entries than it had acknowledged. The follower says which (restarted: it has
// accepted nothing since it restarted, Message.Restarted); an old reply is ignored, and
// a restarted follower's Match is forgotten, or it would never be sent the entries it
// lost. Forgetting is always safe: a lower Match can only delay a commit.
func (pr *progress) maybeBackoff(rejected, next uint64, restarted bool) bool {
	if restarted && rejected <= pr.Match {
		pr.forget(min(next, rejected))
		return true
	}
	if pr.Mode == ModeReplicate {
		if rejected <= pr.Match {
			return false // an old, reordered reply
		}
		pr.becomeProbe()
	} else if pr.Next-1 != rejected {
		// In probe mode only the answer to the probe in flight counts.
		return false
	}
	pr.Next = max(min(next, rejected), pr.Match+1)
	pr.probeSent = false
	return true
}

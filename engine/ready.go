package engine

import (
	"fmt"
	"strings"
)

// SoftState is the volatile part of a peer's state that a driver may want to show: who
// leads and in which role we are. It need not be persisted.
type SoftState struct {
	Lead uint64
	Role Role
}

// ReadState answers a ReadIndex request: once the peer has applied Index, a read that
// asked with RequestID may be served from its state machine and be linearizable.
type ReadState struct {
	RequestID uint64
	Index     uint64
}

// Ready is everything that changed since the last Advance and that the driver must act
// on, in this order:
//
//  1. persist: first Snapshot, when set, with SnapshotLogStore.SaveSnapshot; then
//     HardState and Entries with one LogStore.Save (synced when MustSync);
//  2. send Messages (they may promise what step 1 made durable, such as a vote, or an
//     installed snapshot);
//  3. when RestoreSnapshot is set, replace the state machine by Snapshot.Data; then
//     apply CommittedEntries to the state machine, in order (they follow the snapshot);
//  4. serve ReadStates once the state machine has applied their index;
//  5. call Advance.
//
// One exception to the order: a leader's AppendEntries and heartbeats may be sent
// before step 1 (MaySendBeforePersist), so that the followers write the new entries
// while the leader does (thesis §10.2.1). The leader counts its own copy towards a
// majority only after Advance, once its write is done.
//
// The slices are only valid until Advance: the engine reuses their memory.
type Ready struct {
	// SoftState is non-nil when the leader or role changed.
	SoftState *SoftState
	// HardState to persist; empty when unchanged.
	HardState HardState
	// Snapshot to persist before HardState and Entries (SaveSnapshot); empty when there
	// is none. It was taken by the application (TakeSnapshot), or received from the
	// leader (RestoreSnapshot). Saving it drops the log it covers, keeping the entries
	// after it if the log holds its last entry (§7); Entries, if any, follow it.
	Snapshot Snapshot
	// RestoreSnapshot is set when Snapshot came from the leader (InstallSnapshot, §7):
	// after persisting it, the state machine is replaced by Snapshot.Data, before
	// CommittedEntries (which then start after Snapshot.Meta.Index) are applied. A
	// snapshot the application took itself is only persisted.
	RestoreSnapshot bool
	// Entries to persist. If the first index is at or below the last saved index, the
	// saved log from that index on is replaced: this is how a conflicting suffix is
	// truncated (§5.3).
	Entries []Entry
	// MustSync is set when step 1 must reach stable storage before step 2: when
	// there are Entries or a Snapshot, or the term or the vote changed (a message may
	// promise them).
	// A HardState that changed only its commit index is saved without a sync.
	MustSync bool
	// Messages to send after the persist.
	Messages []Message
	// CommittedEntries are committed, durable here, and not yet applied.
	CommittedEntries []Entry
	// ReadStates are confirmed ReadIndex requests.
	ReadStates []ReadState
	// Events are the decisions taken since the last Ready, oldest first.
	Events []Event
}

// Empty reports whether there is nothing to do.
func (rd *Ready) Empty() bool {
	return rd.SoftState == nil && rd.HardState.IsEmpty() && rd.Snapshot.IsEmpty() && len(rd.Entries) == 0 &&
		len(rd.Messages) == 0 && len(rd.CommittedEntries) == 0 && len(rd.ReadStates) == 0 &&
		len(rd.Events) == 0
}

// Describe is a multi-line text form of the Ready for transcript tests.
func (rd *Ready) Describe() string {
	var b strings.Builder
	if rd.SoftState != nil {
		fmt.Fprintf(&b, "soft: lead=%d role=%s\n", rd.SoftState.Lead, rd.SoftState.Role)
	}
	if !rd.HardState.IsEmpty() {
		fmt.Fprintf(&b, "hard: term=%d vote=%d commit=%d\n", rd.HardState.Term, rd.HardState.VotedFor, rd.HardState.Commit)
	}
	if !rd.Snapshot.IsEmpty() {
		fmt.Fprintf(&b, "snapshot: %s restore=%v\n", rd.Snapshot.String(), rd.RestoreSnapshot)
	}
	if len(rd.Entries) > 0 {
		fmt.Fprintf(&b, "entries: %v sync=%v\n", rd.Entries, rd.MustSync)
	}
	for _, m := range rd.Messages {
		fmt.Fprintf(&b, "send: %s\n", m.Describe())
	}
	if len(rd.CommittedEntries) > 0 {
		fmt.Fprintf(&b, "apply: %v\n", rd.CommittedEntries)
	}
	for _, rs := range rd.ReadStates {
		fmt.Fprintf(&b, "read: id=%d index=%d\n", rs.RequestID, rs.Index)
	}
	for _, e := range rd.Events {
		fmt.Fprintf(&b, "event: %s\n", e.Describe(PeerName))
	}
	return b.String()
}

// MaySendBeforePersist reports whether m may leave before the Ready that carries it is
// persisted: true for a leader's AppendEntries, heartbeats and InstallSnapshot chunks.
// They promise nothing about the leader's own disk: its term and vote were made durable
// before it asked for votes, and its new entries count for a majority only once
// persisted. Every other message (a vote, an acknowledgement) promises something the
// persist makes true.
func MaySendBeforePersist(m *Message) bool {
	return m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap
}

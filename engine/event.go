package engine

import "fmt"

// EventKind names a decision the engine took. Events explain the protocol: the
// playground narrates them and lessons check them, so each one carries the numbers a
// sentence about it needs.
type EventKind uint8

// The kinds of events. The numbering is part of the trace format: append only.
const (
	EventInvalid           EventKind = iota
	EventRestarted                   // loaded Term, VotedFor (From) and Commit (Index) from storage
	EventTimeout                     // election timeout fired
	EventRoleChanged                 // became State in Term
	EventVoteGranted                 // Peer granted its vote (or pre-vote, LogTerm unused) to From
	EventVoteRefused                 // Peer refused From, for Reason
	EventElectionWon                 // a quorum voted for Peer in Term
	EventSteppedDown                 // Peer saw the higher Term from From and became a follower
	EventAppendRejected              // follower refused entries after Index@LogTerm: no such entry (log mismatch)
	EventSuffixTruncated             // follower removed its entries from Index on (LocalIndex was the old last)
	EventEntriesAppended             // Peer appended entries Index..LocalIndex
	EventCommitAdvanced              // commit index moved to Index (entry term LogTerm)
	EventNextIndexBackoff            // leader set next index for From to Index after a rejection
	EventQuorumLost                  // check-quorum: leader heard from no quorum within an election timeout
	EventReadConfirmed               // a ReadIndex round confirmed leadership; reads may see index Index
	EventRecovered                   // a recovering Peer now holds the whole log of leader From, up to Index
	EventSnapshotTaken               // Peer took a snapshot up to Index@LogTerm (its last index LocalIndex)
	EventSnapshotSent                // leader started sending its snapshot Index@LogTerm (Offset bytes) to From
	EventSnapshotInstalled           // follower installed the snapshot Index@LogTerm (Offset bytes) from From; its log ends at LocalIndex
	EventSnapshotRejected            // follower refused the snapshot Index@LogTerm from From (or a chunk at Offset), for Reason
)

var eventKindNames = [...]string{"invalid", "restarted", "timeout", "role", "vote-granted",
	"vote-refused", "election-won", "stepped-down", "append-rejected", "suffix-truncated",
	"entries-appended", "commit-advanced", "next-index-backoff", "quorum-lost", "read-confirmed",
	"recovered", "snapshot-taken", "snapshot-sent", "snapshot-installed", "snapshot-rejected"}

// String returns the kind's short name, used in traces and lesson checks.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// ParseEventKind is the inverse of EventKind.String.
func ParseEventKind(s string) (EventKind, bool) {
	for i, name := range eventKindNames {
		if name == s && i != 0 {
			return EventKind(i), true
		}
	}
	return EventInvalid, false
}

// Reason says why a vote, a snapshot or a snapshot chunk was refused.
type Reason uint8

// The reasons a peer refuses a vote.
const (
	ReasonNone              Reason = iota
	ReasonStaleTerm                // the candidate's term is below ours (§5.1)
	ReasonAlreadyVoted             // we voted for someone else in this term (§5.2)
	ReasonLogBehind                // the candidate's log is less up-to-date than ours (§5.4.1)
	ReasonLeaderAlive              // we heard from a leader within the election timeout (check-quorum)
	ReasonRecovering               // we lost entries we may have acknowledged, and have not caught up yet
	ReasonSnapshotStale            // the snapshot is at or below our commit index (§7): it would move us back
	ReasonChunkMissing             // the chunk does not follow the bytes we hold (one was lost, or we restarted)
	ReasonNoSnapshotStorage        // our storage keeps no snapshots
)

var reasonNames = [...]string{"", "stale-term", "already-voted", "log-behind", "leader-alive", "recovering", "snapshot-stale", "chunk-missing", "no-snapshot-storage"}

// String returns the reason's short name.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Event is one decision. Fields that do not apply to a kind are zero.
type Event struct {
	Kind       EventKind
	Peer       uint64    // the peer that decided
	Term       uint64    // the peer's term when it decided
	From       uint64    // the other peer concerned, or None
	Index      uint64    // the index the event is about
	LogTerm    uint64    // the term that goes with Index
	LocalIndex uint64    // our own last index, where the event compares logs
	LocalTerm  uint64    // the term of our own last entry, likewise
	Reason     Reason    // for EventVoteRefused and EventSnapshotRejected
	State      StateType // the new role, for EventRoleChanged
	PreVote    bool      // for vote events: a pre-vote rather than a vote
	Offset     uint64    // for snapshot events: the snapshot's size, or where a refused chunk begins
}

// Describe is a plain sentence for the narration and for transcripts.
func (e Event) Describe() string {
	p := fmt.Sprintf("peer %d", e.Peer)
	vote := "vote"
	if e.PreVote {
		vote = "pre-vote"
	}
	switch e.Kind {
	case EventRestarted:
		return fmt.Sprintf("%s restarted from storage: term %d, voted for %d, commit %d, last index %d", p, e.Term, e.From, e.Index, e.LocalIndex)
	case EventTimeout:
		return fmt.Sprintf("%s: election timeout fired in term %d", p, e.Term)
	case EventRoleChanged:
		return fmt.Sprintf("%s became %s in term %d", p, e.State, e.Term)
	case EventVoteGranted:
		return fmt.Sprintf("%s granted its %s to %d for term %d", p, vote, e.From, e.Term)
	case EventVoteRefused:
		return fmt.Sprintf("%s refused its %s to %d in term %d: %s", p, vote, e.From, e.Term, e.reasonText())
	case EventElectionWon:
		return fmt.Sprintf("%s won the election for term %d with a majority of votes", p, e.Term)
	case EventSteppedDown:
		if e.State == StateFollower {
			return fmt.Sprintf("%s moved to the higher term %d of peer %d", p, e.Term, e.From)
		}
		return fmt.Sprintf("%s stepped down from %s: peer %d is in the higher term %d", p, e.State, e.From, e.Term)
	case EventAppendRejected:
		return fmt.Sprintf("%s rejected entries from %d: its log has no entry at index %d with term %d (log mismatch)", p, e.From, e.Index, e.LogTerm)
	case EventSuffixTruncated:
		return fmt.Sprintf("%s truncated its conflicting suffix: entries %d..%d removed", p, e.Index, e.LocalIndex)
	case EventEntriesAppended:
		return fmt.Sprintf("%s appended entries %d..%d", p, e.Index, e.LocalIndex)
	case EventCommitAdvanced:
		return fmt.Sprintf("%s advanced its commit index to %d (term %d)", p, e.Index, e.LogTerm)
	case EventNextIndexBackoff:
		return fmt.Sprintf("%s (leader) backs off: next index for %d is now %d", p, e.From, e.Index)
	case EventQuorumLost:
		return fmt.Sprintf("%s stepped down: it has not heard from a majority within an election timeout", p)
	case EventReadConfirmed:
		return fmt.Sprintf("%s confirmed it is still leader; reads may be served at index %d", p, e.Index)
	case EventSnapshotTaken:
		return fmt.Sprintf("%s took a snapshot up to index %d (term %d) and discards its log up to there (§7); its log goes on to %d", p, e.Index, e.LogTerm, e.LocalIndex)
	case EventSnapshotSent:
		return fmt.Sprintf("%s (leader) sends its snapshot up to index %d (term %d, %d bytes) to %d, which needs entries the leader compacted (§7 InstallSnapshot)", p, e.Index, e.LogTerm, e.Offset, e.From)
	case EventSnapshotInstalled:
		if e.LocalIndex > e.Index {
			return fmt.Sprintf("%s installed the snapshot up to index %d (term %d, %d bytes) from %d and kept the entries %d..%d that follow it (§7)", p, e.Index, e.LogTerm, e.Offset, e.From, e.Index+1, e.LocalIndex)
		}
		return fmt.Sprintf("%s installed the snapshot up to index %d (term %d, %d bytes) from %d and discarded its whole log (§7)", p, e.Index, e.LogTerm, e.Offset, e.From)
	case EventSnapshotRejected:
		return fmt.Sprintf("%s refused %s: %s", p, e.snapshotText(), e.reasonText())
	case EventRecovered:
		return fmt.Sprintf("%s recovered: it holds the whole log of leader %d (up to index %d), and votes again", p, e.From, e.Index)
	}
	return fmt.Sprintf("%s: %s", p, e.Kind)
}

func (e Event) reasonText() string {
	switch e.Reason {
	case ReasonStaleTerm:
		return "the candidate's term is behind"
	case ReasonAlreadyVoted:
		return fmt.Sprintf("it already voted for %d in this term", e.Index)
	case ReasonLogBehind:
		return fmt.Sprintf("the candidate's log (last %d@%d) is behind its own (last %d@%d)", e.Index, e.LogTerm, e.LocalIndex, e.LocalTerm)
	case ReasonLeaderAlive:
		return "it heard from a leader within the election timeout"
	case ReasonRecovering:
		return "it lost entries it may have acknowledged and has not caught up from a leader yet"
	case ReasonSnapshotStale:
		return fmt.Sprintf("its commit index %d is at or past it, and installing it would move the peer back (§7)", e.LocalIndex)
	case ReasonChunkMissing:
		return fmt.Sprintf("it holds only %d bytes of it in order, so it asks the leader to resend from byte %d (§7)", e.LocalIndex, e.LocalIndex)
	case ReasonNoSnapshotStorage:
		return "its storage keeps no snapshots"
	}
	return e.Reason.String()
}

// snapshotText names the snapshot (or the chunk of it) an EventSnapshotRejected is about.
func (e Event) snapshotText() string {
	if e.Reason == ReasonChunkMissing {
		return fmt.Sprintf("the chunk at byte %d of snapshot %d@%d from %d", e.Offset, e.Index, e.LogTerm, e.From)
	}
	return fmt.Sprintf("the snapshot up to index %d (term %d) from %d", e.Index, e.LogTerm, e.From)
}

package engine

import "fmt"

// EventKind names a decision the engine took. Events explain the protocol: the
// playground narrates them and lessons check them, so each one carries the numbers a
// sentence about it needs.
type EventKind uint8

// The kinds of events. The numbering is part of the trace format: append only.
const (
	EventInvalid            EventKind = iota
	EventRestarted                    // loaded Term, VotedFor (From) and Commit (Index) from storage
	EventTimeout                      // election timeout fired
	EventRoleChanged                  // became Role in Term
	EventVoteGranted                  // Peer granted its vote (or pre-vote, LogTerm unused) to From
	EventVoteRefused                  // Peer refused From, for Reason
	EventElectionWon                  // a quorum voted for Peer in Term
	EventSteppedDown                  // Peer saw the higher Term from From and became a follower
	EventAppendRejected               // follower refused entries after Index@LogTerm: no such entry (log mismatch)
	EventSuffixTruncated              // follower removed its entries from Index on (LocalIndex was the old last)
	EventEntriesAppended              // Peer appended entries Index..LocalIndex
	EventCommitAdvanced               // commit index moved to Index (entry term LogTerm)
	EventNextIndexBackoff             // leader set next index for From to Index after a rejection
	EventQuorumLost                   // check-quorum: leader heard from no quorum within an election timeout
	EventReadConfirmed                // a ReadIndex round confirmed leadership; reads may see index Index
	EventRecovered                    // a recovering Peer now holds the whole log of leader From, up to Index
	EventSnapshotTaken                // Peer took a snapshot up to Index@LogTerm (its last index LocalIndex)
	EventSnapshotSent                 // leader started sending its snapshot Index@LogTerm (Offset bytes) to From
	EventSnapshotInstalled            // follower installed the snapshot Index@LogTerm (Offset bytes) from From; its log ends at LocalIndex
	EventSnapshotRejected             // follower refused the snapshot Index@LogTerm from From (or a chunk at Offset), for Reason
	EventConfProposed                 // leader appended the configuration Conf at Index (C_old,new, or C_new)
	EventJointEntered                 // Peer uses the joint configuration Conf (C_old,new) of entry Index
	EventJointLeft                    // Peer left the joint configuration: it uses C_new, Conf, of entry Index
	EventConfSwitched                 // Peer uses the configuration Conf of entry Index, switched to without a joint phase
	EventLearnerAdded                 // the configuration of entry Index makes From a learner
	EventLearnerPromoted              // the configuration of entry Index makes learner From a voter
	EventVoterAdded                   // the configuration of entry Index makes From a voter without a learner phase
	EventMemberRemoved                // the configuration of entry Index no longer holds From
	EventRemovedStepDown              // leader Peer is not a voter of C_new, committed at Index, and stepped down
	EventConfRolledBack               // the configuration entry at Index was truncated; Peer uses Conf again (of entry LogTerm, 0: the snapshot's)
	EventRemoved                      // Peer knows it was removed: Conf, of entry Index, does not hold it and is committed
	EventReplicationStopped           // leader stopped replicating to From, removed by entry Index: From's commit index LocalIndex reached it, or (LocalIndex 0) it stayed silent an election timeout
	eventKindCount
)

// eventKinds gives each kind its name (in traces, lesson checks and the page) and the
// rule it follows. A new kind needs a row here (vocab.go checks that it has one).
var eventKinds = [...]term{
	{"invalid", ""},
	{"restarted", "Figure 2: persistent state survives a restart"},
	{"timeout", "§5.2: no word from a leader, so start an election"},
	{"role", "§5.1: follower, candidate, leader"},
	{"vote-granted", "§5.2, §5.4.1"},
	{"vote-refused", "§5.2, §5.4.1"},
	{"election-won", "§5.2: votes from a majority"},
	{"stepped-down", "§5.1: a higher term always wins"},
	{"append-rejected", "§5.3: consistency check"},
	{"suffix-truncated", "§5.3: delete the conflicting entry and all that follow it"},
	{"entries-appended", "§5.3: append any new entries not already in the log"},
	{"commit-advanced", "§5.3, §5.4.2"},
	{"next-index-backoff", "§5.3: back up nextIndex and retry"},
	{"quorum-lost", "dissertation §6.2: a leader that cannot reach a majority steps down"},
	{"read-confirmed", "dissertation §6.4: ReadIndex"},
	{"recovered", "beyond the paper: a peer that lost entries votes again once it holds a leader's log"},
	{"snapshot-taken", "§7: a snapshot replaces the log up to its index"},
	{"snapshot-sent", "§7: InstallSnapshot, for a follower that needs compacted entries"},
	{"snapshot-installed", "§7: the snapshot replaces what it covers; entries after it are kept"},
	{"snapshot-rejected", "§7: InstallSnapshot, refused"},
	{"conf-proposed", "§6: configuration changes go through the log, C_old,new first, then C_new"},
	{"joint-entered", "§6: a server uses the latest configuration in its log; joint decisions need both majorities"},
	{"joint-left", "§6: once C_old,new is committed, the leader appends C_new"},
	{"conf-switched", "§6: a change that moves no majority needs no joint phase"},
	{"learner-added", "§6: new servers join as non-voting members and catch up first"},
	{"learner-promoted", "§6: a caught-up learner becomes a voter through a configuration change"},
	{"voter-added", "§6: a new voter, without catching up first as a learner"},
	{"member-removed", "§6: a server not in C_new is no longer replicated to"},
	{"removed-step-down", "§6: a leader not in C_new steps down once C_new is committed"},
	{"conf-rolled-back", "§6, §5.3: a truncated configuration entry no longer counts"},
	{"removed", "§6: a server that holds the committed configuration without it knows it is out"},
	{"replication-stopped", "§6: a removed server is replicated to until it knows it is out, within bounds"},
}

// String returns the kind's short name, used in traces and lesson checks.
func (k EventKind) String() string { return nameOf(eventKinds[:], k, "event") }

// Rule is the rule of the paper (or the dissertation) the decision follows, as a
// citation with a few words: "§5.3: consistency check".
func (k EventKind) Rule() string { return ruleOf(eventKinds[:], k) }

// ParseEventKind is the inverse of EventKind.String.
func ParseEventKind(s string) (EventKind, bool) { return parseTerm[EventKind](eventKinds[:], s, 1) }

// EventKinds lists every kind the engine emits, in the order of their numbers.
func EventKinds() []EventKind { return values[EventKind](len(eventKinds), 1) }

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
	reasonCount
)

// reasons gives each reason its name and the rule that makes the peer refuse.
var reasons = [...]term{
	{"", ""},
	{"stale-term", "§5.1"},
	{"already-voted", "§5.2: one vote per term"},
	{"log-behind", "§5.4.1: election restriction"},
	{"leader-alive", "leader stickiness: it still hears from a leader"},
	{"recovering", "beyond the paper: a peer that lost entries does not vote until it catches up"},
	{"snapshot-stale", "§7: a snapshot at or below the commit index would move the peer back"},
	{"chunk-missing", "§7: chunks are written in order, from offset 0"},
	{"no-snapshot-storage", "§7: installing a snapshot needs storage that keeps one"},
}

// String returns the reason's short name.
func (r Reason) String() string { return nameOf(reasons[:], r, "reason") }

// Rule is the rule that makes a peer refuse its vote for this reason, as a citation.
func (r Reason) Rule() string { return ruleOf(reasons[:], r) }

// ParseReason is the inverse of Reason.String (ReasonNone has no name to parse).
func ParseReason(s string) (Reason, bool) { return parseTerm[Reason](reasons[:], s, 1) }

// Reasons lists every reason a vote can be refused for.
func Reasons() []Reason { return values[Reason](len(reasons), 1) }

// Event is one decision. Fields that do not apply to a kind are zero.
type Event struct {
	Kind       EventKind
	Peer       uint64 // the peer that decided
	Term       uint64 // the peer's term when it decided
	From       uint64 // the other peer concerned, or None
	Index      uint64 // the index the event is about
	LogTerm    uint64 // the term that goes with Index
	LocalIndex uint64 // our own last index, where the event compares logs
	LocalTerm  uint64 // the term of our own last entry, likewise
	Reason     Reason // for EventVoteRefused and EventSnapshotRejected
	Role       Role   // the new role, for EventRoleChanged
	PreVote    bool   // for vote events: a pre-vote rather than a vote
	Offset     uint64 // for snapshot events: the snapshot's size, or where a refused chunk begins
	// Conf is the configuration a configuration event is about (conf-proposed,
	// joint-entered, joint-left, conf-switched, removed-step-down, conf-rolled-back, removed).
	Conf ConfState
}

// Equal reports whether e and o are the same event (Event holds a configuration, so ==
// does not compile).
func (e Event) Equal(o Event) bool {
	return e.Kind == o.Kind && e.Peer == o.Peer && e.Term == o.Term && e.From == o.From && e.Index == o.Index &&
		e.LogTerm == o.LogTerm && e.LocalIndex == o.LocalIndex && e.LocalTerm == o.LocalTerm && e.Reason == o.Reason &&
		e.Role == o.Role && e.PreVote == o.PreVote && e.Offset == o.Offset && e.Conf.Equal(o.Conf)
}

// Describe is a plain sentence for the narration and for transcripts, with every peer
// it mentions written by name: PeerName gives "peer 3", the simulator "S3".
func (e Event) Describe(name func(id uint64) string) string {
	p, from := name(e.Peer), name(e.From)
	vote := "vote"
	if e.PreVote {
		vote = "pre-vote"
	}
	switch e.Kind {
	case EventRestarted:
		return fmt.Sprintf("%s restarted from storage: term %d, voted for %s, commit %d, last index %d", p, e.Term, from, e.Index, e.LocalIndex)
	case EventTimeout:
		return fmt.Sprintf("%s: election timeout fired in term %d", p, e.Term)
	case EventRoleChanged:
		return fmt.Sprintf("%s became %s in term %d", p, e.Role, e.Term)
	case EventVoteGranted:
		return fmt.Sprintf("%s granted its %s to %s for term %d", p, vote, from, e.Term)
	case EventVoteRefused:
		return fmt.Sprintf("%s refused its %s to %s in term %d: %s", p, vote, from, e.Term, e.reasonText(name))
	case EventElectionWon:
		return fmt.Sprintf("%s won the election for term %d with a majority of votes", p, e.Term)
	case EventSteppedDown:
		if e.Role == RoleFollower {
			return fmt.Sprintf("%s moved to the higher term %d of %s", p, e.Term, from)
		}
		return fmt.Sprintf("%s stepped down from %s: %s is in the higher term %d", p, e.Role, from, e.Term)
	case EventAppendRejected:
		return fmt.Sprintf("%s rejected entries from %s: its log has no entry at index %d with term %d (log mismatch)", p, from, e.Index, e.LogTerm)
	case EventSuffixTruncated:
		return fmt.Sprintf("%s truncated its conflicting suffix: entries %d..%d removed", p, e.Index, e.LocalIndex)
	case EventEntriesAppended:
		return fmt.Sprintf("%s appended entries %d..%d", p, e.Index, e.LocalIndex)
	case EventCommitAdvanced:
		return fmt.Sprintf("%s advanced its commit index to %d (term %d)", p, e.Index, e.LogTerm)
	case EventNextIndexBackoff:
		return fmt.Sprintf("%s (leader) backs off: next index for %s is now %d", p, from, e.Index)
	case EventQuorumLost:
		return fmt.Sprintf("%s stepped down: it has not heard from a majority within an election timeout", p)
	case EventReadConfirmed:
		return fmt.Sprintf("%s confirmed it is still leader; reads may be served at index %d", p, e.Index)
	case EventSnapshotTaken:
		return fmt.Sprintf("%s took a snapshot up to index %d (term %d) and discards its log up to there (§7); its log goes on to %d", p, e.Index, e.LogTerm, e.LocalIndex)
	case EventSnapshotSent:
		return fmt.Sprintf("%s (leader) sends its snapshot up to index %d (term %d, %d bytes) to %s, which needs entries the leader compacted (§7 InstallSnapshot)", p, e.Index, e.LogTerm, e.Offset, from)
	case EventSnapshotInstalled:
		if e.LocalIndex > e.Index {
			return fmt.Sprintf("%s installed the snapshot up to index %d (term %d, %d bytes) from %s and kept the entries %d..%d that follow it (§7)", p, e.Index, e.LogTerm, e.Offset, from, e.Index+1, e.LocalIndex)
		}
		return fmt.Sprintf("%s installed the snapshot up to index %d (term %d, %d bytes) from %s and discarded its whole log (§7)", p, e.Index, e.LogTerm, e.Offset, from)
	case EventSnapshotRejected:
		return fmt.Sprintf("%s refused %s: %s", p, e.snapshotText(from), e.reasonText(name))
	case EventRecovered:
		return fmt.Sprintf("%s recovered: it holds the whole log of the leader, %s (up to index %d), and votes again", p, from, e.Index)
	case EventConfProposed:
		if e.Conf.Joint() {
			return fmt.Sprintf("%s (leader) appended the joint configuration C_old,new at index %d: %s; until C_new replaces it, every decision needs a majority of both (§6)", p, e.Index, e.Conf.describe(name))
		}
		return fmt.Sprintf("%s (leader) appended the configuration %s at index %d (§6)", p, e.Conf.describe(name), e.Index)
	case EventJointEntered:
		return fmt.Sprintf("%s uses the joint configuration of %s: C_old = %s, C_new = %s; elections and commits need a majority of each (§6)", p, confSource(e.Index), names(e.Conf.VotersOutgoing, name), names(e.Conf.Voters, name))
	case EventJointLeft:
		return fmt.Sprintf("%s left the joint configuration: it uses C_new of %s, %s (§6)", p, confSource(e.Index), e.Conf.describe(name))
	case EventConfSwitched:
		return fmt.Sprintf("%s uses the configuration of %s: %s", p, confSource(e.Index), e.Conf.describe(name))
	case EventLearnerAdded:
		return fmt.Sprintf("%s: %s joins as a learner (%s): it is replicated to but does not vote until it is promoted (§6)", p, from, confSource(e.Index))
	case EventLearnerPromoted:
		return fmt.Sprintf("%s: learner %s becomes a voter (%s) (§6)", p, from, confSource(e.Index))
	case EventVoterAdded:
		return fmt.Sprintf("%s: %s becomes a voter (%s) without catching up as a learner first", p, from, confSource(e.Index))
	case EventMemberRemoved:
		return fmt.Sprintf("%s: %s is no longer a member (%s)", p, from, confSource(e.Index))
	case EventRemovedStepDown:
		return fmt.Sprintf("%s stepped down: C_new, committed at index %d, does not include it (%s) (§6)", p, e.Index, e.Conf.describe(name))
	case EventRemoved:
		return fmt.Sprintf("%s knows it was removed: the configuration of %s, %s, is committed and does not hold it (§6)", p, confSource(e.Index), e.Conf.describe(name))
	case EventReplicationStopped:
		if e.LocalIndex >= e.Index {
			return fmt.Sprintf("%s (leader) stops replicating to %s, which %s removed: its commit index is %d, so it knows it is out (§6)", p, from, confSource(e.Index), e.LocalIndex)
		}
		return fmt.Sprintf("%s (leader) stops replicating to %s, which %s removed: it did not confirm its removal within an election timeout of the commit (§6)", p, from, confSource(e.Index))
	case EventConfRolledBack:
		return fmt.Sprintf("%s: the configuration entry at index %d was truncated, so it uses the configuration before it again: %s (§6)", p, e.Index, e.Conf.describe(name))
	}
	return fmt.Sprintf("%s: %s", p, e.Kind)
}

func (e Event) reasonText(name func(id uint64) string) string {
	switch e.Reason {
	case ReasonStaleTerm:
		return "the candidate's term is behind"
	case ReasonAlreadyVoted:
		return fmt.Sprintf("it already voted for %s in this term", name(e.Index))
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

// describe is the configuration in words, its peers named by name: "voters S1, S2, S3;
// learners S4".
func (cs ConfState) describe(name func(id uint64) string) string {
	s := "voters " + names(cs.Voters, name)
	if len(cs.Learners) > 0 {
		s += "; learners " + names(cs.Learners, name)
	}
	if cs.Joint() {
		s += "; outgoing voters " + names(cs.VotersOutgoing, name)
	}
	return s
}

// confSource names where a configuration came from: "entry 5", or "its snapshot" for a
// configuration entry compacted into one (§7).
func confSource(index uint64) string {
	if index == 0 {
		return "its snapshot"
	}
	return fmt.Sprintf("entry %d", index)
}

// names lists ids by name, "S1, S2, S3", or "none".
func names(ids []uint64, name func(id uint64) string) string {
	if len(ids) == 0 {
		return "none"
	}
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += name(id)
	}
	return s
}

// snapshotText names the snapshot (or the chunk of it) an EventSnapshotRejected is
// about; from is the leader's name.
func (e Event) snapshotText(from string) string {
	if e.Reason == ReasonChunkMissing {
		return fmt.Sprintf("the chunk at byte %d of snapshot %d@%d from %s", e.Offset, e.Index, e.LogTerm, from)
	}
	return fmt.Sprintf("the snapshot up to index %d (term %d) from %s", e.Index, e.LogTerm, from)
}

// PeerName is the naming Describe uses outside the playground: "peer 3", and "nobody"
// for None (no vote, no leader).
func PeerName(id uint64) string {
	if id == None {
		return "nobody"
	}
	return fmt.Sprintf("peer %d", id)
}

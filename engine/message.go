package engine

import "fmt"

// MessageType names the RPCs of the paper and their replies. Heartbeats are
// AppendEntries without entries in the paper; they are a type of their own here so that
// they can carry a ReadIndex round without touching the log.
type MessageType uint8

// The message types. The numbering is part of the wire format: append only.
const (
	MsgInvalid       MessageType = iota
	MsgVote                      // RequestVote (§5.2)
	MsgVoteResp                  // RequestVote reply
	MsgPreVote                   // pre-vote: "would you vote for me?" (thesis §9.6)
	MsgPreVoteResp               // pre-vote reply
	MsgApp                       // AppendEntries carrying entries, or probing (§5.3)
	MsgAppResp                   // AppendEntries reply
	MsgHeartbeat                 // empty AppendEntries from the leader (§5.2)
	MsgHeartbeatResp             // heartbeat reply
	MsgSnap                      // InstallSnapshot: one chunk of the leader's snapshot (§7)
	MsgSnapResp                  // InstallSnapshot reply
	msgTypeCount
)

// msgTypes gives each type the name the narration, traces and lessons use, and the
// section of the paper that defines it.
var msgTypes = [...]term{
	{"Invalid", ""},
	{"RequestVote", "§5.2"},
	{"RequestVoteResp", "§5.2"},
	{"PreVote", "dissertation §9.6"},
	{"PreVoteResp", "dissertation §9.6"},
	{"AppendEntries", "§5.3"},
	{"AppendEntriesResp", "§5.3"},
	{"Heartbeat", "§5.2"},
	{"HeartbeatResp", "§5.2"},
	{"InstallSnapshot", "§7"},
	{"InstallSnapshotResp", "§7"},
}

// String returns the name the narration uses, such as "AppendEntries".
func (t MessageType) String() string { return nameOf(msgTypes[:], t, "MessageType") }

// Rule is the section of the paper (or the dissertation) that defines the message.
func (t MessageType) Rule() string { return ruleOf(msgTypes[:], t) }

// ParseMessageType is the inverse of MessageType.String.
func ParseMessageType(s string) (MessageType, bool) { return parseTerm[MessageType](msgTypes[:], s, 1) }

// MessageTypes lists every message type, in the order of their numbers.
func MessageTypes() []MessageType { return values[MessageType](len(msgTypes), 1) }

// Message is one message between peers. One struct serves every type; the meaning of
// the fields that differ per type:
//
//	type              Index                 LogTerm              Entries  Commit        Reject / RejectHint
//	RequestVote       lastLogIndex          lastLogTerm          -        -             -
//	RequestVoteResp   -                     -                    -        -             Reject = vote refused
//	PreVote           lastLogIndex          lastLogTerm          -        -             -
//	PreVoteResp       -                     -                    -        -             Reject = refused
//	AppendEntries     prevLogIndex          prevLogTerm          entries  leaderCommit  -
//	AppendEntriesResp matched / rejected     conflict term        -        see below     Reject, RejectHint = conflict index
//	Heartbeat         -                     -                    -        leaderCommit  -
//	HeartbeatResp     -                     -                    -        see below     -
//	InstallSnapshot   lastIncludedIndex     lastIncludedTerm     -        -             -
//	InstallSnapshotResp lastIncludedIndex   lastIncludedTerm     -        -             Reject, RejectHint = commit index
//
// InstallSnapshot (§7, Figure 13) carries one chunk of the snapshot: Data are its bytes
// from Offset on, Done marks the last chunk, and Conf is the snapshot's configuration.
// Its reply says in Offset how many bytes the follower holds in order, and:
//
//   - neither Reject nor Done: the chunk was taken (or was a duplicate); send on.
//   - Reject without Done: the chunk came after a gap (one was lost), or the follower
//     knows nothing of the transfer (it restarted); resend from Offset.
//   - Done without Reject: the snapshot is installed and durable.
//   - Reject and Done: the snapshot is refused for good, as stale: the follower's
//     commit index, RejectHint, is at or past its index.
//
// An accepted AppendEntriesResp carries in Index the last index the follower now
// matches; a rejected one carries the prevLogIndex it refused, and the hints of the fast
// back-off: LogTerm is the term of the follower's entry at that index (0 if it has none)
// and RejectHint the first index the leader should try next. An AppendEntriesResp or a
// HeartbeatResp from a server that its configuration no longer holds carries its commit
// index in Commit (0 from any other server): the leader replicates to a removed server
// until that shows it knows the entry that removed it is committed (Peer.Leaving).
//
// Three flags concern a peer that restarted, perhaps with fewer entries than it had
// acknowledged (a damaged disk, a log cut by `raftplay repair`):
//
//   - Restarted, on a rejected AppendEntriesResp: the sender restarted and has
//     accepted no AppendEntries since, so its log may be shorter than what it
//     acknowledged before. A rejection at or below the leader's Match is then real,
//     not an old reply overtaken by a later one.
//   - Recovering, on an AppendEntriesResp or HeartbeatResp: the sender lost entries it
//     may have acknowledged. It neither votes nor counts toward any quorum until it
//     holds a leader's whole log (see Config.Recovering).
//   - Tail, on an AppendEntries to a recovering follower: the entries reach the end
//     of the leader's log. A follower that accepts it holds the leader's whole log.
//
// Term is the sender's current term, except in PreVote, where it is the term the sender
// would campaign in, and PreVoteResp, where it echoes that term when granting.
// ReadID is nonzero on a heartbeat round that confirms leadership for ReadIndex and is
// echoed by the reply.
type Message struct {
	Type       MessageType
	From       uint64
	To         uint64
	Term       uint64
	Index      uint64
	LogTerm    uint64
	Entries    []Entry
	Commit     uint64
	Reject     bool
	RejectHint uint64
	ReadID     uint64
	Restarted  bool
	Recovering bool
	Tail       bool
	// InstallSnapshot and its reply only (see above).
	Offset uint64
	Data   []byte
	Done   bool
	Conf   ConfState
}

// Describe is the one-line text form used by transcripts, for example
// "1->2 AppendEntries t3 prev=5@2 commit=4 entries=[6@3 7@3]".
func (m Message) Describe() string {
	head := fmt.Sprintf("%d->%d %s t%d", m.From, m.To, m.Type, m.Term)
	switch m.Type {
	case MsgVote, MsgPreVote:
		return fmt.Sprintf("%s last=%d@%d", head, m.Index, m.LogTerm)
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			return head + " refused"
		}
		return head + " granted"
	case MsgApp:
		return fmt.Sprintf("%s prev=%d@%d commit=%d entries=%v%s", head, m.Index, m.LogTerm, m.Commit, m.Entries, m.flagText())
	case MsgAppResp:
		if m.Reject {
			return fmt.Sprintf("%s reject index=%d hint=%d@%d%s", head, m.Index, m.RejectHint, m.LogTerm, m.flagText())
		}
		return fmt.Sprintf("%s match=%d%s%s", head, m.Index, m.commitText(), m.flagText())
	case MsgHeartbeat:
		return fmt.Sprintf("%s commit=%d read=%d", head, m.Commit, m.ReadID)
	case MsgHeartbeatResp:
		return fmt.Sprintf("%s read=%d%s%s", head, m.ReadID, m.commitText(), m.flagText())
	case MsgSnap:
		done := ""
		if m.Done {
			done = " done"
		}
		return fmt.Sprintf("%s snap=%d@%d %s offset=%d bytes=%d%s", head, m.Index, m.LogTerm, m.Conf, m.Offset, len(m.Data), done)
	case MsgSnapResp:
		switch {
		case m.Reject && m.Done:
			return fmt.Sprintf("%s snap=%d@%d refused commit=%d", head, m.Index, m.LogTerm, m.RejectHint)
		case m.Reject:
			return fmt.Sprintf("%s snap=%d@%d resend offset=%d", head, m.Index, m.LogTerm, m.Offset)
		case m.Done:
			return fmt.Sprintf("%s snap=%d@%d installed bytes=%d", head, m.Index, m.LogTerm, m.Offset)
		}
		return fmt.Sprintf("%s snap=%d@%d offset=%d", head, m.Index, m.LogTerm, m.Offset)
	}
	return head
}

// commitText is " commit=N" on a reply that carries the sender's commit index (a
// removed server's, see Peer.Leaving), "" otherwise.
func (m Message) commitText() string {
	if m.Commit == 0 {
		return ""
	}
	return fmt.Sprintf(" commit=%d", m.Commit)
}

// flagText names the restart flags that are set, " restarted recovering tail" at most.
func (m Message) flagText() string {
	s := ""
	if m.Restarted {
		s += " restarted"
	}
	if m.Recovering {
		s += " recovering"
	}
	if m.Tail {
		s += " tail"
	}
	return s
}

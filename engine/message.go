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
//	AppendEntriesResp matched / rejected     conflict term        -        -             Reject, RejectHint = conflict index
//	Heartbeat         -                     -                    -        leaderCommit  -
//	HeartbeatResp     -                     -                    -        -             -
//
// An accepted AppendEntriesResp carries in Index the last index the follower now
// matches; a rejected one carries the prevLogIndex it refused, and the hints of the fast
// back-off: LogTerm is the term of the follower's entry at that index (0 if it has none)
// and RejectHint the first index the leader should try next.
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
		return fmt.Sprintf("%s match=%d%s", head, m.Index, m.flagText())
	case MsgHeartbeat:
		return fmt.Sprintf("%s commit=%d read=%d", head, m.Commit, m.ReadID)
	case MsgHeartbeatResp:
		return fmt.Sprintf("%s read=%d%s", head, m.ReadID, m.flagText())
	}
	return head
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

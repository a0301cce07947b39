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

var msgTypeNames = [...]string{"Invalid", "RequestVote", "RequestVoteResp", "PreVote",
	"PreVoteResp", "AppendEntries", "AppendEntriesResp", "Heartbeat", "HeartbeatResp"}

// String returns the name the narration uses, such as "AppendEntries".
func (t MessageType) String() string {
	if int(t) < len(msgTypeNames) {
		return msgTypeNames[t]
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

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
		return fmt.Sprintf("%s prev=%d@%d commit=%d entries=%v", head, m.Index, m.LogTerm, m.Commit, m.Entries)
	case MsgAppResp:
		if m.Reject {
			return fmt.Sprintf("%s reject index=%d hint=%d@%d", head, m.Index, m.RejectHint, m.LogTerm)
		}
		return fmt.Sprintf("%s match=%d", head, m.Index)
	case MsgHeartbeat:
		return fmt.Sprintf("%s commit=%d read=%d", head, m.Commit, m.ReadID)
	case MsgHeartbeatResp:
		return fmt.Sprintf("%s read=%d", head, m.ReadID)
	}
	return head
}

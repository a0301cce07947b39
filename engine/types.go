package engine

import "fmt"

// None is the zero peer id: "no leader known", "voted for nobody".
const None uint64 = 0

// StateType is a peer's role in the protocol (§5.1, plus the pre-vote phase of §9.6
// of Ongaro's thesis).
type StateType uint8

// The roles a peer can be in.
const (
	StateFollower StateType = iota
	StatePreCandidate
	StateCandidate
	StateLeader
	stateCount
)

// states gives each role its name and the section that defines it.
var states = [...]term{
	{"follower", "§5.1"},
	{"precandidate", "dissertation §9.6: pre-vote"},
	{"candidate", "§5.1, §5.2"},
	{"leader", "§5.1, §5.2"},
}

// String returns the role in lower case. The simulator's snapshots carry it as a peer's
// "state" (sim.PeerState), and the page copies that into data-role, which also has the
// value "down" for a crashed peer: a role the engine never has, since a crashed peer
// has no engine.
func (s StateType) String() string {
	if int(s) < len(states) {
		return states[s].name
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Rule is the section of the paper (or the dissertation) that defines the role.
func (s StateType) Rule() string {
	if int(s) < len(states) {
		return states[s].rule
	}
	return ""
}

// ParseStateType is the inverse of StateType.String.
func ParseStateType(s string) (StateType, bool) {
	for i, t := range states {
		if t.name == s {
			return StateType(i), true
		}
	}
	return StateFollower, false
}

// StateTypes lists every role, in the order of their numbers.
func StateTypes() []StateType {
	out := make([]StateType, len(states))
	for i := range out {
		out[i] = StateType(i)
	}
	return out
}

// Entry is one Raft log entry. Indices start at 1 and are strictly increasing in a log.
// An entry with no Command is the empty entry a new leader appends to commit entries of
// earlier terms (§5.4.2); state machines skip it.
type Entry struct {
	Index   uint64
	Term    uint64
	Command []byte
	Context []byte // optional bytes the proposer attached; opaque to Raft
}

// String is a short text form, "3@2" for index 3 in term 2 (plus the command length).
func (e Entry) String() string {
	if len(e.Command) == 0 {
		return fmt.Sprintf("%d@%d", e.Index, e.Term)
	}
	return fmt.Sprintf("%d@%d(%dB)", e.Index, e.Term, len(e.Command))
}

// HardState is the part of a peer's state that must be durable before it answers any
// message that depends on it (Figure 2, "persistent state on all servers"), plus the
// commit index, saved so that a restart re-applies the committed entries at once. Term
// and vote are synced whenever they change (Ready.MustSync); the commit index alone is
// not, so a crash may bring it back lower than it was (never beyond the log), and the
// leader's next AppendEntries or heartbeat restores it.
type HardState struct {
	Term     uint64 // currentTerm: latest term this peer has seen
	VotedFor uint64 // candidate that received our vote in Term, or None
	Commit   uint64 // commitIndex when last persisted
}

// IsEmpty reports whether hs is the zero HardState (nothing to persist).
func (hs HardState) IsEmpty() bool { return hs == HardState{} }

// ConfState is the membership of the region: the voters whose majority forms a quorum.
// It is static for now (three voters).
type ConfState struct {
	Voters []uint64
}

// Quorum is the number of votes that make a majority of the voters.
func (cs ConfState) Quorum() int { return len(cs.Voters)/2 + 1 }

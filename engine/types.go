package engine

import "fmt"

// None is the zero peer id: "no leader known", "voted for nobody".
const None uint64 = 0

// Role is a peer's role in the protocol (§5.1, plus the pre-vote phase of §9.6
// of Ongaro's thesis).
type Role uint8

// The roles a peer can be in.
const (
	RoleFollower Role = iota
	RolePreCandidate
	RoleCandidate
	RoleLeader
	roleCount
)

// roles gives each role its name and the section that defines it.
var roles = [...]term{
	{"follower", "§5.1"},
	{"precandidate", "dissertation §9.6: pre-vote"},
	{"candidate", "§5.1, §5.2"},
	{"leader", "§5.1, §5.2"},
}

// String returns the role in lower case, the name every layer uses: the "role" of a
// snapshot (sim.PeerState), of an event (EventJSON) and of a node's /status, and the
// page's data-role. Those also know "down" for a crashed peer, a role the engine never
// has (a crashed peer has no engine).
func (s Role) String() string { return nameOf(roles[:], s, "role") }

// Rule is the section of the paper (or the dissertation) that defines the role.
func (s Role) Rule() string { return ruleOf(roles[:], s) }

// ParseRole is the inverse of Role.String.
func ParseRole(s string) (Role, bool) { return parseTerm[Role](roles[:], s, 0) }

// Roles lists every role, in the order of their numbers.
func Roles() []Role { return values[Role](len(roles), 0) }

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

// ConfState is the membership of the cluster: the voters whose majority forms a quorum.
// It is static for now (three voters).
type ConfState struct {
	Voters []uint64
}

// Quorum is the number of votes that make a majority of the voters.
func (cs ConfState) Quorum() int { return len(cs.Voters)/2 + 1 }

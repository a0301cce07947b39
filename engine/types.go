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

// EntryType says what an entry carries. The numbering is part of the wire and disk
// formats: append only.
type EntryType uint8

// The entry types.
const (
	// EntryNormal carries a client command, or nothing: the empty entry a new leader
	// appends to commit entries of earlier terms (§5.4.2), which state machines skip.
	EntryNormal EntryType = iota
	// EntryConfChange carries a configuration (§6): its Command is the encoding of the
	// whole ConfState it establishes (AppendConfState), joint (C_old,new) or not
	// (C_new). A peer uses the latest configuration in its log as soon as the entry is
	// appended, committed or not; state machines skip it (see ConfState).
	EntryConfChange
	entryTypeCount
)

// String returns "normal" or "conf".
func (t EntryType) String() string {
	switch t {
	case EntryNormal:
		return "normal"
	case EntryConfChange:
		return "conf"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// Entry is one Raft log entry. Indices start at 1 and are strictly increasing in a log.
// An entry of type EntryNormal with no Command is the empty entry a new leader appends
// to commit entries of earlier terms (§5.4.2); state machines skip it, and skip
// EntryConfChange entries too (the engine applies those itself).
type Entry struct {
	Index   uint64
	Term    uint64
	Type    EntryType
	Command []byte
	Context []byte // optional bytes the proposer attached; opaque to Raft
}

// String is a short text form, "3@2" for index 3 in term 2 (plus the command length,
// or "conf" for a configuration entry).
func (e Entry) String() string {
	switch {
	case e.Type == EntryConfChange:
		return fmt.Sprintf("%d@%d(conf)", e.Index, e.Term)
	case len(e.Command) == 0:
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

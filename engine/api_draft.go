package engine

import (
	"errors"
	"fmt"
)

// ErrNotLeader is matched (with errors.Is) by the error returned when a proposal or a
// read reaches a peer that is not the leader.
var ErrNotLeader = errors.New("not the leader")

// NotLeaderError is returned by Propose and ReadIndex on a peer that is not the leader.
// Leader is the leader this peer knows of, or None.
type NotLeaderError struct {
	Leader uint64
}

func (e *NotLeaderError) Error() string {
	if e.Leader == None {
		return "not the leader; no leader is known"
	}
	return fmt.Sprintf("not the leader; the leader is peer %d", e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// ProgressMode is how a leader replicates to one follower.
type ProgressMode uint8

// The replication modes.
const (
	// ModeProbe: the leader does not know where the follower's log matches; it sends one
	// AppendEntries at a time and backs off nextIndex on each rejection.
	ModeProbe ProgressMode = iota
	// ModeReplicate: the logs match up to Match; the leader streams entries, up to
	// MaxInflightMsgs messages in flight.
	ModeReplicate
)

// ReplicationState is what a leader knows about one follower (in memory only).
// Invariant: 0 <= Match < Next.
type ReplicationState struct {
	Match    uint64       // highest index known to be replicated on the follower
	Next     uint64       // index of the next entry to send
	Mode     ProgressMode // probe or replicate
	Inflight int          // AppendEntries sent and not yet acknowledged (pending)
	Active   bool         // heard from within the current election timeout
}

// Status is a snapshot of a peer for display and checks.
type Status struct {
	ID              uint64
	RegionID        uint64
	State           StateType
	Term            uint64
	VotedFor        uint64
	Lead            uint64
	CommitIndex     uint64
	LastApplied     uint64
	LastIndex       uint64
	LastTerm        uint64
	ElectionElapsed int // ticks since the election timer was reset
	ElectionTimeout int // the randomized timeout now in force, in ticks
	// Progress holds the ReplicationState of each voter (ourselves included), on a
	// leader only.
	Progress map[uint64]ReplicationState
}

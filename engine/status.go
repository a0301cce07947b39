package engine

import (
	"errors"
	"fmt"
	"slices"
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

// Status is a snapshot of a peer for display and checks.
type Status struct {
	ID          uint64
	ClusterID   uint64
	Role        Role
	Term        uint64
	VotedFor    uint64
	Lead        uint64
	CommitIndex uint64
	LastApplied uint64
	LastIndex   uint64
	LastTerm    uint64
	// SnapshotIndex and SnapshotTerm are the last index and term the log's snapshot
	// covers (0 without one), and FirstIndex the first entry the log holds after it
	// (§7).
	SnapshotIndex   uint64
	SnapshotTerm    uint64
	FirstIndex      uint64
	ElectionElapsed int // ticks since the election timer was reset (leader: since the last check-quorum round)
	ElectionTimeout int // the randomized timeout now in force, in ticks
	// Recovering: the peer lost entries it may have acknowledged and has not caught up
	// from a leader yet; it neither votes nor campaigns (see Config.Recovering).
	Recovering bool
	// Conf is the configuration the peer uses: the latest in its log (§6). ConfIndex is
	// the index of the entry that holds it (0: the configuration of the snapshot, or the
	// one the storage was bootstrapped with), ConfCommitted whether the commit index has
	// reached it. A configuration change is in progress while Conf is joint or not
	// committed.
	Conf          ConfState
	ConfIndex     uint64
	ConfCommitted bool
	// Removed: the peer was a member, Conf no longer holds it, and Conf is committed:
	// it knows it is out of the cluster (EventRemoved) and never campaigns again.
	Removed bool
	// VotersMatch and OutgoingMatch, on a leader only, are the highest index stored by a
	// majority of Conf.Voters and, while joint, of Conf.VotersOutgoing (0 otherwise):
	// the two majorities a commit waits for (§6). The commit index can reach the smaller
	// of them (once it is an entry of the leader's term, §5.4.2).
	VotersMatch   uint64
	OutgoingMatch uint64
	// Progress holds the ReplicationState of each member, voters and learners
	// (ourselves included), and of each server Conf removed that the leader still
	// replicates to (Peer.Leaving), on a leader only.
	Progress map[uint64]ReplicationState
}

// Status returns a snapshot of the peer.
func (p *Peer) Status() Status {
	st := Status{
		ID:              p.id,
		ClusterID:       p.clusterID,
		Role:            p.role,
		Term:            p.term,
		VotedFor:        p.votedFor,
		Lead:            p.lead,
		CommitIndex:     p.log.committed,
		LastApplied:     p.log.applied,
		LastIndex:       p.log.lastIndex(),
		LastTerm:        p.log.lastTerm(),
		SnapshotIndex:   p.log.snapIndex,
		SnapshotTerm:    p.log.snapTerm,
		FirstIndex:      p.log.firstIndex(),
		ElectionElapsed: p.electionElapsed,
		ElectionTimeout: p.electionTimeout,
		Recovering:      p.recovering,
		Conf:            p.conf.Clone(),
		ConfIndex:       p.confIndex,
		ConfCommitted:   p.confIndex <= p.log.committed,
		Removed:         p.removed,
	}
	if p.role == RoleLeader {
		st.ElectionTimeout = p.cfg.ElectionTicks
		st.VotersMatch, st.OutgoingMatch = p.matchOfEachMajority()
		st.Progress = make(map[uint64]ReplicationState, len(p.members))
		for i, id := range p.members {
			st.Progress[id] = p.progress[i].ReplicationState
		}
	}
	return st
}

// Term returns the peer's current term.
func (p *Peer) Term() uint64 { return p.term }

// Role returns the peer's role.
func (p *Peer) Role() Role { return p.role }

// matchOfEachMajority returns the highest index a majority of the incoming voters
// stores and, while joint, the one of the outgoing voters (0 otherwise), with the
// acknowledgements the commit rule counts.
func (p *Peer) matchOfEachMajority() (incoming, outgoing uint64) {
	vals := make([]uint64, len(p.progress))
	for i, pr := range p.progress {
		if !pr.Recovering {
			vals[i] = pr.Match
		}
	}
	scratch := make([]uint64, len(vals))
	incoming = jointQuorumValue(slices.Clone(vals), p.incoming, nil, scratch)
	if len(p.outgoing) > 0 {
		outgoing = jointQuorumValue(vals, p.outgoing, nil, scratch)
	}
	return incoming, outgoing
}

package engine

import (
	"errors"
	"fmt"
)

// Config sets up a Peer. Start from DefaultConfig and change what you need; NewPeer
// calls Validate.
type Config struct {
	// ID identifies this peer in its cluster; nonzero. It need not be a member of the
	// stored configuration: a server that joins starts with none and learns it from
	// the leader (§6).
	ID uint64
	// ClusterID names the Raft group this peer belongs to; there is one for now.
	ClusterID uint64

	// ElectionTicks is the base election timeout, in ticks. A follower that hears
	// nothing from a leader for a randomized timeout in [ElectionTicks, 2*ElectionTicks)
	// starts an election (§5.2). Larger: fewer spurious elections, slower fail-over.
	ElectionTicks int
	// HeartbeatTicks is how often a leader sends heartbeats, in ticks. It must be well
	// below ElectionTicks so that one lost heartbeat does not start an election.
	HeartbeatTicks int

	// PreVote makes a peer ask whether it could win before it raises its term
	// (thesis §9.6), so a peer rejoining from a partition does not disrupt the leader.
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a quorum within
	// an election timeout, and makes followers ignore votes while they hear a leader.
	CheckQuorum bool

	// MaxInflightMsgs bounds the AppendEntries messages in flight to one follower in
	// replicate mode (flow control). Larger: more throughput, more memory and resends.
	MaxInflightMsgs int
	// MaxSizePerMsg bounds the bytes of commands in one AppendEntries (at least one
	// entry is always sent). Larger: fewer messages, bigger retransmissions.
	MaxSizePerMsg uint64

	// SnapshotChunkSize is the bytes of snapshot data in one InstallSnapshot message
	// (§7). Zero means MaxSizePerMsg. Larger: fewer messages, more to resend when one
	// is lost.
	SnapshotChunkSize uint64
	// MaxInflightSnapshotChunks bounds the InstallSnapshot chunks sent to one follower
	// and not yet acknowledged (flow control, like MaxInflightMsgs). Zero means 4.
	MaxInflightSnapshotChunks int

	// MaxTermAhead bounds how far ahead of ours a message's term may be. A message
	// whose term is more than MaxTermAhead above ours is refused (Step returns an error
	// wrapping ErrTermOutOfRange and changes nothing): honest peers raise terms one
	// election at a time, and with pre-vote only when they could win, so such a term is
	// forged or corrupt, and adopting it could exhaust the term space (a peer at the
	// highest term can never campaign again). A peer that really fell that far behind,
	// cut off while others held more than MaxTermAhead failed elections, needs an
	// operator. Default 1<<20: about a day of back-to-back elections every 100 ms.
	MaxTermAhead uint64

	// Seed seeds the peer's random source, which draws election timeouts. The same
	// seed and inputs give the same run.
	Seed uint64

	// Recovering starts the peer as a non-voter, for a host whose storage lost entries
	// that the peer may have acknowledged (a damaged disk, a log cut by repair). Raft's
	// safety rests on every vote and acknowledgement being durable; a peer that broke
	// that promise must not vote, campaign or count toward a commit or a read until it
	// holds a leader's whole log again: then it has every entry that could have been
	// committed with its help (Leader Completeness, §5.4). (A leader still counts it
	// as alive for check-quorum, so as not to step down while it catches up.) The peer
	// tells the leader on every reply (Message.Recovering), and emits EventRecovered
	// once it has caught up; the host should make that durable, so that a restart
	// before then recovers again.
	Recovering bool

	// Storage holds the peer's durable state; NewPeer loads HardState, ConfState and the
	// log from it (a restart when they are not empty).
	Storage Storage

	// Unsafe breaks rules of the protocol on purpose, to show (and to prove the
	// checkers can catch) what goes wrong without them. Never set these outside lessons
	// and tests.
	Unsafe UnsafeConfig
}

// UnsafeConfig lists the rules that can be switched off for demonstrations.
type UnsafeConfig struct {
	// SkipUpToDateCheck grants votes without the §5.4.1 check that the candidate's log
	// is at least as up-to-date as the voter's.
	SkipUpToDateCheck bool
	// CommitOldTerms lets a leader commit an entry of an earlier term by counting
	// replicas, which §5.4.2 (Figure 8) forbids.
	CommitOldTerms bool
	// ReadBeforeTermCommit serves ReadIndex at the leader's commit index at once, without
	// first waiting until the leader has committed an entry of its own term (its no-op,
	// thesis §6.4 step 1). A new leader may not yet know that entries of an earlier term
	// were committed, so its commit index can be older than a completed write: the read
	// can be stale.
	ReadBeforeTermCommit bool
	// DirectConfigChange makes ProposeConfChange switch from C_old straight to C_new,
	// without the joint configuration C_old,new of §6. Servers switch when they append
	// the entry, at different times, so for a while a majority of C_old and a majority
	// of C_new can decide apart: two leaders can be elected in one term (Figure 10).
	DirectConfigChange bool
}

// DefaultConfig returns a configuration for peer id with the defaults raftplay uses:
// election timeout 10 ticks, heartbeat every tick, pre-vote and check-quorum on.
func DefaultConfig(id uint64, storage Storage) Config {
	return Config{
		ID:              id,
		ClusterID:       1,
		ElectionTicks:   10,
		HeartbeatTicks:  1,
		PreVote:         true,
		CheckQuorum:     true,
		MaxInflightMsgs: 256,
		MaxSizePerMsg:   1 << 20,
		MaxTermAhead:    1 << 20,
		Seed:            id,
		Storage:         storage,
	}
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.ID == None:
		return errors.New("config: ID must be nonzero")
	case c.HeartbeatTicks <= 0:
		return fmt.Errorf("config: HeartbeatTicks must be positive, got %d", c.HeartbeatTicks)
	case c.ElectionTicks <= c.HeartbeatTicks:
		return fmt.Errorf("config: ElectionTicks (%d) must be greater than HeartbeatTicks (%d)", c.ElectionTicks, c.HeartbeatTicks)
	case c.MaxInflightMsgs <= 0:
		return fmt.Errorf("config: MaxInflightMsgs must be positive, got %d", c.MaxInflightMsgs)
	case c.MaxInflightSnapshotChunks < 0:
		return fmt.Errorf("config: MaxInflightSnapshotChunks must not be negative, got %d", c.MaxInflightSnapshotChunks)
	case c.MaxSizePerMsg == 0:
		return errors.New("config: MaxSizePerMsg must be positive")
	case c.MaxTermAhead == 0:
		return errors.New("config: MaxTermAhead must be positive")
	case c.Storage == nil:
		return errors.New("config: Storage is required")
	}
	return nil
}

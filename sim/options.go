package sim

import (
	"fmt"
	"math"
)

// Options is the model a scenario runs under. Every field has a default (see
// DefaultOptions); a scenario's JSON may set any subset. Times are milliseconds of virtual
// time.
type Options struct {
	// Peers is the number of servers, with ids 1..Peers. Default 3; at most MaxPeers (the
	// paper's Figure 7 needs 7, Figure 8 needs 5).
	Peers int `json:"peers"`
	// Voters is the number of servers in the first configuration, ids 1..Voters; 0
	// (the default) means all of them. Servers Voters+1..Peers start empty, with no
	// configuration: spare servers that the add-learner action brings in (§6).
	Voters int `json:"voters,omitempty"`
	// Tick is the virtual time between two ticks of one peer, in ms. Default 10. Each
	// peer ticks at its own phase within the interval, so peers are not in lock-step.
	Tick int64 `json:"tick"`
	// ElectionTicks is the base election timeout in ticks: a follower times out after a
	// random [ElectionTicks, 2*ElectionTicks) ticks without a leader. Default 10 (100 to
	// 200 ms with the default tick).
	ElectionTicks int `json:"election_ticks"`
	// HeartbeatTicks is the leader's heartbeat interval in ticks. Default 2 (20 ms), so a
	// heartbeat and its reply (at most 16 ms with the default latency) fit many times
	// into the shortest election timeout.
	HeartbeatTicks int `json:"heartbeat_ticks"`
	// PreVote turns on the pre-vote phase (thesis §9.6). Default true.
	PreVote bool `json:"pre_vote"`
	// CheckQuorum makes a leader step down without a quorum, and followers ignore
	// candidates while they hear from a leader. Default true.
	CheckQuorum bool `json:"check_quorum"`
	// Latency is the [min, max] one-way delay of a message between peers, in ms, drawn
	// uniformly for each message. Default [2, 8].
	Latency []int64 `json:"latency"`
	// Drop is the probability that a message between peers is lost. Default 0.
	Drop float64 `json:"drop"`
	// Duplicate is the probability that a message between peers is delivered twice (the
	// copy with its own latency). Default 0.
	Duplicate float64 `json:"duplicate"`
	// Clients is the number of simulated clients issuing random key-value operations.
	// Default 0.
	Clients int `json:"clients"`
	// ClientKeys is how many keys (k0, k1, ...) the clients work on. Default 3: few keys
	// make operations conflict, which is what a linearizability check needs.
	ClientKeys int `json:"client_keys"`
	// ClientThink is the [min, max] pause of a client between two operations, in ms.
	// Default [5, 50].
	ClientThink []int64 `json:"client_think"`
	// ClientLatency is the fixed one-way delay between a client and a peer, in ms.
	// Default 1. Clients sit outside the peers' network: partitions, blocks and message
	// loss do not affect them, but a crashed peer never answers.
	ClientLatency int64 `json:"client_latency"`
	// ClientTimeout is how long a client waits for an answer before it tries another
	// peer, in ms. Default 300 (longer than an election).
	ClientTimeout int64 `json:"client_timeout"`
	// ClientTries is how many attempts a client makes for one operation before it gives
	// up; the outcome of a write it gave up on is unknown. Default 5.
	ClientTries int `json:"client_tries"`
	// MaxMsgBytes bounds the command bytes in one AppendEntries (at least one entry is
	// always sent). 0 keeps the engine's default of 1 MiB; 1 sends one entry per
	// message, which shows the flow control at work (and Figure 8's window).
	MaxMsgBytes uint64 `json:"max_msg_bytes,omitempty"`
	// MaxInflight bounds the AppendEntries in flight to one follower. 0 keeps the
	// engine's default of 256.
	MaxInflight int `json:"max_inflight,omitempty"`
	// SnapshotEntries makes each peer snapshot its state machine (§7) once it has
	// applied this many entries since its last snapshot, so that its log is compacted
	// and a follower that falls behind the leader's log gets InstallSnapshot. 0 (the
	// default) never snapshots on its own; the snapshot action still does.
	SnapshotEntries uint64 `json:"snapshot_entries,omitempty"`
	// SnapshotChunkBytes is the snapshot bytes one InstallSnapshot message carries. 0
	// keeps the engine's default (MaxMsgBytes, or 1 MiB); a few bytes split even a small
	// snapshot into many chunks, which the network can lose or duplicate one by one.
	SnapshotChunkBytes uint64 `json:"snapshot_chunk_bytes,omitempty"`
	// Unsafe breaks rules on purpose, for lessons and for testing the checkers.
	Unsafe Unsafe `json:"unsafe"`
}

// Unsafe lists the rules a scenario may switch off. SkipUpToDateCheck, CommitOldTerms
// and ReadBeforeTermCommit map onto engine.UnsafeConfig; ForgetVoteOnRestart is a fault
// of the simulated storage.
type Unsafe struct {
	// SkipUpToDateCheck grants votes without the §5.4.1 up-to-date check.
	SkipUpToDateCheck bool `json:"skip_up_to_date_check"`
	// CommitOldTerms lets a leader count replicas of an earlier term's entry (Figure 8).
	CommitOldTerms bool `json:"commit_old_terms"`
	// ForgetVoteOnRestart makes a restarting peer lose its persisted term and vote: it
	// comes back with the term of its last log entry and no vote, as a node that does not
	// persist HardState would (the persistence lesson).
	ForgetVoteOnRestart bool `json:"forget_vote_on_restart"`
	// ReadBeforeTermCommit lets a new leader serve ReadIndex before it has committed an
	// entry of its own term (thesis §6.4): the stale-read invariant catches the result.
	ReadBeforeTermCommit bool `json:"read_before_term_commit"`
	// DirectConfigChange switches configurations from C_old straight to C_new, without
	// the joint configuration of §6: with the reconfigure action, two leaders can win
	// one term (Figure 10), which election-safety catches.
	DirectConfigChange bool `json:"direct_config_change,omitempty"`
}

// Limits of the model. They keep a scenario from outside (a share link) from asking for
// unbounded work or memory.
const (
	MaxPeers           = 9          // voters
	MaxTick            = 1000       // ms per tick
	MaxElectionTicks   = 1000       // ticks
	MaxLatency         = 60_000     // ms, one way
	MaxClients         = 100        // simulated clients
	MaxClientKeys      = 1000       // keys the clients use
	MaxClientThink     = 1_000_000  // ms between two operations of a client
	MaxClientTimeout   = 10_000_000 // ms
	MaxClientTries     = 100        // attempts per operation
	MaxInflight        = 4096       // AppendEntries in flight per follower
	MaxSnapshotEntries = 1_000_000  // applied entries between two automatic snapshots
	MaxSnapshotChunk   = 1 << 20    // bytes of snapshot per InstallSnapshot message
)

// DefaultOptions returns the model used when a scenario sets nothing: three peers,
// 10 ms ticks, election timeout 10 ticks, heartbeat every 2 ticks, pre-vote and
// check-quorum on, 2 to 8 ms latency, no loss, no duplication, no clients.
func DefaultOptions() Options {
	return Options{
		Peers:          3,
		Tick:           10,
		ElectionTicks:  10,
		HeartbeatTicks: 2,
		PreVote:        true,
		CheckQuorum:    true,
		Latency:        []int64{2, 8},
		Clients:        0,
		ClientKeys:     3,
		ClientThink:    []int64{5, 50},
		ClientLatency:  1,
		ClientTimeout:  300,
		ClientTries:    5,
	}
}

// firstVoters is the number of servers in the first configuration.
func (o *Options) firstVoters() int {
	if o.Voters == 0 {
		return o.Peers
	}
	return o.Voters
}

// Validate reports the first option that is out of range.
func (o *Options) Validate() error {
	switch {
	case o.Peers < 1 || o.Peers > MaxPeers:
		return fmt.Errorf("peers must be 1 to %d, got %d", MaxPeers, o.Peers)
	case o.Voters < 0 || o.Voters > o.Peers:
		return fmt.Errorf("voters must be 0 (all peers) to peers (%d), got %d", o.Peers, o.Voters)
	case o.Tick < 1 || o.Tick > MaxTick:
		return fmt.Errorf("tick must be 1 to %d ms, got %d", MaxTick, o.Tick)
	case o.ElectionTicks < 2 || o.ElectionTicks > MaxElectionTicks:
		return fmt.Errorf("election_ticks must be 2 to %d, got %d", MaxElectionTicks, o.ElectionTicks)
	case o.HeartbeatTicks < 1 || o.HeartbeatTicks >= o.ElectionTicks:
		return fmt.Errorf("heartbeat_ticks must be 1 to election_ticks-1 (%d), got %d", o.ElectionTicks-1, o.HeartbeatTicks)
	case o.Clients < 0 || o.Clients > MaxClients:
		return fmt.Errorf("clients must be 0 to %d, got %d", MaxClients, o.Clients)
	case o.ClientKeys < 1 || o.ClientKeys > MaxClientKeys:
		return fmt.Errorf("client_keys must be 1 to %d, got %d", MaxClientKeys, o.ClientKeys)
	case o.ClientLatency < 1 || o.ClientLatency > MaxLatency:
		return fmt.Errorf("client_latency must be 1 to %d ms, got %d", MaxLatency, o.ClientLatency)
	case o.ClientTimeout < 1 || o.ClientTimeout > MaxClientTimeout:
		return fmt.Errorf("client_timeout must be 1 to %d ms, got %d", MaxClientTimeout, o.ClientTimeout)
	case o.ClientTries < 1 || o.ClientTries > MaxClientTries:
		return fmt.Errorf("client_tries must be 1 to %d, got %d", MaxClientTries, o.ClientTries)
	case o.MaxInflight < 0 || o.MaxInflight > MaxInflight:
		return fmt.Errorf("max_inflight must be 0 (the default) to %d, got %d", MaxInflight, o.MaxInflight)
	case o.SnapshotEntries > MaxSnapshotEntries:
		return fmt.Errorf("snapshot_entries must be 0 (never) to %d, got %d", MaxSnapshotEntries, o.SnapshotEntries)
	case o.SnapshotChunkBytes > MaxSnapshotChunk:
		return fmt.Errorf("snapshot_chunk_bytes must be 0 (the default) to %d, got %d", MaxSnapshotChunk, o.SnapshotChunkBytes)
	}
	if err := checkRange("latency", o.Latency, MaxLatency); err != nil {
		return err
	}
	if err := checkRange("client_think", o.ClientThink, MaxClientThink); err != nil {
		return err
	}
	if err := checkProbability("drop", o.Drop); err != nil {
		return err
	}
	return checkProbability("duplicate", o.Duplicate)
}

// checkRange checks a [min, max] pair of milliseconds.
func checkRange(name string, r []int64, limit int64) error {
	if len(r) != 2 {
		return fmt.Errorf("%s must be [min, max] (2 numbers), got %d numbers", name, len(r))
	}
	if r[0] < 0 || r[1] < r[0] || r[1] > limit {
		return fmt.Errorf("%s [%d, %d] must satisfy 0 <= min <= max <= %d ms", name, r[0], r[1], limit)
	}
	return nil
}

func checkProbability(name string, p float64) error {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return fmt.Errorf("%s must be a probability in [0, 1], got %v", name, p)
	}
	return nil
}

// clone returns o with its own slices.
func (o Options) clone() Options {
	o.Latency = append([]int64(nil), o.Latency...)
	o.ClientThink = append([]int64(nil), o.ClientThink...)
	return o
}

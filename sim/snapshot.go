package sim

// Snapshot is the state of the cluster for display: window.raftplay.state() on the page.
// It is plain data and JSON-serializable.
type Snapshot struct {
	Time       int64         `json:"time"`  // virtual ms
	Steps      int64         `json:"steps"` // events processed
	Leader     uint64        `json:"leader"`
	Peers      []PeerState   `json:"peers"`
	Blocked    []Link        `json:"blocked"` // the cut one-way links
	Network    NetworkState  `json:"network"`
	Messages   []MessageInfo `json:"messages"` // in flight, oldest first
	Violations []Violation   `json:"violations"`
	Stopped    bool          `json:"stopped"`
}

// NetworkState is the network model in force.
type NetworkState struct {
	Latency   [2]int64 `json:"latency"`
	Drop      float64  `json:"drop"`
	Duplicate float64  `json:"duplicate"`
}

// PeerState is one peer as the page shows it. A peer that is down shows its durable
// state: term, vote, commit index and log as a restart would load them.
type PeerState struct {
	ID          uint64 `json:"id"`
	ClusterID   uint64 `json:"cluster_id"`
	Role        string `json:"role"` // leader, follower, candidate, precandidate or down
	Term        uint64 `json:"term"`
	Vote        uint64 `json:"vote"`
	Lead        uint64 `json:"lead"`
	CommitIndex uint64 `json:"commit_index"`
	LastApplied uint64 `json:"last_applied"`
	LastIndex   uint64 `json:"last_index"`
	// SnapshotIndex and SnapshotTerm are the last entry the peer's Raft snapshot (§7)
	// covers, 0 without one: its log holds only the entries after it.
	SnapshotIndex uint64 `json:"snapshot_index,omitempty"`
	SnapshotTerm  uint64 `json:"snapshot_term,omitempty"`
	// Log holds the last MaxSnapshotLog entries; LogFirst is the index of Log[0].
	Log             []LogEntry `json:"log"`
	LogFirst        uint64     `json:"log_first"`
	ElectionElapsed int        `json:"election_elapsed"`
	ElectionTimeout int        `json:"election_timeout"`
	// Replication is the leader's view of every follower; empty on other peers.
	Replication []Replication     `json:"replication,omitempty"`
	KV          map[string]string `json:"kv"`
	Restarts    uint64            `json:"restarts"`
	// Unsynced counts the storage writes a crash would lose now.
	Unsynced int `json:"unsynced"`
	// The configuration the peer uses (§6: the latest in its log; while down, the one
	// its storage starts from): Voters (C_new while joint), Learners, and Outgoing (C_old,
	// only while joint). ConfIndex is the entry that holds it (0: the first
	// configuration, or a snapshot's), ConfCommitted whether the peer's commit index has
	// reached it. A peer that is in none of the lists is not a member.
	Voters        []uint64 `json:"voters"`
	Learners      []uint64 `json:"learners,omitempty"`
	Outgoing      []uint64 `json:"outgoing,omitempty"`
	ConfIndex     uint64   `json:"conf_index,omitempty"`
	ConfCommitted bool     `json:"conf_committed,omitempty"`
	// VotersMatch and OutgoingMatch, on the leader, are the highest index a majority of
	// Voters stores and, while joint, a majority of Outgoing: what a commit waits for.
	VotersMatch   uint64 `json:"voters_match,omitempty"`
	OutgoingMatch uint64 `json:"outgoing_match,omitempty"`
}

// LogEntry is one log entry with its command in text form ("no-op" for a leader's
// empty entry). A configuration entry (§6) has Conf set and the configuration as its
// command: "voters=[1 2 3 4] outgoing=[1 2 3]" (ConfState.String).
type LogEntry struct {
	Index   uint64 `json:"index"`
	Term    uint64 `json:"term"`
	Command string `json:"command"`
	Conf    bool   `json:"conf,omitempty"`
}

// Replication is a leader's ReplicationState for one follower.
type Replication struct {
	Peer       uint64 `json:"peer"`
	MatchIndex uint64 `json:"match_index"`
	NextIndex  uint64 `json:"next_index"`
	Mode       string `json:"mode"` // probe or replicate
	Inflight   int    `json:"inflight"`
	Active     bool   `json:"active"`
}

// MaxSnapshotLog is the most log entries a PeerState carries (the latest ones).
const MaxSnapshotLog = 1000

// State returns a snapshot of the whole cluster.
func (c *Cluster) State() Snapshot {
	nw := &c.net
	s := Snapshot{
		Time:       c.now,
		Steps:      c.steps,
		Leader:     c.Leader(),
		Blocked:    nw.cutLinks(),
		Network:    NetworkState{Latency: nw.latency, Drop: nw.drop, Duplicate: nw.duplicate},
		Messages:   c.InFlight(),
		Violations: c.Violations(),
		Stopped:    c.stopped,
	}
	if s.Violations == nil {
		s.Violations = []Violation{}
	}
	for i := range c.peers {
		s.Peers = append(s.Peers, c.peerState(&c.peers[i]))
	}
	return s
}

func (c *Cluster) peerState(p *simPeer) PeerState {
	ps := PeerState{ID: p.id, ClusterID: 1, Restarts: p.restarts, KV: map[string]string{},
		Unsynced: p.store.UnsyncedWrites()}
	log := p.store.Log()
	if p.up() {
		st := p.node.Status()
		ps.ClusterID, ps.Role, ps.Term, ps.Vote, ps.Lead = st.ClusterID, st.Role.String(), st.Term, st.VotedFor, st.Lead
		ps.CommitIndex, ps.LastApplied, ps.LastIndex = st.CommitIndex, st.LastApplied, st.LastIndex
		ps.ElectionElapsed, ps.ElectionTimeout = st.ElectionElapsed, st.ElectionTimeout
		ps.Voters, ps.Learners, ps.Outgoing = st.Conf.Voters, st.Conf.Learners, st.Conf.VotersOutgoing
		ps.ConfIndex, ps.ConfCommitted = st.ConfIndex, st.ConfCommitted
		ps.VotersMatch, ps.OutgoingMatch = st.VotersMatch, st.OutgoingMatch
		for _, id := range st.Conf.Members() {
			if rs, ok := st.Progress[id]; ok && id != p.id {
				ps.Replication = append(ps.Replication, Replication{Peer: id, MatchIndex: rs.Match, NextIndex: rs.Next,
					Mode: rs.Mode.String(), Inflight: rs.Inflight, Active: rs.Active})
			}
		}
		for _, k := range p.sm.Keys() {
			ps.KV[k], _ = p.sm.Get(k)
		}
	} else {
		hs := p.store.HardState()
		ps.Role, ps.Term, ps.Vote, ps.CommitIndex = "down", hs.Term, hs.VotedFor, hs.Commit
		ps.LastIndex, _ = p.store.LastIndex()
		cs := storedConf(p.store)
		ps.Voters, ps.Learners, ps.Outgoing = cs.Voters, cs.Learners, cs.VotersOutgoing
	}
	if ps.Voters == nil {
		ps.Voters = []uint64{}
	}
	if snap, _ := p.store.Snapshot(); !snap.IsEmpty() {
		ps.SnapshotIndex, ps.SnapshotTerm = snap.Meta.Index, snap.Meta.Term
	}
	first := max(len(log)-MaxSnapshotLog, 0)
	ps.LogFirst = ps.SnapshotIndex + uint64(first+1)
	ps.Log = make([]LogEntry, 0, len(log)-first)
	for _, e := range log[first:] {
		ps.Log = append(ps.Log, logEntry(&e))
	}
	return ps
}

package engine

import (
	"fmt"
	"math/rand/v2"
)

// Peer is one member of a Raft cluster: the protocol state machine of Figure 2. It does no
// I/O and keeps no clock; see the package documentation for the loop that drives it.
type Peer struct {
	id        uint64
	clusterID uint64
	cfg       Config

	role     Role
	term     uint64 // currentTerm
	votedFor uint64 // candidate voted for in term, or None
	lead     uint64 // the leader of term as far as we know, or None

	log *raftLog

	// recovering: our storage lost entries we may have acknowledged (Config.Recovering),
	// and we have not yet accepted a leader's whole log. We neither vote nor campaign.
	recovering bool
	// restarted: we loaded a non-empty storage and have accepted no AppendEntries since,
	// so our log may be shorter than what we acknowledged before (Message.Restarted).
	restarted bool

	// conf is the configuration in force: the latest one in the log, committed or not
	// (§6), or baseConf when the log after the snapshot holds none. confIndex is the
	// index of the entry that holds it, 0 for baseConf.
	conf      ConfState
	confIndex uint64
	// baseConf is the configuration as of the start of the log: its snapshot's, or the
	// one the storage was bootstrapped with (empty for a server that joins).
	baseConf ConfState
	// wasMember: a configuration this peer used held it. removed: it no longer does,
	// and the peer knows that configuration is committed (EventRemoved).
	wasMember bool
	removed   bool
	// leaving are, on a leader, the servers conf removed that may not know it yet: the
	// leader replicates to them (they are in members, in neither majority) until they
	// do, within bounds (leaving.go).
	leaving []leaver

	// members are the members of conf, ourselves (a member or not) and the leaving
	// servers, sorted, with one progress and one vote slot per member in the same order.
	members  []uint64
	progress []*progress
	votes    []voteSlot
	self     int // our position in members
	// incoming and outgoing are the positions in members of conf.Voters and of
	// conf.VotersOutgoing: the two majorities a joint decision needs (§6).
	incoming []int
	outgoing []int
	// quorumBuf is scratch space for majorityReached, two slots per member.
	quorumBuf []uint64

	// Timers are counters of ticks, never real timers.
	electionElapsed  int // ticks since we last heard from a leader or started an election
	heartbeatElapsed int // leader: ticks since the last heartbeat round
	electionTimeout  int // the randomized timeout in force, in [ElectionTicks, 2*ElectionTicks)
	rand             *rand.Rand
	pcg              *rand.PCG // the source behind rand, kept so that Clone can copy its state

	// Role behaviour, swapped by the becomeX functions.
	stepRole func(p *Peer, m Message) error
	tickRole func(p *Peer)

	reads readIndexState

	// What the next Ready hands out, and what the last one handed out.
	msgs       []Message
	events     []Event
	readStates []ReadState
	applyBuf   []Entry
	// pendingSnap is a snapshot for the next Ready to persist: taken by the
	// application (TakeSnapshot), or received from the leader (restoreSnap set: the
	// state machine is to be replaced by it).
	pendingSnap Snapshot
	restoreSnap bool
	// recv is the snapshot being received from a leader, chunk by chunk.
	recv        snapshotRecv
	sendPending bool // some progress has wantSend set
	prevHard    HardState
	prevSoft    SoftState
	handed      handedOut
}

// voteSlot is the answer one voter gave in the election we are running.
type voteSlot uint8

const (
	voteUnknown voteSlot = iota
	voteGranted
	voteRefused
)

// handedOut remembers what the last Ready gave the driver, for Advance.
type handedOut struct {
	valid       bool
	lastEntry   uint64 // last index of Ready.Entries, if any
	hadEntries  bool
	lastApplied uint64 // last index of Ready.CommittedEntries
	snap        bool   // Ready.Snapshot was set
	hard        HardState
	soft        SoftState
}

// NewPeer creates a peer from cfg, loading its durable state from cfg.Storage. A
// storage that already holds a HardState and a log is a restart: term, vote and commit
// come back as saved, and entries up to the saved commit index are handed out again to
// be applied (the state machine is volatile). A storage with a snapshot
// (SnapshotStorage) is a restart from it: the driver restores its state machine from
// the snapshot before it applies anything, and the engine hands out the committed
// entries after the snapshot's index (§7).
func NewPeer(cfg Config) (*Peer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hs, cs, err := cfg.Storage.InitialState()
	if err != nil {
		return nil, fmt.Errorf("engine: load initial state of peer %d: %w", cfg.ID, err)
	}
	cs = sortedConf(cs)
	if err := cs.Validate(); err != nil {
		return nil, fmt.Errorf("engine: peer %d: stored configuration: %w", cfg.ID, err)
	}
	if hs.Term >= MaxTerm {
		return nil, fmt.Errorf("engine: peer %d: stored term %d is at or above MaxTerm %d, so the peer could never campaign; the HardState is corrupt", cfg.ID, hs.Term, uint64(MaxTerm))
	}
	log, err := newRaftLog(cfg.Storage, hs.Commit)
	if err != nil {
		return nil, fmt.Errorf("engine: peer %d: %w", cfg.ID, err)
	}
	if log.snapTerm > hs.Term {
		// A crash between SaveSnapshot and the Save of the same Ready: the snapshot's
		// term is one we have seen. Moving to it without a vote is always safe.
		hs.Term, hs.VotedFor = log.snapTerm, None
	}
	pcg := rand.NewPCG(cfg.Seed, cfg.ID^0x9e3779b97f4a7c15)
	p := &Peer{
		id:        cfg.ID,
		clusterID: cfg.ClusterID,
		cfg:       cfg,
		term:      hs.Term,
		votedFor:  hs.VotedFor,
		log:       log,
		baseConf:  cs,
		rand:      rand.New(pcg),
		pcg:       pcg,
		prevHard:  hs,

		recovering: cfg.Recovering,
		restarted:  !hs.IsEmpty() || log.lastIndex() > 0,
	}
	// §6: the configuration in force is the latest one in the log.
	conf, confIndex, err := p.confAt(log.lastIndex())
	if err != nil {
		return nil, fmt.Errorf("engine: peer %d: %w", cfg.ID, err)
	}
	p.conf, p.confIndex = conf, confIndex
	p.rebuildMembers()
	if !hs.IsEmpty() || log.lastIndex() > 0 {
		p.emit(Event{Kind: EventRestarted, From: hs.VotedFor, Index: hs.Commit, LocalIndex: log.lastIndex()})
	}
	// A server removed before it stopped knows so from its log: the configuration
	// before the latest one held it.
	p.wasMember = conf.IsMember(cfg.ID)
	if confIndex > 0 && !p.wasMember {
		prev, _, err := p.confAt(confIndex - 1)
		p.wasMember = err == nil && prev.IsMember(cfg.ID)
	}
	p.maybeLearnRemoved()
	p.becomeFollower(p.term, None)
	p.prevSoft = SoftState{Lead: p.lead, Role: p.role}
	return p, nil
}

// ID returns the peer's id.
func (p *Peer) ID() uint64 { return p.id }

// Tick advances the peer's logical clock by one tick.
func (p *Peer) Tick() { p.tickRole(p) }

// emit records a decision for the next Ready.
func (p *Peer) emit(e Event) {
	e.Peer = p.id
	if e.Term == 0 {
		e.Term = p.term
	}
	p.events = append(p.events, e)
}

func (p *Peer) send(m Message) {
	m.From = p.id
	if m.Term == 0 {
		m.Term = p.term
	}
	if m.Type == MsgAppResp || m.Type == MsgHeartbeatResp {
		m.Recovering = p.recovering
		m.Restarted = p.restarted && (m.Reject || m.Type == MsgHeartbeatResp)
		if p.outside() {
			// A removed server tells the leader how far it knows the log is
			// committed: the leader stops sending once it knows it is out (leaving.go).
			m.Commit = p.log.committed
		}
	}
	p.msgs = append(p.msgs, m)
}

// memberIndex returns the position of id in members, or -1.
func (p *Peer) memberIndex(id uint64) int {
	for i, v := range p.members {
		if v == id {
			return i
		}
	}
	return -1
}

// promotable reports whether the peer may campaign: it is not recovering (see
// Config.Recovering), and it is a voter of its configuration (a learner, a removed
// server or one that has not learned a configuration never campaigns), or of the one
// before it while its own is not known to be committed. The last case is the
// dissertation's rule (§4.2.2): a server that is not part of its latest configuration
// still starts elections until that entry is committed, as it may still be needed.
// Without it a cluster can stall for good: when C_new reached only servers it removes,
// they would not stand, while C_new's voters, whose logs are older, cannot win their
// votes (the up-to-date check, §5.4.1).
func (p *Peer) promotable() bool {
	if p.recovering {
		return false
	}
	if p.conf.IsVoter(p.id) {
		return true
	}
	if p.removed || p.confIndex == 0 || p.confIndex <= p.log.committed {
		return false
	}
	prev, _, err := p.confAt(p.confIndex - 1)
	return err == nil && prev.IsVoter(p.id)
}

func (p *Peer) resetRandomizedElectionTimeout() {
	p.electionTimeout = p.cfg.ElectionTicks + p.rand.IntN(p.cfg.ElectionTicks)
}

// reset prepares the peer for a new term (or a new role in the same term).
func (p *Peer) reset(term uint64) {
	if p.term != term {
		p.term = term
		p.votedFor = None
	}
	p.lead = None
	p.electionElapsed = 0
	p.heartbeatElapsed = 0
	p.resetRandomizedElectionTimeout()
	p.forgetLeaving()
	clear(p.votes)
	next := p.log.lastIndex() + 1
	for _, pr := range p.progress {
		pr.reset(next)
	}
	p.sendPending = false
	p.reads.reset()
}

func (p *Peer) setRole(role Role) {
	changed := p.role != role
	p.role = role
	if changed || role != RoleFollower {
		p.emit(Event{Kind: EventRoleChanged, Role: role})
	}
}

func (p *Peer) becomeFollower(term, lead uint64) {
	p.stepRole = stepFollower
	p.tickRole = tickElection
	p.reset(term)
	p.lead = lead
	p.setRole(RoleFollower)
}

// becomePreCandidate asks for pre-votes without raising the term or voting (§9.6 of the
// thesis), so a peer that cannot win does not disturb the others.
func (p *Peer) becomePreCandidate() {
	if p.role == RoleLeader {
		panic("engine: broken invariant: a leader cannot become a pre-candidate")
	}
	p.stepRole = stepCandidate
	p.tickRole = tickElection
	clear(p.votes)
	p.lead = None
	p.electionElapsed = 0
	p.resetRandomizedElectionTimeout()
	p.setRole(RolePreCandidate)
}

// becomeCandidate starts an election: a new term and a vote for ourselves (§5.2).
func (p *Peer) becomeCandidate() {
	if p.role == RoleLeader {
		panic("engine: broken invariant: a leader cannot become a candidate")
	}
	p.stepRole = stepCandidate
	p.tickRole = tickElection
	p.reset(p.term + 1)
	p.votedFor = p.id
	p.setRole(RoleCandidate)
}

// becomeLeader takes over the cluster and appends an empty entry of the new term: entries
// of earlier terms are committed only through it (§5.4.2).
func (p *Peer) becomeLeader() {
	if p.role == RoleFollower {
		panic("engine: broken invariant: a follower cannot become leader without an election")
	}
	p.stepRole = stepLeader
	p.tickRole = tickHeartbeat
	p.reset(p.term)
	p.lead = p.id
	p.setRole(RoleLeader)
	self := p.progress[p.self]
	self.becomeReplicate()
	self.Match = p.log.stableLast()
	self.Next = self.Match + 1
	self.Active = true
	p.leavingOnElection()
	p.appendEntries(Entry{})
	p.markAllForSend(true)
}

// tickElection is the timer of followers and candidates.
func tickElection(p *Peer) {
	p.electionElapsed++
	if p.electionElapsed >= p.electionTimeout {
		if !p.promotable() {
			// A peer that lost acknowledged entries must not lead: its log may lack
			// committed entries, and others could vote for it. A learner, or a server
			// that is not (or no longer) a voter, is not a candidate at all (§6).
			p.electionElapsed = 0
			if !p.conf.IsVoter(p.id) {
				// But it no longer follows a leader it has not heard from for a whole
				// timeout: it must not keep refusing votes in that leader's name
				// (check-quorum's lease). A learner may be a voter of a configuration
				// it has not received yet, whose candidates need its vote.
				p.lead = None
			}
			return
		}
		p.emit(Event{Kind: EventTimeout})
		p.campaign()
	}
}

// tickHeartbeat is the leader's timer: heartbeats, and the check-quorum round.
func tickHeartbeat(p *Peer) {
	p.heartbeatElapsed++
	p.electionElapsed++
	p.tickLeaving()
	if p.electionElapsed >= p.cfg.ElectionTicks {
		p.electionElapsed = 0
		if p.cfg.CheckQuorum && !p.quorumActive() {
			p.emit(Event{Kind: EventQuorumLost})
			p.becomeFollower(p.term, None)
			return
		}
	}
	if p.heartbeatElapsed >= p.cfg.HeartbeatTicks {
		p.heartbeatElapsed = 0
		p.broadcastHeartbeat(0)
	}
}

// quorumActive reports whether a quorum (both majorities while joint) was heard from
// since the last round, and starts a new round.
func (p *Peer) quorumActive() bool {
	active := p.majorityReached(func(i int, pr *progress) uint64 {
		if i == p.self || pr.Active {
			return 1
		}
		return 0
	}) == 1
	for _, pr := range p.progress {
		pr.Active = false
	}
	return active
}

// Campaign makes the election timeout fire now, as if the peer had not heard from a
// leader for too long. A leader ignores it, and so does a recovering peer (see
// Config.Recovering) and one that is not a voter.
func (p *Peer) Campaign() {
	if p.role == RoleLeader || !p.promotable() {
		return
	}
	p.emit(Event{Kind: EventTimeout})
	p.campaign()
}

package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

	// voters, sorted, and one progress and one vote slot per voter, in the same order.
	voters   []uint64
	progress []*progress
	votes    []voteSlot
	self     int // our position in voters
	// quorumBuf is scratch space for majorityReached, one slot per voter.
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
	if len(cs.Voters) == 0 {
		return nil, fmt.Errorf("engine: peer %d: storage holds no ConfState voters; bootstrap the storage with the cluster's voters", cfg.ID)
	}
	voters := slices.Clone(cs.Voters)
	slices.Sort(voters)
	if slices.Contains(voters, None) || len(slices.Compact(slices.Clone(voters))) != len(voters) {
		return nil, fmt.Errorf("engine: peer %d: invalid voters %v: ids must be nonzero and distinct", cfg.ID, cs.Voters)
	}
	self := slices.Index(voters, cfg.ID)
	if self < 0 {
		return nil, fmt.Errorf("engine: peer %d is not one of the voters %v", cfg.ID, voters)
	}
	if hs.Term >= MaxTerm {
		return nil, fmt.Errorf("engine: peer %d: stored term %d is at or above MaxTerm %d, so the peer could never campaign; the HardState is corrupt", cfg.ID, hs.Term, uint64(MaxTerm))
	}
	if hs.VotedFor != None && !slices.Contains(voters, hs.VotedFor) {
		return nil, fmt.Errorf("engine: peer %d: stored vote for %d, which is not a voter %v", cfg.ID, hs.VotedFor, voters)
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
		voters:    voters,
		self:      self,
		votes:     make([]voteSlot, len(voters)),
		quorumBuf: make([]uint64, len(voters)),
		rand:      rand.New(pcg),
		pcg:       pcg,
		prevHard:  hs,

		recovering: cfg.Recovering,
		restarted:  !hs.IsEmpty() || log.lastIndex() > 0,
	}
	p.progress = make([]*progress, len(voters))
	for i := range voters {
		p.progress[i] = newProgress(1, cfg.MaxInflightMsgs)
	}
	if !hs.IsEmpty() || log.lastIndex() > 0 {
		p.emit(Event{Kind: EventRestarted, From: hs.VotedFor, Index: hs.Commit, LocalIndex: log.lastIndex()})
	}
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
	}
	p.msgs = append(p.msgs, m)
}

func (p *Peer) quorum() int { return ConfState{Voters: p.voters}.Quorum() }

// voterIndex returns the position of id in voters, or -1.
func (p *Peer) voterIndex(id uint64) int {
	for i, v := range p.voters {
		if v == id {
			return i
		}
	}
	return -1
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
	p.appendEntries(Entry{})
	p.markAllForSend(true)
}

// tickElection is the timer of followers and candidates.
func tickElection(p *Peer) {
	p.electionElapsed++
	if p.electionElapsed >= p.electionTimeout {
		if p.recovering {
			// A peer that lost acknowledged entries must not lead: its log may lack
			// committed entries, and others could vote for it.
			p.electionElapsed = 0
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

// quorumActive reports whether a quorum was heard from since the last round, and
// starts a new round.
func (p *Peer) quorumActive() bool {
	active := 0
	for i, pr := range p.progress {
		if i == p.self || pr.Active {
			active++
		}
		pr.Active = false
	}
	return active >= p.quorum()
}

// Campaign makes the election timeout fire now, as if the peer had not heard from a
// leader for too long. A leader ignores it, and so does a recovering peer (see
// Config.Recovering).
func (p *Peer) Campaign() {
	if p.role == RoleLeader || p.recovering {
		return
	}
	p.emit(Event{Kind: EventTimeout})
	p.campaign()
}

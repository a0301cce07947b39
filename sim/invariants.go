package sim

import (
	"bytes"
	"fmt"
	"math/bits"

	"github.com/raftplay/raftplay/engine"
)

// The invariants, as Violation.Invariant names them. The first five are the properties
// of Figure 3 of the Raft paper.
const (
	InvElectionSafety     = "election-safety"      // at most one leader per term
	InvLeaderAppendOnly   = "leader-append-only"   // a leader never overwrites or deletes its entries
	InvLogMatching        = "log-matching"         // same index and term: same entries up to there
	InvLeaderCompleteness = "leader-completeness"  // a new leader holds every committed entry
	InvStateMachineSafety = "state-machine-safety" // no two peers commit or apply different entries at one index
	InvMonotonic          = "monotonic"            // term never goes backwards, also across restarts; commit never while a peer runs
	InvIndexOrder         = "index-order"          // last_applied <= commit_index <= last log index; apply in order
	InvAckedDurable       = "acked-durable"        // a write acknowledged to a client stays committed
	InvLiveness           = "liveness"             // a leader is elected and commits within a bound
	InvEnginePanic        = "engine-panic"         // the engine panicked: it detected a broken invariant
	InvMessageRejected    = "message-rejected"     // a peer refused a message another peer's engine sent
	InvStorage            = "storage"              // the storage refused to save a Ready
	InvPreVote            = "pre-vote"             // with pre-vote on, a peer campaigns only after a majority granted its pre-vote
	InvCheckQuorum        = "check-quorum"         // with check-quorum on, a follower that hears its leader grants no vote
	InvStaleRead          = "stale-read"           // a read reflects every entry committed before it reached its peer
	// The snapshot invariants (§7), checked as a snapshot is persisted.
	InvSnapshotState    = "snapshot-state"    // a snapshot equals the state machine of a peer that applied exactly its prefix
	InvSnapshotApplied  = "snapshot-applied"  // installing a snapshot never moves a peer's applied index backwards
	InvSnapshotMatching = "snapshot-matching" // log matching across a snapshot boundary: its last index and term are those of the committed log
)

// Violation is a broken invariant, found at Time.
type Violation struct {
	Time        int64  `json:"time"`
	Invariant   string `json:"invariant"`
	Peer        uint64 `json:"peer,omitempty"`
	Description string `json:"description"`
}

// maxViolations bounds how many violations are kept; a broken run can break an invariant
// at every event.
const maxViolations = 1000

// entryRef is an entry as the registries keep it: its term and command (never copied:
// memstore and the engine never write over an entry they handed out).
type entryRef struct {
	term uint64
	typ  engine.EntryType
	cmd  []byte
}

func refOf(e *engine.Entry) entryRef { return entryRef{term: e.Term, typ: e.Type, cmd: e.Command} }

func (r entryRef) same(e *engine.Entry) bool {
	return r.term == e.Term && r.typ == e.Type && bytes.Equal(r.cmd, e.Command)
}

// text is the entry's command in violation texts (entryText).
func (r entryRef) text() string { return entryText(&engine.Entry{Type: r.typ, Command: r.cmd}) }

// lmEntry is what the Log Matching registry knows of the entry with one index and term:
// the term of the entry before it and its command.
type lmEntry struct {
	entryRef
	prevTerm uint64
}

// lmSlot holds the entries ever persisted at one index, usually one (several after
// leader changes with conflicting suffixes).
type lmSlot struct {
	first lmEntry
	more  []lmEntry
}

// checker holds what the invariant checks remember across the run. Every check is
// incremental: it looks at what one Ready changed, never rescans logs.
type checker struct {
	leaders    map[uint64]uint64 // term -> the peer that became leader in it
	lm         []lmSlot          // Log Matching registry, by index-1
	committed  []entryRef        // the entry first seen committed at each index, by index-1
	applied    []entryRef        // the entry first applied at each index, by index-1
	violations []Violation
	total      int
	// preVotes holds, for each pre-candidate and the term it asked about, the peers
	// that granted it a pre-vote (a bit per peer id).
	preVotes map[preVoteRound]uint64
	// votes holds, for each candidate, the peers that granted it their vote in its
	// latest election (a bit per peer id): joint-quorum checks an election won with it.
	votes map[uint64]voteTally
	// ref replays the applied registry into a state machine of its own, to compare
	// snapshots with.
	ref snapRef
}

// preVoteRound is one peer asking for pre-votes for one term.
type preVoteRound struct{ candidate, term uint64 }

func newChecker() checker {
	return checker{leaders: make(map[uint64]uint64), preVotes: make(map[preVoteRound]uint64), votes: make(map[uint64]voteTally)}
}

// violate records a broken invariant (the first maxViolations of them) and traces it.
func (c *Cluster) violate(invariant string, peer uint64, desc string) {
	c.check.total++
	if len(c.check.violations) < maxViolations {
		c.check.violations = append(c.check.violations, Violation{Time: c.now, Invariant: invariant, Peer: peer, Description: desc})
	}
	c.tracer.add(&record{kind: tkViolation, time: c.now, peer: peer, text: invariant + ": " + desc})
	if c.runCfg.StopOnViolation {
		c.stopped = true
	}
}

// checkAppend runs before a Ready's entries are saved: Log Matching for each entry, and
// Leader Append-Only when the peer leads before and after the Ready.
func (c *Cluster) checkAppend(p *simPeer, ents []engine.Entry, stillLeader bool) {
	first := ents[0].Index
	if stillLeader && first <= p.lastIndex {
		c.violate(InvLeaderAppendOnly, p.id, fmt.Sprintf("leader %d replaced its entries from index %d on (its last index was %d)", p.id, first, p.lastIndex))
	}
	prevTerm, err := p.store.Term(first - 1)
	if err != nil {
		return // the Save will fail and report the gap
	}
	for i := range ents {
		c.registerEntry(p.id, prevTerm, &ents[i])
		prevTerm = ents[i].Term
	}
}

// registerEntry checks one persisted entry e, which follows an entry of prevTerm, against
// the Log Matching registry: an entry with this index and term must always follow the
// same term and hold the same command (of the same type). By induction on the index,
// that makes equal (index, term) pairs imply equal prefixes.
func (c *Cluster) registerEntry(peer, prevTerm uint64, e *engine.Entry) {
	index, term := e.Index, e.Term
	lm := &c.check.lm
	for uint64(len(*lm)) < index {
		*lm = append(*lm, lmSlot{})
	}
	slot := &(*lm)[index-1]
	found := &slot.first
	if found.term != term {
		found = nil
		for i := range slot.more {
			if slot.more[i].term == term {
				found = &slot.more[i]
			}
		}
	}
	switch {
	case slot.first.term == 0:
		slot.first = lmEntry{entryRef: refOf(e), prevTerm: prevTerm}
	case found == nil:
		slot.more = append(slot.more, lmEntry{entryRef: refOf(e), prevTerm: prevTerm})
	case found.prevTerm != prevTerm:
		c.violate(InvLogMatching, peer, fmt.Sprintf("peer %d stored entry %d@%d after an entry of term %d, but another log holds %d@%d after an entry of term %d",
			peer, index, term, prevTerm, index, term, found.prevTerm))
	case !found.same(e):
		c.violate(InvLogMatching, peer, fmt.Sprintf("peer %d stored entry %d@%d with command %s, but another log holds %d@%d with command %s",
			peer, index, term, entryText(e), index, term, found.text()))
	}
}

// checkHardState checks a new HardState: term and commit only grow. A commit index that
// grows registers the newly committed entries.
func (c *Cluster) checkHardState(p *simPeer, hs engine.HardState) {
	if hs.Term < p.term {
		c.violate(InvMonotonic, p.id, fmt.Sprintf("peer %d's term went back from %d to %d", p.id, p.term, hs.Term))
	}
	if hs.Commit < p.commit {
		c.violate(InvMonotonic, p.id, fmt.Sprintf("peer %d's commit index went back from %d to %d", p.id, p.commit, hs.Commit))
	}
	old := p.commit
	p.term, p.commit = hs.Term, hs.Commit
	if hs.Commit > old {
		c.registerCommitted(p, old+1, hs.Commit)
	}
}

// checkRestart compares what a restarted peer loaded with what it had before the crash.
// The term (and the vote in it) must come back: a message may have promised them. The
// commit index may come back lower: a HardState that changed only the commit index is
// saved without a sync (Ready.MustSync), and the peer relearns it from the leader. It
// never comes back beyond the log.
func (c *Cluster) checkRestart(p *simPeer, hs engine.HardState) {
	if hs.Term < p.term {
		c.violate(InvMonotonic, p.id, fmt.Sprintf("peer %d restarted in term %d, below the term %d it had before the crash", p.id, hs.Term, p.term))
	}
	if last, _ := p.store.LastIndex(); hs.Commit > last {
		c.violate(InvIndexOrder, p.id, fmt.Sprintf("peer %d restarted with commit index %d beyond its last index %d", p.id, hs.Commit, last))
	}
}

// registerCommitted records the entries lo..hi of p's log as committed, and checks them
// against what other peers committed at those indices.
func (c *Cluster) registerCommitted(p *simPeer, lo, hi uint64) {
	log := p.store.Log()
	// Entries up to the snapshot are gone from the log; checkSnapshot checked the
	// snapshot against the committed registry when it was persisted.
	base := p.snapIndex()
	if last := base + uint64(len(log)); hi > last {
		c.violate(InvIndexOrder, p.id, fmt.Sprintf("peer %d committed index %d beyond its last index %d", p.id, hi, last))
		hi = last
	}
	for i := max(lo, base+1); i <= hi; i++ {
		e := &log[i-base-1]
		reg := &c.check.committed
		if uint64(len(*reg)) < i-1 {
			break // a gap: the entries before were committed by a snapshot nobody checked
		}
		if uint64(len(*reg)) < i {
			*reg = append(*reg, refOf(e))
			continue
		}
		if was := (*reg)[i-1]; !was.same(e) {
			c.violate(InvStateMachineSafety, p.id, fmt.Sprintf("peer %d committed entry %d@%d (%s), but %d@%d (%s) was committed at that index before",
				p.id, i, e.Term, entryText(e), i, was.term, was.text()))
		}
	}
}

// checkNewLeader runs when a peer becomes leader: Election Safety, and Leader
// Completeness checked at the highest committed index (Log Matching extends it to every
// committed entry).
func (c *Cluster) checkNewLeader(p *simPeer) {
	if other, ok := c.check.leaders[p.term]; ok && other != p.id {
		c.violate(InvElectionSafety, p.id, fmt.Sprintf("peer %d became leader of term %d, which peer %d already leads", p.id, p.term, other))
	} else if !ok {
		c.check.leaders[p.term] = p.id
	}
	k := uint64(len(c.check.committed))
	if k == 0 {
		return
	}
	want := c.check.committed[k-1]
	if t, err := p.store.Term(k); err != nil || t != want.term {
		c.violate(InvLeaderCompleteness, p.id, fmt.Sprintf("peer %d became leader of term %d without the committed entry %d@%d (its last index is %d)",
			p.id, p.term, k, want.term, p.lastIndex))
	}
}

// checkApply is State Machine Safety: every peer applies the same entry at an index.
func (c *Cluster) checkApply(p *simPeer, e *engine.Entry) {
	reg := &c.check.applied
	if uint64(len(*reg)) < e.Index {
		if uint64(len(*reg)) == e.Index-1 {
			*reg = append(*reg, refOf(e))
		}
		return
	}
	if was := (*reg)[e.Index-1]; !was.same(e) {
		c.violate(InvStateMachineSafety, p.id, fmt.Sprintf("peer %d applied entry %d@%d (%s), but another peer applied %d@%d (%s)",
			p.id, e.Index, e.Term, entryText(e), e.Index, was.term, was.text()))
	}
}

// checkIndexOrder is last_applied <= commit_index <= last log index.
func (c *Cluster) checkIndexOrder(p *simPeer) {
	if p.applied > p.commit || p.commit > p.lastIndex {
		c.violate(InvIndexOrder, p.id, fmt.Sprintf("peer %d has last applied %d, commit index %d, last index %d: want applied <= commit <= last",
			p.id, p.applied, p.commit, p.lastIndex))
	}
}

// registerPreset records a preset peer's log and committed prefix as if they had been
// persisted and committed in a run.
func (c *Cluster) registerPreset(p *simPeer, commit uint64) {
	log := p.store.Log()
	var prevTerm uint64
	for i := range log {
		c.registerEntry(p.id, prevTerm, &log[i])
		prevTerm = log[i].Term
	}
	if commit > 0 {
		c.registerCommitted(p, uint64(len(c.check.committed))+1, commit)
	}
}

// Violations returns the invariant violations found so far (at most the first 1000).
func (c *Cluster) Violations() []Violation {
	return append([]Violation(nil), c.check.violations...)
}

// ViolationCount is the number of violations found, including those not kept.
func (c *Cluster) ViolationCount() int { return c.check.total }

// checkPreVote follows the pre-votes of the engine events of one Ready: with pre-vote
// on, a peer may raise its term to campaign only once a majority (itself included) has
// granted it a pre-vote for that term; otherwise a peer cut off from the others would
// disrupt the leader when it comes back, which is what pre-vote exists to prevent.
// Grants are counted where the voter decides, so a grant lost on its way back still
// counts: the check never blames a correct engine.
func (c *Cluster) checkPreVote(p *simPeer, events []engine.Event) {
	if !c.sc.Options.PreVote {
		return
	}
	for i := range events {
		e := &events[i]
		switch {
		case e.Kind == engine.EventVoteGranted && e.PreVote:
			c.check.preVotes[preVoteRound{candidate: e.From, term: e.Term}] |= 1 << (e.Peer % 64)
		case e.Kind == engine.EventRoleChanged && e.Role == engine.RoleCandidate:
			round := preVoteRound{candidate: p.id, term: e.Term}
			granted := c.check.preVotes[round] | 1<<(p.id%64)
			delete(c.check.preVotes, round)
			// The majority is of the candidate's own configuration: of each voter set
			// while it is joint (§6).
			cs := p.node.Status().Conf
			if !jointMajority(cs, func(id uint64) bool { return granted&(1<<(id%64)) != 0 }) {
				c.violate(InvPreVote, p.id, fmt.Sprintf("peer %d became a candidate for term %d with %d of %d pre-votes (itself included): it needed a majority of each voter set of %s",
					p.id, e.Term, bits.OnesCount64(granted), len(cs.Members()), cs))
			}
		}
	}
}

// checkLease follows the votes of one Ready: with check-quorum on, a follower that heard
// from its leader within the election timeout refuses every vote and pre-vote (the
// leader's lease), so that a peer coming back from a partition cannot depose a leader
// the others still follow. Only votes for a later term than the leader's count. The
// margin is one tick: within (ElectionTicks-1) ticks of
// hearing its leader, a follower's election timer cannot have run out, whatever the
// phase of its ticks.
func (c *Cluster) checkLease(p *simPeer, events []engine.Event) {
	o := &c.sc.Options
	if !o.CheckQuorum {
		return
	}
	lease := int64(o.ElectionTicks-1) * o.Tick
	for i := range events {
		e := &events[i]
		switch {
		case e.Kind == engine.EventRoleChanged && e.Role != engine.RoleFollower:
			p.heardLeader = -1 // its own election: it follows no one now
		case e.Kind == engine.EventVoteGranted && e.Term > p.heardTerm && p.heardLeader >= 0 && c.now-p.heardLeader < lease:
			// (A grant in the leader's own term can only go to that leader again: a
			// duplicated request it already granted.)
			kind := "vote"
			if e.PreVote {
				kind = "pre-vote"
			}
			c.violate(InvCheckQuorum, p.id, fmt.Sprintf("peer %d granted its %s to %d for term %d %d ms after hearing from its leader (the lease lasts %d ms)",
				p.id, kind, e.From, e.Term, c.now-p.heardLeader, lease))
		}
	}
}

// committedIndex is the highest index any peer has committed so far in the run.
func (c *Cluster) committedIndex() uint64 { return uint64(len(c.check.committed)) }

// checkReadFresh runs as peer p serves read r from its state machine. Linearizability
// asks a read to reflect every write that completed before it began; ReadIndex (thesis
// §6.4) promises more: every entry committed before the read reached the leader. A read
// served from a state machine that has not applied such an entry is stale.
func (c *Cluster) checkReadFresh(p *simPeer, r *pendingRead) {
	if p.applied >= r.committed {
		return
	}
	c.violate(InvStaleRead, p.id, fmt.Sprintf("peer %d served a read of %q at read index %d from a state that has applied entries up to %d, but entry %d was committed before the read arrived",
		p.id, r.key, r.index, p.applied, r.committed))
}

package sim

import (
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/memstore"
)

// simPeer is one member of the cluster: an engine.Peer on its memstore, with a kv.Store
// as its state machine. The store survives crashes; the engine peer and the state
// machine do not.
type simPeer struct {
	id       uint64
	store    *memstore.Store
	node     *engine.Peer // nil while down
	sm       *kv.Store    // nil while down
	inc      uint32       // incarnation: bumped by every crash and restart
	restarts uint64
	phase    int64 // ticks happen at times ≡ phase (mod tick)

	// What the checkers know of the peer, kept up to date from its Readys. Term and
	// commit keep their values while the peer is down, to compare after a restart.
	role      engine.Role
	lead      uint64
	term      uint64
	commit    uint64
	lastIndex uint64
	applied   uint64
	// heardLeader is when the peer last got an AppendEntries or heartbeat of its term
	// (or a later one), and heardTerm that message's term; heardLeader is -1 when the
	// peer follows no one it heard from.
	heardLeader int64
	heardTerm   uint64

	writes []pendingWrite // proposals waiting to be applied
	reads  []pendingRead  // ReadIndex requests waiting to be confirmed and served
}

func (p *simPeer) up() bool { return p.node != nil }

// presetEntries synthesizes the log of a preset: entry i of term t holds "SET k<i> <t>".
func presetEntries(terms []uint64) []engine.Entry {
	ents := make([]engine.Entry, len(terms))
	for i, t := range terms {
		index := uint64(i + 1)
		cmd := kv.Command{Op: kv.OpPut, Key: "k" + strconv.FormatUint(index, 10), Value: strconv.FormatUint(t, 10)}
		ents[i] = engine.Entry{Index: index, Term: t, Command: cmd.Marshal()}
	}
	return ents
}

// peerSeed derives the random seed of one incarnation of a peer (splitmix64 steps, so
// nearby scenario seeds give unrelated election timeouts).
func peerSeed(seed, id, restarts uint64) uint64 {
	x := seed
	for _, v := range [...]uint64{id, restarts} {
		x += 0x9e3779b97f4a7c15 ^ v*0xbf58476d1ce4e5b9
		x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
		x = (x ^ x>>27) * 0x94d049bb133111eb
		x ^= x >> 31
	}
	return x
}

// boot creates the engine peer and a fresh state machine on the peer's storage.
func (c *Cluster) boot(p *simPeer) error {
	o := &c.sc.Options
	cfg := engine.DefaultConfig(p.id, p.store)
	cfg.ElectionTicks = o.ElectionTicks
	cfg.HeartbeatTicks = o.HeartbeatTicks
	cfg.PreVote = o.PreVote
	cfg.CheckQuorum = o.CheckQuorum
	cfg.Seed = peerSeed(c.sc.Seed, p.id, p.restarts)
	if o.MaxMsgBytes > 0 {
		cfg.MaxSizePerMsg = o.MaxMsgBytes
	}
	if o.MaxInflight > 0 {
		cfg.MaxInflightMsgs = o.MaxInflight
	}
	cfg.SnapshotChunkSize = o.SnapshotChunkBytes
	cfg.Unsafe = engine.UnsafeConfig{SkipUpToDateCheck: o.Unsafe.SkipUpToDateCheck, CommitOldTerms: o.Unsafe.CommitOldTerms,
		ReadBeforeTermCommit: o.Unsafe.ReadBeforeTermCommit, DirectConfigChange: o.Unsafe.DirectConfigChange}
	node, err := engine.NewPeer(cfg)
	if err != nil {
		return fmt.Errorf("sim: start peer %d: %w", p.id, err)
	}
	p.node, p.sm = node, kv.New()
	p.role, p.lead, p.applied = engine.RoleFollower, engine.None, 0
	p.heardLeader = -1
	hs := p.store.HardState()
	p.lastIndex, _ = p.store.LastIndex()
	if err := c.restoreFromStorage(p); err != nil {
		return err
	}
	c.checkRestart(p, hs)
	// A snapshot is committed: a crash between SaveSnapshot and the Save of the same
	// Ready may leave a saved commit index below it, which the engine raises.
	p.term, p.commit = hs.Term, max(hs.Commit, p.snapIndex())
	c.scheduleTick(p)
	c.drive(p)
	return nil
}

// scheduleTick queues the peer's next tick, at its phase within the tick interval.
func (c *Cluster) scheduleTick(p *simPeer) {
	tick := c.sc.Options.Tick
	next := c.now - (c.now-p.phase)%tick + tick
	if c.now < p.phase {
		next = p.phase
	}
	c.queue.push(event{at: next, kind: evTick, ref: uint32(p.id - 1), gen: p.inc})
}

func (c *Cluster) tick(p *simPeer) {
	p.node.Tick()
	c.drive(p)
	c.queue.push(event{at: c.now + c.sc.Options.Tick, kind: evTick, ref: uint32(p.id - 1), gen: p.inc})
}

// crash stops the peer: its engine state, state machine and unsynced writes are lost,
// and so are the client requests it was working on.
func (c *Cluster) crash(p *simPeer) {
	if c.sc.Options.SnapshotEntries > 0 || c.snapStats.Taken > 0 {
		c.countInterrupted(p)
	}
	p.node, p.sm = nil, nil
	p.inc++
	p.store.Crash()
	p.writes = p.writes[:0]
	p.reads = p.reads[:0]
	c.tracer.add(&record{kind: tkCrash, time: c.now, peer: p.id, text: fmt.Sprintf("peer %d crashed", p.id)})
}

// restart brings the peer back from its storage.
func (c *Cluster) restart(p *simPeer) error {
	rec := record{kind: tkRestart, time: c.now, peer: p.id, text: fmt.Sprintf("peer %d restarted", p.id)}
	if c.sc.Options.Unsafe.ForgetVoteOnRestart {
		hs, lastTerm, err := c.forgetVote(p)
		if err != nil {
			return err
		}
		// The hashed text keeps the switch's first, camelCase name (the golden trace
		// hashes include it); the trace shows the name scenarios use today.
		forgot := func(option string) string {
			return fmt.Sprintf(" and forgot its term %d and vote for %d (unsafe: %s); it now has term %d",
				hs.Term, hs.VotedFor, option, lastTerm)
		}
		rec.shown = rec.text + forgot("forget_vote_on_restart")
		rec.text += forgot("forgetVoteOnRestart")
	}
	p.inc++
	p.restarts++
	c.tracer.add(&rec)
	return c.boot(p)
}

// forgetVote replaces the peer's storage by one without its term and vote: the term of
// its last entry, no vote, the same log and commit index. It returns the HardState
// forgotten and the new term.
func (c *Cluster) forgetVote(p *simPeer) (engine.HardState, uint64, error) {
	hs := p.store.HardState()
	log := p.store.Log()
	last, _ := p.store.LastIndex()
	lastTerm, _ := p.store.Term(last)
	var store *memstore.Store
	var err error
	if snap, _ := p.store.Snapshot(); !snap.IsEmpty() {
		// A log that starts after a snapshot: keep the snapshot, rewrite the HardState.
		store = p.store.Clone()
		err = store.Save(engine.HardState{Term: lastTerm, Commit: hs.Commit}, nil, true)
	} else {
		store, err = memstore.NewWithState(engine.HardState{Term: lastTerm, Commit: hs.Commit}, p.store.ConfState(), log)
	}
	if err != nil {
		return hs, 0, fmt.Errorf("sim: forget the vote of peer %d: %w", p.id, err)
	}
	p.store = store
	return hs, lastTerm, nil
}

// stepPeer hands a delivered message to the peer.
func (c *Cluster) stepPeer(p *simPeer, m *engine.Message) {
	if (m.Type == engine.MsgApp || m.Type == engine.MsgHeartbeat) && m.Term >= p.node.Term() {
		p.heardLeader, p.heardTerm = c.now, m.Term
	}
	if err := p.node.Step(*m); err != nil {
		c.violate(InvMessageRejected, p.id, fmt.Sprintf("peer %d rejected message %s: %v", p.id, m.Describe(), err))
	}
	c.drive(p)
}

// drive runs the Ready loop until the peer has nothing more to hand out.
func (c *Cluster) drive(p *simPeer) {
	for p.node != nil && p.node.HasReady() {
		rd := p.node.Ready()
		if c.breakReady != nil {
			c.breakReady(p, &rd)
		}
		c.handleReady(p, &rd)
		p.node.Advance()
		c.maybeSnapshot(p)
	}
}

// handleReady does what a Ready asks, in the order engine.Ready documents, checking the
// invariants on the way.
func (c *Cluster) handleReady(p *simPeer, rd *engine.Ready) {
	for i := range rd.Events {
		c.tracer.add(&record{kind: tkEngine, time: c.now, ev: rd.Events[i]})
	}
	c.checkPreVote(p, rd.Events)
	c.checkLease(p, rd.Events)
	c.checkElectionQuorum(p, rd.Events)
	wasLeader := p.role == engine.RoleLeader
	oldCommit := p.commit
	if rd.SoftState != nil {
		p.role, p.lead = rd.SoftState.Role, rd.SoftState.Lead
	}
	// 1. persist: the snapshot first, then the HardState and the entries that follow it
	if !rd.Snapshot.IsEmpty() {
		c.persistSnapshot(p, rd)
	}
	if len(rd.Entries) > 0 {
		c.checkAppend(p, rd.Entries, wasLeader && p.role == engine.RoleLeader)
	}
	if err := p.store.Save(rd.HardState, rd.Entries, rd.MustSync); err != nil {
		c.violate(InvStorage, p.id, fmt.Sprintf("peer %d could not save its Ready: %v", p.id, err))
	}
	if n := len(rd.Entries); n > 0 {
		p.lastIndex = rd.Entries[n-1].Index
	}
	if !rd.HardState.IsEmpty() {
		c.checkHardState(p, rd.HardState)
	}
	if !c.unsafeElections() {
		c.checkConfChange(p, rd, oldCommit)
	}
	if p.role == engine.RoleLeader && !wasLeader {
		c.checkNewLeader(p)
	}
	if wasLeader && p.role != engine.RoleLeader {
		c.abandonReads(p)
	}
	// 2. send
	for i := range rd.Messages {
		c.send(&rd.Messages[i])
	}
	// 3. apply: a snapshot from the leader replaces the state machine first
	if rd.RestoreSnapshot {
		c.restoreSnapshot(p, &rd.Snapshot)
	}
	for i := range rd.CommittedEntries {
		c.apply(p, &rd.CommittedEntries[i])
	}
	// 4. serve reads
	for _, rs := range rd.ReadStates {
		c.confirmRead(p, rs)
	}
	if len(p.reads) > 0 {
		c.serveReads(p)
	}
	c.checkIndexOrder(p)
}

// apply hands one committed entry to the state machine and answers the client waiting
// for it, if any.
func (c *Cluster) apply(p *simPeer, e *engine.Entry) {
	if e.Index != p.applied+1 {
		c.violate(InvIndexOrder, p.id, fmt.Sprintf("peer %d applied entry %d after entry %d (entries must be applied in order)", p.id, e.Index, p.applied))
	}
	c.checkApply(p, e)
	p.applied = e.Index
	cmd := e.Command
	if e.Type == engine.EntryConfChange {
		cmd = nil // a configuration (§6): the engine applies it, the state machine skips it
	}
	res := p.sm.Apply(e.Index, cmd)
	if len(p.writes) > 0 {
		c.answerWrites(p, e, &res)
	}
}

package sim

import (
	"fmt"
	"slices"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// Membership changes (§6) in the simulator: the actions that propose them, and the
// invariants that check them.

// The membership invariants, as Violation.Invariant names them.
const (
	// InvSingleConfChange: at most one configuration change is in progress: a leader
	// never holds two configuration entries above its commit index.
	InvSingleConfChange = "single-conf-change"
	// InvJointQuorum: a decision needs a majority of each voter set of the decider's
	// configuration (both while joint): every commit on a leader, every election won.
	InvJointQuorum = "joint-quorum"
)

// changeConf applies a membership action: the leader of the highest term that is up
// proposes the change. No leader, or a change the leader refuses (one in progress, a
// peer that is not a learner), makes the action fail; nothing changes then.
func (c *Cluster) changeConf(a *Action) error {
	p, cc, err := c.confChangeOf(a)
	if err != nil {
		return err
	}
	if _, err := p.node.ProposeConfChange(cc); err != nil {
		return fmt.Errorf("leader %d: %w", p.id, err)
	}
	lead := p.id
	rec := record{kind: tkConfChange, time: c.now, peer: a.Peer, text: fmt.Sprintf("%s (proposed by leader %d)", a.Describe(), lead)}
	c.tracer.add(&rec)
	c.drive(p)
	return nil
}

// confChangeOf returns the leader that would propose a membership action, and the
// change it would propose; an error when there is no leader, the leader has a change in
// progress, or the change does not apply to its configuration.
func (c *Cluster) confChangeOf(a *Action) (*simPeer, engine.ConfChange, error) {
	lead := c.Leader()
	if lead == engine.None {
		return nil, engine.ConfChange{}, fmt.Errorf("no leader is up to propose %q", a.Describe())
	}
	p := &c.peers[lead-1]
	st := p.node.Status()
	if st.Conf.Joint() || !st.ConfCommitted {
		return nil, engine.ConfChange{}, fmt.Errorf("leader %d: %w: its configuration %s (entry %d) is joint or not committed",
			lead, engine.ErrConfChangeInProgress, st.Conf, st.ConfIndex)
	}
	var cc engine.ConfChange
	var err error
	switch a.Type {
	case ActAddLearner:
		cc, err = st.Conf.AddLearner(a.Peer, nil)
	case ActPromote:
		cc, err = st.Conf.PromoteLearner(a.Peer)
	case ActRemove:
		cc, err = st.Conf.RemoveMember(a.Peer)
	case ActReconfigure:
		cc = engine.ConfChange{Voters: slices.Clone(a.Voters), Learners: slices.Clone(a.Learners)}
	}
	if err != nil {
		return nil, engine.ConfChange{}, fmt.Errorf("leader %d: %w", lead, err)
	}
	return p, cc, nil
}

// logEntry is e as PeerState shows it.
func logEntry(e *engine.Entry) LogEntry {
	if e.Type != engine.EntryConfChange {
		return LogEntry{Index: e.Index, Term: e.Term, Command: commandText(e.Command)}
	}
	text := "undecodable configuration"
	if cs, n, err := engine.DecodeConfState(e.Command); err == nil && n == len(e.Command) {
		text = cs.String()
	}
	return LogEntry{Index: e.Index, Term: e.Term, Command: text, Conf: true}
}

// storedConf is the configuration a peer that is down would use on restart: the latest
// configuration entry in its log, or its storage's.
func storedConf(store *memstore.Store) engine.ConfState {
	log := store.Log()
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Type == engine.EntryConfChange {
			if cs, n, err := engine.DecodeConfState(log[i].Command); err == nil && n == len(log[i].Command) {
				return cs
			}
		}
	}
	return store.ConfState()
}

// currentConf is the configuration of the cluster as far as the checkers can tell: the
// one of the leader of the highest term that is up, or else the latest one any peer
// that is up uses (by the index of its entry).
func (c *Cluster) currentConf() engine.ConfState {
	if lead := c.Leader(); lead != engine.None {
		return c.peers[lead-1].node.Status().Conf
	}
	var best engine.ConfState
	var bestIndex uint64
	found := false
	for i := range c.peers {
		p := &c.peers[i]
		if !p.up() {
			continue
		}
		st := p.node.Status()
		if !found || st.ConfIndex > bestIndex {
			best, bestIndex, found = st.Conf, st.ConfIndex, true
		}
	}
	if !found {
		return c.cs
	}
	return best
}

// jointMajority reports whether the peers in has (a bit per id) hold a majority of the
// voters of cs and, while joint, of its outgoing voters too (§6).
func jointMajority(cs engine.ConfState, has func(id uint64) bool) bool {
	majority := func(ids []uint64) bool {
		n := 0
		for _, id := range ids {
			if has(id) {
				n++
			}
		}
		return n > len(ids)/2
	}
	if len(cs.Voters) == 0 || !majority(cs.Voters) {
		return false
	}
	return !cs.Joint() || majority(cs.VotersOutgoing)
}

// checkConfChange runs on a leader's Ready, after it is persisted: a leader holds at
// most one configuration entry above its commit index (one change in progress), and
// the commit index it reached is stored by a majority of each voter set of its
// configuration (the joint rule of §6, checked against the stores themselves, not
// against what the leader believes).
func (c *Cluster) checkConfChange(p *simPeer, rd *engine.Ready, oldCommit uint64) {
	if p.role != engine.RoleLeader {
		return
	}
	st := p.node.Status()
	for i := range rd.Entries {
		if rd.Entries[i].Type == engine.EntryConfChange {
			c.checkSingleChange(p, st.CommitIndex)
			break
		}
	}
	if st.CommitIndex > oldCommit {
		c.checkCommitQuorum(p, st.Conf, st.CommitIndex)
	}
}

// checkSingleChange counts the configuration entries in the leader's log above commit.
func (c *Cluster) checkSingleChange(p *simPeer, commit uint64) {
	last, _ := p.store.LastIndex()
	first := max(commit+1, p.snapIndex()+1)
	if first > last {
		return
	}
	ents, err := p.store.Entries(first, last+1, ^uint64(0))
	if err != nil {
		return
	}
	var pending []uint64
	for i := range ents {
		if ents[i].Type == engine.EntryConfChange {
			pending = append(pending, ents[i].Index)
		}
	}
	if len(pending) > 1 {
		c.violate(InvSingleConfChange, p.id, fmt.Sprintf("leader %d holds configuration entries %v above its commit index %d: more than one change in progress",
			p.id, pending, commit))
	}
}

// checkCommitQuorum checks that entry index, which leader p has just committed, is
// stored (or covered by a snapshot) at a majority of each voter set of cs.
func (c *Cluster) checkCommitQuorum(p *simPeer, cs engine.ConfState, index uint64) {
	term, err := p.store.Term(index)
	if err != nil {
		return
	}
	stores := func(id uint64) bool {
		if id == 0 || id > uint64(len(c.peers)) {
			return false
		}
		q := &c.peers[id-1]
		if q.snapIndex() >= index {
			return true
		}
		t, err := q.store.Term(index)
		return err == nil && t == term
	}
	if !jointMajority(cs, stores) {
		c.violate(InvJointQuorum, p.id, fmt.Sprintf("leader %d committed entry %d@%d, which a majority of each voter set of its configuration (%s) does not store",
			p.id, index, term, cs))
	}
}

// checkElectionQuorum follows the votes of one Ready: a peer that wins an election must
// have been granted votes by a majority of each voter set of its configuration (both
// while joint, §6). Grants are counted where the voter decides.
func (c *Cluster) checkElectionQuorum(p *simPeer, events []engine.Event) {
	for i := range events {
		e := &events[i]
		switch {
		case e.Kind == engine.EventVoteGranted && !e.PreVote:
			t := c.check.votes[e.From]
			if t.term != e.Term {
				t = voteTally{term: e.Term} // a later election of that candidate
			}
			t.granted |= 1 << (e.Peer % 64)
			c.check.votes[e.From] = t
		case e.Kind == engine.EventElectionWon:
			var granted uint64 = 1 << (p.id % 64)
			if t := c.check.votes[p.id]; t.term == e.Term {
				granted |= t.granted
			}
			delete(c.check.votes, p.id)
			cs := p.node.Status().Conf
			if !jointMajority(cs, func(id uint64) bool { return granted&(1<<(id%64)) != 0 }) {
				c.violate(InvJointQuorum, p.id, fmt.Sprintf("peer %d won the election for term %d without a majority of each voter set of its configuration (%s)",
					p.id, e.Term, cs))
			}
		}
	}
}

// unsafeElections reports whether a rule of elections or of durability is switched off
// (SkipUpToDateCheck, CommitOldTerms, ForgetVoteOnRestart). Logs can then lose
// committed entries after the fact, so the stores no longer tell what a leader counted;
// the other invariants report those runs.
func (c *Cluster) unsafeElections() bool {
	u := &c.sc.Options.Unsafe
	return u.SkipUpToDateCheck || u.CommitOldTerms || u.ForgetVoteOnRestart
}

// voteTally is the votes granted to one candidate in its latest election.
type voteTally struct{ term, granted uint64 }

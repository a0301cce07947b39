// Snapshots and log compaction (§7 of the Raft paper) in the simulated driver: each
// peer snapshots its kv state when its log since the last snapshot passes
// Options.SnapshotEntries (or when a snapshot action says so), persists Ready.Snapshot
// before the rest of the Ready, restores its state machine from a snapshot received
// from the leader, and restarts from the snapshot in its storage. The checks of the
// snapshot invariants are here too.

package sim

import (
	"bytes"
	"fmt"
	"maps"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// SnapshotStats counts what the snapshots of a run did.
type SnapshotStats struct {
	Taken     int // snapshots the peers took of their own state machine
	Installed int // snapshots the peers installed from a leader (InstallSnapshot)
	// Interrupted counts the crashes of a peer while it was sending or receiving a
	// snapshot (a leader's progress for the peer, or for a follower, was in snapshot
	// mode).
	Interrupted int
}

// SnapshotStats returns the counts of the run so far.
func (c *Cluster) SnapshotStats() SnapshotStats { return c.snapStats }

// countInterrupted runs as p crashes: was a transfer to or from it under way?
func (c *Cluster) countInterrupted(p *simPeer) {
	for i := range c.peers {
		q := &c.peers[i]
		if !q.up() || q.role != engine.RoleLeader {
			continue
		}
		for id, pr := range q.node.Status().Progress {
			if pr.Mode == engine.ModeSnapshot && (q.id == p.id || id == p.id) {
				c.snapStats.Interrupted++
				return
			}
		}
	}
}

// snapIndex is the index of the snapshot the peer's log starts after, 0 without one.
func (p *simPeer) snapIndex() uint64 {
	first, _ := p.store.FirstIndex()
	return first - 1
}

// committedTerm is the term of the committed entry at index: from the peer's storage,
// or, once a snapshot has compacted it away, from the committed registry.
func (c *Cluster) committedTerm(p *simPeer, index uint64) uint64 {
	if t, err := p.store.Term(index); err == nil {
		return t
	}
	if index >= 1 && index <= uint64(len(c.check.committed)) {
		return c.check.committed[index-1].term
	}
	return 0
}

// maybeSnapshot takes a snapshot when the peer has applied SnapshotEntries entries
// since its last one. It runs after Advance: the engine refuses TakeSnapshot between
// Ready and Advance.
func (c *Cluster) maybeSnapshot(p *simPeer) {
	n := c.sc.Options.SnapshotEntries
	if n == 0 || p.node == nil || p.applied < p.snapIndex()+n {
		return
	}
	if err := c.takeSnapshot(p); err != nil {
		c.violate(InvStorage, p.id, err.Error())
	}
}

// takeSnapshot hands the peer's state machine, as of its applied index, to the engine;
// the next Ready carries it to persist.
func (c *Cluster) takeSnapshot(p *simPeer) error {
	data, err := p.sm.Snapshot()
	if err != nil {
		return fmt.Errorf("peer %d could not snapshot its state machine: %w", p.id, err)
	}
	if err := p.node.TakeSnapshot(p.applied, data); err != nil {
		return fmt.Errorf("peer %d could not take a snapshot at %d: %w", p.id, p.applied, err)
	}
	return nil
}

// checkSnapshotAction says why a snapshot action cannot apply to the peer now.
func (c *Cluster) checkSnapshotAction(p *simPeer) error {
	if s := p.snapIndex(); p.applied <= s {
		return fmt.Errorf("peer %d has applied nothing since its snapshot at index %d (applied index %d): there is nothing new to snapshot", p.id, s, p.applied)
	}
	return nil
}

// persistSnapshot is step 1 of a Ready with a snapshot: check it, then save it before
// the HardState and the entries (engine.Ready's order).
func (c *Cluster) persistSnapshot(p *simPeer, rd *engine.Ready) {
	c.checkSnapshot(p, &rd.Snapshot, rd.RestoreSnapshot)
	if rd.RestoreSnapshot {
		c.snapStats.Installed++
	} else {
		c.snapStats.Taken++
	}
	if err := p.store.SaveSnapshot(rd.Snapshot); err != nil {
		c.violate(InvStorage, p.id, fmt.Sprintf("peer %d could not save its snapshot %s: %v", p.id, rd.Snapshot.String(), err))
		return
	}
	p.lastIndex, _ = p.store.LastIndex()
}

// restoreSnapshot replaces the peer's state machine by a snapshot from the leader (step
// 3 of the Ready, before the committed entries that follow it are applied).
func (c *Cluster) restoreSnapshot(p *simPeer, snap *engine.Snapshot) {
	if err := p.sm.Restore(snap.Data); err != nil {
		c.violate(InvSnapshotState, p.id, fmt.Sprintf("peer %d could not restore its state machine from %s: %v", p.id, snap.String(), err))
		return
	}
	p.applied = snap.Meta.Index
	// Proposals the snapshot covers will not be applied here: their outcome is
	// unknown to this peer (a client times out and retries; a command from an action
	// is reported unknown).
	for i := 0; i < len(p.writes); {
		w := p.writes[i]
		if w.index > snap.Meta.Index {
			i++
			continue
		}
		p.writes = append(p.writes[:i], p.writes[i+1:]...)
		if w.client == userClient {
			o := &c.history[w.op]
			o.Return, o.Peer, o.Outcome = c.now, p.id, OutcomeUnknown
			c.tracer.add(&record{kind: tkClientResponse, time: c.now, peer: p.id,
				text: fmt.Sprintf("%s %s at peer %d: unknown: entry %d arrived inside a snapshot", o.Op, o.Key, p.id, w.index)})
		}
	}
}

// restoreFromStorage loads the state machine of a restarting peer from the snapshot in
// its storage, if any: the engine hands out only the committed entries after it.
func (c *Cluster) restoreFromStorage(p *simPeer) error {
	snap, _ := p.store.Snapshot()
	if snap.IsEmpty() {
		return nil
	}
	if err := p.sm.Restore(snap.Data); err != nil {
		return fmt.Errorf("sim: restart peer %d from %s: %w", p.id, snap.String(), err)
	}
	p.applied = snap.Meta.Index
	return nil
}

// snapRef is the checkers' own state machine: it replays the applied registry (the
// entries every peer applies, in index order) so that a snapshot at any index can be
// compared with the state of a peer that applied exactly that prefix.
type snapRef struct {
	sm    *kv.Store
	index uint64            // entries sm has applied
	bytes map[uint64][]byte // the state at each index asked so far, as kv.Snapshot bytes
}

// at returns the state after applied[0..i-1], replaying from scratch when sm is past i.
func (r *snapRef) at(i uint64, applied []entryRef) ([]byte, error) {
	if b, ok := r.bytes[i]; ok {
		return b, nil
	}
	if r.sm == nil || r.index > i {
		r.sm, r.index = kv.New(), 0
	}
	for r.index < i {
		r.index++
		r.sm.Apply(r.index, applied[r.index-1].cmd)
	}
	b, err := r.sm.Snapshot()
	if err != nil {
		return nil, err
	}
	if r.bytes == nil {
		r.bytes = make(map[uint64][]byte)
	}
	r.bytes[i] = b
	return b, nil
}

func (r snapRef) clone() snapRef {
	if r.sm != nil {
		r.sm = r.sm.Clone()
	}
	r.bytes = maps.Clone(r.bytes)
	return r
}

// checkSnapshot runs as a peer is about to persist a snapshot, taken by itself or
// installed from the leader: the three snapshot invariants.
func (c *Cluster) checkSnapshot(p *simPeer, snap *engine.Snapshot, installed bool) {
	i, t := snap.Meta.Index, snap.Meta.Term
	if installed && i < p.applied {
		c.violate(InvSnapshotApplied, p.id, fmt.Sprintf("peer %d installed a snapshot ending at entry %d@%d after applying entries up to %d: its applied index would go back",
			p.id, i, t, p.applied))
	}
	c.checkSnapshotBoundary(p, i, t)
	c.checkSnapshotState(p, snap)
}

// checkSnapshotBoundary is Log Matching across the snapshot boundary: the snapshot
// stands for the log prefix ending at its last included entry i@t, so that entry must be
// the one committed at i, and every peer that committed index i must hold term t there
// (in its log or as its own snapshot's last entry). Entries after the snapshot are
// registered with t as their previous term (checkAppend), which extends the check to
// the suffix.
func (c *Cluster) checkSnapshotBoundary(p *simPeer, i, t uint64) {
	k := uint64(len(c.check.committed))
	if i > k {
		c.violate(InvSnapshotMatching, p.id, fmt.Sprintf("peer %d's snapshot ends at entry %d@%d, beyond the highest committed index %d: a snapshot holds only committed entries",
			p.id, i, t, k))
		return
	}
	if was := c.check.committed[i-1]; was.term != t {
		c.violate(InvSnapshotMatching, p.id, fmt.Sprintf("peer %d's snapshot ends at entry %d@%d, but entry %d@%d was committed at that index",
			p.id, i, t, i, was.term))
		return
	}
	for j := range c.peers {
		q := &c.peers[j]
		if q.id == p.id {
			continue
		}
		commit := q.store.HardState().Commit
		if q.up() {
			commit = q.commit
		}
		if commit < i {
			continue
		}
		if qt, err := q.store.Term(i); err == nil && qt != 0 && qt != t {
			c.violate(InvSnapshotMatching, p.id, fmt.Sprintf("peer %d's snapshot ends at entry %d@%d, but peer %d committed entry %d@%d",
				p.id, i, t, q.id, i, qt))
		}
	}
}

// checkSnapshotState compares the snapshot's bytes with the state of a state machine
// that applied exactly the entries 1..i that the peers applied. kv snapshots are
// deterministic (sorted keys and sessions), so equal states give equal bytes.
func (c *Cluster) checkSnapshotState(p *simPeer, snap *engine.Snapshot) {
	i := snap.Meta.Index
	if n := uint64(len(c.check.applied)); n < i {
		c.violate(InvSnapshotState, p.id, fmt.Sprintf("peer %d's snapshot covers entries up to %d, but no peer has applied beyond %d", p.id, i, n))
		return
	}
	want, err := c.check.ref.at(i, c.check.applied)
	if err != nil {
		c.violate(InvSnapshotState, p.id, fmt.Sprintf("the reference state machine could not snapshot its state at %d: %v", i, err))
		return
	}
	if !bytes.Equal(want, snap.Data) {
		c.violate(InvSnapshotState, p.id, fmt.Sprintf("peer %d's snapshot at %d (%d bytes) differs from the state of a peer that applied exactly entries 1..%d (%d bytes)%s",
			p.id, i, len(snap.Data), i, len(want), snapshotDiff(want, snap.Data)))
	}
}

// snapshotDiff names a key whose value differs between two kv snapshots, when both
// decode, for the violation's text.
func snapshotDiff(want, got []byte) string {
	a, b := kv.New(), kv.New()
	if a.Restore(want) != nil || b.Restore(got) != nil {
		return ""
	}
	keys := append(a.Keys(), b.Keys()...)
	for _, k := range keys {
		va, oka := a.Get(k)
		vb, okb := b.Get(k)
		if va != vb || oka != okb {
			return fmt.Sprintf(": key %q is %q there, %q in the snapshot", k, va, vb)
		}
	}
	return ": the keys agree; the sessions or the applied index differ"
}

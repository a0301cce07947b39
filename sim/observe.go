package sim

import "github.com/raftplay/raftplay/engine"

// PeerView is the little of one peer that a fault generator watches after every event
// (chaos steers its crash-and-re-elect patterns with it). It costs no allocation,
// unlike State, which copies every log.
type PeerView struct {
	Up   bool
	Role engine.Role // RoleFollower while down
	// Term and Commit are the peer's current term and commit index (while down: those
	// it had when it crashed).
	Term   uint64
	Commit uint64
	// LastIndex is the index of the last entry in the peer's storage.
	LastIndex uint64
}

// Peer returns what can be seen of peer id, or the zero PeerView for an id outside
// 1..Peers.
func (c *Cluster) Peer(id uint64) PeerView {
	if id == 0 || id > uint64(len(c.peers)) {
		return PeerView{}
	}
	p := &c.peers[id-1]
	v := PeerView{Up: p.up(), Role: engine.RoleFollower, Term: p.term, Commit: p.commit}
	v.LastIndex, _ = p.store.LastIndex()
	if v.Up {
		v.Role = p.role
	}
	return v
}

// TermAt returns the term of the entry peer id stores at index (or of the last entry
// its snapshot covers), and false when its storage knows no term there: beyond its
// log, or compacted into a snapshot. A peer that is down still has its storage.
func (c *Cluster) TermAt(id, index uint64) (uint64, bool) {
	if id == 0 || id > uint64(len(c.peers)) || index == 0 {
		return 0, false
	}
	t, err := c.peers[id-1].store.Term(index)
	return t, err == nil
}

package sim

import (
	"sort"

	"github.com/raftplay/raftplay/engine"
)

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

// InFlightMsg names a message in the network: its id (for drop, duplicate and delay
// actions) and its sender.
type InFlightMsg struct {
	ID   uint64
	From uint64
}

// InFlightTo lists the messages of type typ on their way to peer to, oldest first. It
// is the cheap form of InFlight for a fault generator that aims at one kind of message.
func (c *Cluster) InFlightTo(to uint64, typ engine.MessageType) []InFlightMsg {
	var out []InFlightMsg
	for i := range c.net.slots.items {
		f := &c.net.slots.items[i]
		if f.live && f.msg.To == to && f.msg.Type == typ {
			out = append(out, InFlightMsg{ID: f.id, From: f.msg.From})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID }) // not slices.SortFunc: see InFlight
	return out
}

// Conf returns the configuration in force as far as the cluster can tell: that of the
// leader of the highest term that is up, else the latest one a peer that is up uses.
// A fault generator picks its membership changes from it.
func (c *Cluster) Conf() engine.ConfState { return c.currentConf().Clone() }

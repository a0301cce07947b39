package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/raftplay/raftplay/engine"
)

// flight is one message in the network. Slots are reused; gen tells a queued delivery
// of an earlier occupant (or of a message since dropped or delayed) from the current one.
type flight struct {
	id      uint64
	gen     uint32
	live    bool
	fromInc uint32 // incarnations of both ends at send time: a message does not outlive
	toInc   uint32 // a crash of either end
	sent    int64
	deliver int64
	msg     engine.Message
}

// network holds the links and the messages in flight between peers.
type network struct {
	n         int
	rng       *rand.Rand
	pcg       *rand.PCG // the source behind rng, for Clone
	latency   [2]int64
	drop      float64
	duplicate float64
	blocked   []bool // blocked[(from-1)*n + to-1]: the one-way link from -> to is cut
	slots     arena[flight]
	nextID    uint64
	inFlight  int
}

func newNetwork(o *Options, pcg *rand.PCG) network {
	return network{
		n:         o.Peers,
		rng:       rand.New(pcg),
		pcg:       pcg,
		latency:   [2]int64{o.Latency[0], o.Latency[1]},
		drop:      o.Drop,
		duplicate: o.Duplicate,
		blocked:   make([]bool, o.Peers*o.Peers),
	}
}

func (nw *network) isBlocked(from, to uint64) bool {
	return nw.blocked[int(from-1)*nw.n+int(to-1)]
}

// draw returns a latency from the configured range.
func (nw *network) draw() int64 {
	lo, hi := nw.latency[0], nw.latency[1]
	if hi == lo {
		return lo
	}
	return lo + nw.rng.Int64N(hi-lo+1)
}

// chance draws a coin that comes up true with probability p; it draws nothing when p
// is 0, so turning a fault on does not shift the other random choices of a healthy run.
func (nw *network) chance(p float64) bool {
	return p > 0 && nw.rng.Float64() < p
}

func (nw *network) alloc() uint32 { return nw.slots.alloc() }

func (nw *network) release(slot uint32) {
	f := &nw.slots.items[slot]
	f.live = false
	f.gen++
	f.msg = engine.Message{}
	nw.slots.release(slot)
	nw.inFlight--
}

// find returns the slot of the message with the given id, if it is in flight.
func (nw *network) find(id uint64) (uint32, bool) {
	for i := range nw.slots.items {
		if nw.slots.items[i].live && nw.slots.items[i].id == id {
			return uint32(i), true
		}
	}
	return 0, false
}

// partition cuts every link between peers of different groups and restores the others;
// a peer in no group is cut off from everyone.
func (nw *network) partition(groups [][]uint64) {
	side := make([]int, nw.n+1)
	for id := range side {
		side[id] = -id - 1 // alone unless listed
	}
	for g, ids := range groups {
		for _, id := range ids {
			side[id] = g
		}
	}
	for from := 1; from <= nw.n; from++ {
		for to := 1; to <= nw.n; to++ {
			nw.blocked[(from-1)*nw.n+to-1] = side[from] != side[to]
		}
	}
}

// Link is a one-way link between two peers.
type Link struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

func (nw *network) cutLinks() []Link {
	links := []Link{}
	for from := 1; from <= nw.n; from++ {
		for to := 1; to <= nw.n; to++ {
			if from != to && nw.blocked[(from-1)*nw.n+to-1] {
				links = append(links, Link{From: uint64(from), To: uint64(to)})
			}
		}
	}
	return links
}

// MessageInfo describes a message in flight, for the page and for drop, duplicate and
// delay actions (which name it by ID).
type MessageInfo struct {
	ID      uint64 `json:"id"`
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
	Type    string `json:"type"`
	Sent    int64  `json:"sent"`
	Deliver int64  `json:"deliver"`
	Term    uint64 `json:"term"`
	Index   uint64 `json:"index,omitempty"`
	LogTerm uint64 `json:"log_term,omitempty"`
	Commit  uint64 `json:"commit,omitempty"`
	Entries int    `json:"entries,omitempty"`
	Reject  bool   `json:"reject,omitempty"`
	// Text is the message's one-line description (engine.Message.Describe).
	Text string `json:"text"`
	// Message is the message itself.
	Message engine.Message `json:"-"`
}

// InFlight lists the messages in the network, oldest first.
func (c *Cluster) InFlight() []MessageInfo {
	out := make([]MessageInfo, 0, c.net.inFlight)
	for i := range c.net.slots.items {
		f := &c.net.slots.items[i]
		if !f.live {
			continue
		}
		m := f.msg
		out = append(out, MessageInfo{ID: f.id, From: m.From, To: m.To, Type: m.Type.String(),
			Sent: f.sent, Deliver: f.deliver, Term: m.Term, Index: m.Index, LogTerm: m.LogTerm,
			Commit: m.Commit, Entries: len(m.Entries), Reject: m.Reject, Text: m.Describe(), Message: m})
	}
	// sort.Slice, not slices.SortFunc: each element type of the generic sorts compiles to
	// its own copy of pdqsort (10-25 kB of the playground's wasm each), sort.Slice is
	// one copy for every type. The sim's other sorts do the same.
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// send puts a message from a Ready into the network. Entries are not copied: the engine
// and memstore never write over an entry they have handed out.
func (c *Cluster) send(m *engine.Message) {
	nw := &c.net
	nw.nextID++
	id := nw.nextID
	rec := record{kind: tkDrop, time: c.now, id: id, msg: summarize(m)}
	switch {
	case m.To < 1 || m.To > uint64(nw.n) || m.From < 1 || m.From > uint64(nw.n):
		rec.text, rec.cause = "addressed outside the cluster", causeOutside
		c.tracer.add(&rec)
		return
	case nw.isBlocked(m.From, m.To):
		rec.text, rec.cause = "the link is cut", causeLinkCut
		c.tracer.add(&rec)
		return
	case nw.chance(nw.drop):
		rec.text, rec.cause = "lost by the network", causeNetwork
		c.tracer.add(&rec)
		return
	}
	slot := c.enqueue(id, m, c.now+nw.draw())
	rec.kind, rec.at = tkSend, nw.slots.items[slot].deliver
	c.tracer.add(&rec)
	if nw.chance(nw.duplicate) {
		c.duplicate(slot, "")
	}
}

// enqueue puts message id in flight, due at deliver.
func (c *Cluster) enqueue(id uint64, m *engine.Message, deliver int64) uint32 {
	nw := &c.net
	slot := nw.alloc()
	f := &nw.slots.items[slot]
	f.id, f.live, f.sent, f.deliver, f.msg = id, true, c.now, deliver, *m
	f.fromInc, f.toInc = c.peers[m.From-1].inc, c.peers[m.To-1].inc
	nw.inFlight++
	c.queue.push(event{at: deliver, kind: evDeliver, ref: slot, gen: f.gen})
	return slot
}

// duplicate puts a copy of the message in slot into the network, with its own id and
// latency. why is set when an action asked for it.
func (c *Cluster) duplicate(slot uint32, why string) {
	nw := &c.net
	nw.nextID++
	orig := nw.slots.items[slot] // copy: enqueue may grow the slot array
	fromInc, toInc := orig.fromInc, orig.toInc
	copySlot := c.enqueue(nw.nextID, &orig.msg, c.now+nw.draw())
	cp := &nw.slots.items[copySlot]
	cp.fromInc, cp.toInc = fromInc, toInc
	c.tracer.add(&record{kind: tkDuplicate, time: c.now, id: orig.id, seq: cp.id, at: cp.deliver,
		msg: summarize(&orig.msg), text: why})
}

// deliver hands the message in slot to its recipient, unless it was lost on the way.
func (c *Cluster) deliver(slot uint32) {
	nw := &c.net
	f := &nw.slots.items[slot]
	m, id := f.msg, f.id
	fromInc, toInc := f.fromInc, f.toInc
	nw.release(slot)
	rec := record{kind: tkLost, time: c.now, id: id, msg: summarize(&m)}
	from, to := &c.peers[m.From-1], &c.peers[m.To-1]
	switch {
	// The hashed text keeps its first wording (the golden trace hashes include it); the
	// trace shows the one that names peers as the page does.
	case to.node == nil:
		rec.text, rec.cause = fmt.Sprintf("peer %d is down", m.To), causePeerDown
		rec.shown = PeerName(m.To) + " is down"
	case to.inc != toInc:
		rec.text, rec.cause = fmt.Sprintf("peer %d restarted since it was sent", m.To), causePeerRestarted
		rec.shown = PeerName(m.To) + " restarted since it was sent"
	case from.inc != fromInc:
		rec.text, rec.cause = fmt.Sprintf("its sender, peer %d, crashed since it was sent", m.From), causeSenderCrashed
		rec.shown = fmt.Sprintf("its sender, %s, crashed since it was sent", PeerName(m.From))
	case nw.isBlocked(m.From, m.To):
		rec.kind, rec.text, rec.cause = tkDrop, "the link is cut", causeLinkCut
	default:
		rec.kind = tkDeliver
		c.delivered++
		c.tracer.add(&rec)
		c.stepPeer(to, &m)
		return
	}
	c.tracer.add(&rec)
}

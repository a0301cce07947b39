package sim

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// Simulated clients. Each client runs one operation at a time: it picks a random
// operation on a few keys, sends it to the peer it believes leads, and waits. A client
// talks to a peer directly, with the fixed one-way latency Options.ClientLatency: the
// client sits outside the peers' network, so partitions and message loss do not touch
// it, but a crashed peer never answers. On "not the leader" it follows the leader hint
// (or tries the next peer after a pause); on a timeout it retries the same ClientID and
// Seq at the next peer, which the kv session table makes safe; after Options.ClientTries
// attempts it gives up.

// simClient is one simulated client.
type simClient struct {
	id       uint64 // ClientID, from 1
	seq      uint64 // Seq of the current (or last) operation
	target   uint64 // the peer it believes leads
	busy     bool   // an operation is in progress
	op       int    // its position in the history
	cmd      kv.Command
	encoded  []byte // cmd.Marshal(), for writes
	tries    int
	timerGen uint32 // generation of the one pending wake-up; older ones are stale
	waiting  bool   // the pending wake-up is a pause before a retry, not a timeout
	timedOut bool   // some attempt timed out: a write may have taken effect
	seen     []string
}

// replyKind is what a peer answers a client.
type replyKind uint8

const (
	replyNone      replyKind = iota // a request on its way to a peer
	replyDone                       // applied or read: the result is in res
	replyNotLeader                  // refused; hint names the leader, if known
	replyLost                       // the proposal's log slot went to another entry
)

// clientMsg is a request from a client to a peer, turned into the reply on its way back.
type clientMsg struct {
	client  uint32
	seq     uint64
	peer    uint64
	cmd     kv.Command
	encoded []byte
	reply   replyKind
	hint    uint64
	res     kv.Result
}

// pendingWrite is a proposal a peer made for a client and answers once applied.
type pendingWrite struct {
	index  uint64
	cmd    []byte
	client int // position in Cluster.clients, or -1 for a scenario action
	seq    uint64
	op     int // history position, for a scenario action
}

// pendingRead is a ReadIndex request a peer serves once confirmed and applied.
type pendingRead struct {
	id        uint64
	index     uint64
	confirmed bool
	// committed is the highest index any peer had committed when the read reached its
	// peer: a linearizable read must be served from a state that includes it.
	committed uint64
	key       string
	client    int
	seq       uint64
	op        int
}

const userClient = -1

func (c *Cluster) startClients() {
	n := c.sc.Options.Clients
	c.keyNames = make([]string, c.sc.Options.ClientKeys)
	for i := range c.keyNames {
		c.keyNames[i] = "k" + strconv.Itoa(i)
	}
	c.clients = make([]simClient, n)
	for i := range c.clients {
		cl := &c.clients[i]
		cl.id = uint64(i + 1)
		cl.target = uint64(i%c.sc.Options.Peers) + 1
		cl.seen = make([]string, len(c.keyNames))
		c.think(cl)
	}
}

// wake schedules the client's wake-up after d ms, replacing any pending one.
func (c *Cluster) wake(cl *simClient, d int64, waiting bool) {
	cl.timerGen++
	cl.waiting = waiting
	c.queue.push(event{at: c.now + d, kind: evClientWake, ref: uint32(cl.id - 1), gen: cl.timerGen})
}

func (c *Cluster) think(cl *simClient) {
	r := c.sc.Options.ClientThink
	d := r[0]
	if r[1] > r[0] {
		d += c.clientRand.Int64N(r[1] - r[0] + 1)
	}
	c.wake(cl, d, false)
}

func (c *Cluster) clientWake(cl *simClient) {
	switch {
	case !cl.busy:
		c.issue(cl)
	case cl.waiting:
		c.attempt(cl)
	default: // the attempt timed out
		if cl.cmd.Op != kv.OpGet {
			cl.timedOut = true
		}
		c.retry(cl, c.nextPeer(cl.target), 0)
	}
}

// issue starts a new random operation.
func (c *Cluster) issue(cl *simClient) {
	rng := c.clientRand
	k := rng.IntN(len(c.keyNames))
	cl.seq++
	cmd := kv.Command{ClientID: cl.id, Seq: cl.seq, Key: c.keyNames[k]}
	value := "c" + strconv.FormatUint(cl.id, 10) + "." + strconv.FormatUint(cl.seq, 10)
	switch r := rng.IntN(10); {
	case r < 4:
		cmd.Op, cmd.Value = kv.OpPut, value
	case r < 7:
		cmd.Op = kv.OpGet
	case r < 8:
		cmd.Op = kv.OpDelete
	default:
		cmd.Op, cmd.Value, cmd.Expected = kv.OpCAS, value, cl.seen[k]
		if cmd.Expected == "" {
			cmd.Expected = "none"
		}
	}
	cl.cmd, cl.encoded = cmd, nil
	if cmd.Op != kv.OpGet {
		cl.encoded = cmd.Marshal()
	}
	cl.busy, cl.tries, cl.timedOut = true, 0, false
	cl.op = c.newOp(cl.id, cl.seq, cmd, cl.target)
	c.attempt(cl)
}

// attempt sends the current operation to the target peer and starts the timeout.
func (c *Cluster) attempt(cl *simClient) {
	cl.tries++
	o := &c.sc.Options
	slot := c.allocClientMsg()
	c.cmsgs.items[slot] = clientMsg{client: uint32(cl.id - 1), seq: cl.seq, peer: cl.target, cmd: cl.cmd, encoded: cl.encoded}
	c.queue.push(event{at: c.now + o.ClientLatency, kind: evClientArrive, ref: slot})
	c.wake(cl, o.ClientTimeout, false)
	op := &c.history[cl.op]
	op.Peer, op.Tries = cl.target, cl.tries
	rec := record{kind: tkClientRequest, time: c.now, peer: cl.target, client: cl.id, seq: cl.seq}
	if c.tracer.keep {
		rec.text = fmt.Sprintf("client %d sends %s to %s (try %d)", cl.id, cl.cmd.Text(), PeerName(cl.target), cl.tries)
	}
	c.tracer.add(&rec)
}

// retry tries again at peer after pause ms, or gives up when out of tries.
func (c *Cluster) retry(cl *simClient, peer uint64, pause int64) {
	cl.target = peer
	if cl.tries >= c.sc.Options.ClientTries {
		c.giveUp(cl)
		return
	}
	if pause > 0 {
		c.wake(cl, pause, true)
		return
	}
	c.attempt(cl)
}

func (c *Cluster) nextPeer(id uint64) uint64 { return id%uint64(c.sc.Options.Peers) + 1 }

func (c *Cluster) giveUp(cl *simClient) {
	op := &c.history[cl.op]
	op.Return, op.Outcome = c.now, OutcomeFailed
	if cl.timedOut {
		op.Outcome = OutcomeUnknown
	}
	cl.busy = false
	if c.tracer.keep {
		c.traceResponse(cl.id, cl.seq, op.Peer, fmt.Sprintf("gave up after %d tries: %s", cl.tries, op.Outcome))
	} else {
		c.traceResponse(cl.id, cl.seq, op.Peer, "")
	}
	c.think(cl)
}

func (c *Cluster) allocClientMsg() uint32 { return c.cmsgs.alloc() }

func (c *Cluster) freeClientMsg(slot uint32) {
	c.cmsgs.items[slot] = clientMsg{}
	c.cmsgs.release(slot)
}

// clientArrive handles a client request reaching its peer. The request is served even
// if the client has moved on: a late duplicate is what the session table is for.
func (c *Cluster) clientArrive(slot uint32) {
	m := &c.cmsgs.items[slot]
	p := &c.peers[m.peer-1]
	if !p.up() {
		c.freeClientMsg(slot)
		return
	}
	client := int(m.client)
	if m.cmd.Op == kv.OpGet {
		c.nextReadID++
		id := c.nextReadID
		if err := p.node.ReadIndex(id); err != nil {
			c.replyClient(client, m.seq, p.id, replyNotLeader, leaderHint(err), nil)
		} else {
			p.reads = append(p.reads, pendingRead{id: id, committed: c.committedIndex(), key: m.cmd.Key, client: client, seq: m.seq})
		}
	} else {
		index, err := p.node.Propose(m.encoded, nil)
		if err != nil {
			c.replyClient(client, m.seq, p.id, replyNotLeader, leaderHint(err), nil)
		} else {
			p.writes = append(p.writes, pendingWrite{index: index, cmd: m.encoded, client: client, seq: m.seq})
		}
	}
	c.freeClientMsg(slot)
	c.drive(p)
}

func leaderHint(err error) uint64 {
	var nl *engine.NotLeaderError
	if errors.As(err, &nl) {
		return nl.Leader
	}
	return engine.None
}

// replyClient sends a reply to a simulated client; it arrives after the client latency.
func (c *Cluster) replyClient(client int, seq, peer uint64, kind replyKind, hint uint64, res *kv.Result) {
	slot := c.allocClientMsg()
	m := &c.cmsgs.items[slot]
	m.client, m.seq, m.peer, m.reply, m.hint = uint32(client), seq, peer, kind, hint
	if res != nil {
		m.res = *res
	}
	c.queue.push(event{at: c.now + c.sc.Options.ClientLatency, kind: evClientReply, ref: slot})
}

// clientReply handles a reply reaching its client.
func (c *Cluster) clientReply(slot uint32) {
	m := c.cmsgs.items[slot]
	c.freeClientMsg(slot)
	cl := &c.clients[m.client]
	if !cl.busy || m.seq != cl.seq {
		return // an answer to an attempt of an operation already finished
	}
	switch m.reply {
	case replyNotLeader:
		if m.hint != engine.None && m.hint != m.peer {
			c.retry(cl, m.hint, 0)
		} else {
			c.retry(cl, c.nextPeer(m.peer), c.sc.Options.ClientTimeout/4+1)
		}
	case replyLost:
		c.retry(cl, c.nextPeer(m.peer), c.sc.Options.ClientTimeout/4+1)
	case replyDone:
		op := &c.history[cl.op]
		op.Return, op.Outcome, op.Peer = c.now, OutcomeOK, m.peer
		op.OK, op.Found, op.Result, op.Index = m.res.OK, m.res.Found, m.res.Value, m.res.Index
		cl.busy = false
		for k, name := range c.keyNames {
			if name == op.Key {
				cl.seen[k] = c.seenValue(op)
			}
		}
		if c.tracer.keep {
			c.traceResponse(cl.id, cl.seq, m.peer, m.res.String())
		} else {
			c.traceResponse(cl.id, cl.seq, m.peer, "")
		}
		c.think(cl)
	}
}

// seenValue is the value of the key after the operation, as the client now knows it.
func (c *Cluster) seenValue(op *ClientOp) string {
	switch {
	case op.Kind == kv.OpPut || (op.Kind == kv.OpCAS && op.OK):
		return op.Value
	case op.Kind == kv.OpDelete:
		return ""
	}
	return op.Result
}

// traceResponse traces the end of a client operation; text (written only while the
// trace is kept) says how it ended.
func (c *Cluster) traceResponse(client, seq, peer uint64, text string) {
	rec := record{kind: tkClientResponse, time: c.now, peer: peer, client: client, seq: seq}
	if c.tracer.keep {
		rec.text = fmt.Sprintf("client %d, op %d: %s", client, seq, text)
	}
	c.tracer.add(&rec)
}

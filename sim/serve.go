package sim

import (
	"bytes"
	"fmt"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// The peer side of client requests: answering proposals once applied and reads once
// confirmed and applied, for simulated clients and for scenario actions alike.

// answerWrites answers the proposals this peer made at the index of the entry it just
// applied. If the entry is not the proposed command, another leader's entry took the
// slot and the proposal is lost.
func (c *Cluster) answerWrites(p *simPeer, e *engine.Entry, res *kv.Result) {
	for i := 0; i < len(p.writes); {
		w := p.writes[i]
		if w.index != e.Index {
			i++
			continue
		}
		p.writes = append(p.writes[:i], p.writes[i+1:]...)
		ours := bytes.Equal(w.cmd, e.Command) && res.Err == nil
		if ours {
			term := e.Term
			if res.Index != e.Index { // a retry answered with the original's result
				term = c.committedTerm(p, res.Index)
			}
			c.recordAck(uint64(w.client+1), res.Index, term, w.cmd)
		}
		if w.client == userClient {
			if ours {
				c.finishUserOp(w.op, p.id, res, "")
			} else {
				c.finishUserOp(w.op, p.id, nil, fmt.Sprintf("index %d went to another entry (%s)", e.Index, entryText(e)))
			}
			continue
		}
		kind := replyLost
		if ours {
			kind = replyDone
		}
		c.replyClient(w.client, w.seq, p.id, kind, engine.None, res)
	}
}

// confirmRead records the read index the leader confirmed for a ReadIndex request.
func (c *Cluster) confirmRead(p *simPeer, rs engine.ReadState) {
	for i := range p.reads {
		if p.reads[i].id == rs.RequestID {
			p.reads[i].confirmed, p.reads[i].index = true, rs.Index
			return
		}
	}
}

// serveReads answers the confirmed reads whose index the state machine has reached
// (ReadIndex, thesis §6.4).
func (c *Cluster) serveReads(p *simPeer) {
	for i := 0; i < len(p.reads); {
		r := p.reads[i]
		if !r.confirmed || r.index > p.applied {
			i++
			continue
		}
		p.reads = append(p.reads[:i], p.reads[i+1:]...)
		c.checkReadFresh(p, &r)
		value, found := p.sm.Get(r.key)
		res := kv.Result{Index: r.index, Op: kv.OpGet, Key: r.key, OK: found, Found: found, Value: value}
		if r.client == userClient {
			c.finishUserOp(r.op, p.id, &res, "")
		} else {
			c.replyClient(r.client, r.seq, p.id, replyDone, engine.None, &res)
		}
	}
}

// abandonReads refuses the reads a peer that stopped leading can no longer confirm.
func (c *Cluster) abandonReads(p *simPeer) {
	for i := 0; i < len(p.reads); {
		r := p.reads[i]
		if r.confirmed {
			i++
			continue
		}
		p.reads = append(p.reads[:i], p.reads[i+1:]...)
		if r.client == userClient {
			c.finishUserOp(r.op, p.id, nil, "the peer stopped leading before the read was confirmed")
		} else {
			c.replyClient(r.client, r.seq, p.id, replyNotLeader, p.lead, nil)
		}
	}
}

// userCommand submits a command from a scenario action straight to a peer. A GET goes
// through ReadIndex like a read action.
func (c *Cluster) userCommand(p *simPeer, cmd kv.Command) {
	op := c.newOp(0, 0, cmd, p.id)
	c.history[op].Tries = 1
	text := fmt.Sprintf("command %s submitted to %s", cmd.Text(), PeerName(p.id))
	if cmd.ClientID != 0 {
		text += fmt.Sprintf(" (client %d, seq %d)", cmd.ClientID, cmd.Seq)
	}
	rec := record{kind: tkClientRequest, time: c.now, peer: p.id, client: cmd.ClientID, seq: cmd.Seq, text: text}
	c.tracer.add(&rec)
	if cmd.Op == kv.OpGet {
		c.userRead(p, cmd.Key, op)
		return
	}
	encoded := cmd.Marshal()
	index, err := p.node.Propose(encoded, nil)
	if err != nil {
		c.finishUserOp(op, p.id, nil, err.Error())
		return
	}
	c.history[op].Index = index
	p.writes = append(p.writes, pendingWrite{index: index, cmd: encoded, client: userClient, op: op})
	c.drive(p)
}

// userRead starts a linearizable read for a scenario action.
func (c *Cluster) userRead(p *simPeer, key string, op int) {
	c.nextReadID++
	id := c.nextReadID
	if err := p.node.ReadIndex(id); err != nil {
		c.finishUserOp(op, p.id, nil, err.Error())
		return
	}
	p.reads = append(p.reads, pendingRead{id: id, committed: c.committedIndex(), key: key, client: userClient, op: op})
	c.drive(p)
}

// finishUserOp ends an operation from a scenario action: with its result, or failed for
// the reason given.
func (c *Cluster) finishUserOp(op int, peer uint64, res *kv.Result, failure string) {
	o := &c.history[op]
	o.Return, o.Peer = c.now, peer
	text := failure
	if res != nil {
		o.Outcome, o.OK, o.Found, o.Result, o.Index = OutcomeOK, res.OK, res.Found, res.Value, res.Index
		text = res.String()
	} else {
		o.Outcome = OutcomeFailed
		text = "failed: " + text
	}
	c.tracer.add(&record{kind: tkClientResponse, time: c.now, peer: peer,
		text: fmt.Sprintf("%s %s at %s: %s", o.Op, o.Key, PeerName(peer), text)})
}

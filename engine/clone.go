package engine

import (
	"math/rand/v2"
	"slices"
)

// Clone returns an independent copy of the peer that reads its durable state from
// storage, which must hold exactly what the peer's own storage holds (a copy of it,
// such as memstore.Store.Clone returns). The copy continues exactly as the original
// would: same role, timers, replication state, pending reads and random source. Later
// calls on either peer never affect the other.
//
// This is how the playground keeps checkpoints of a whole simulated cluster, so that it
// can go back in time without replaying the run from the start. Call Clone between
// Readys, not between Ready and Advance.
func (p *Peer) Clone(storage Storage) *Peer {
	if p.handed.valid {
		panic("engine: broken invariant: Clone called between Ready and Advance")
	}
	q := *p
	q.cfg.Storage = storage

	log := *p.log
	log.storage = storage
	// A fresh array: both peers append to their unstable part in place.
	log.unstable = slices.Clone(p.log.unstable)
	q.log = &log

	q.conf, q.baseConf = p.conf.Clone(), p.baseConf.Clone()
	q.leaving = slices.Clone(p.leaving)
	q.members = slices.Clone(p.members)
	q.incoming, q.outgoing = slices.Clone(p.incoming), slices.Clone(p.outgoing)
	q.votes = slices.Clone(p.votes)
	q.quorumBuf = make([]uint64, len(p.quorumBuf))
	q.progress = make([]*progress, len(p.progress))
	for i, pr := range p.progress {
		c := *pr
		c.inflight = slices.Clone(pr.inflight)
		q.progress[i] = &c
	}

	pcg := *p.pcg
	q.pcg = &pcg
	q.rand = rand.New(q.pcg)

	q.reads.pending = slices.Clone(p.reads.pending)
	q.reads.early = slices.Clone(p.reads.early)

	// The Ready buffers are reused in place after Advance, so they must not be shared.
	q.msgs = slices.Clone(p.msgs)
	q.events = slices.Clone(p.events)
	q.readStates = slices.Clone(p.readStates)
	q.applyBuf = nil
	q.recv.buf = slices.Clone(p.recv.buf)
	return &q
}

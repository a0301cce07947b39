package engine

// readIndexState tracks linearizable reads on the leader (ReadIndex, thesis §6.4): a read
// may be served at the commit index the leader had when the read arrived, once a
// heartbeat round started after that shows a majority still follows this leader.
//
// Rounds are numbered; a follower that answers round r also vouches for every earlier
// round, so one heartbeat round confirms every read that was waiting for it.
type readIndexState struct {
	round     uint64        // the last heartbeat round sent
	needRound bool          // a read is waiting for round+1 to be sent
	pending   []readRequest // reads waiting for their round to be confirmed, in round order
	// early holds reads that arrived before the leader committed an entry of its own
	// term: until then it does not know the true commit index.
	early []uint64
}

type readRequest struct {
	id, index, round uint64
}

func (r *readIndexState) reset() {
	r.needRound = false
	r.pending = r.pending[:0]
	r.early = r.early[:0]
}

// ReadIndex asks for a linearizable read. Once a majority confirms that this peer is
// still the leader, Ready.ReadStates holds {requestID, index}: serve the read after
// applying index. On any peer but the leader it returns a *NotLeaderError.
func (p *Peer) ReadIndex(requestID uint64) error {
	if p.role != RoleLeader {
		return &NotLeaderError{Leader: p.lead}
	}
	// Thesis §6.4, step 1: until the leader has committed an entry of its own term, its
	// commit index may lag entries an earlier leader committed; wait for that commit.
	if p.log.term(p.log.committed) != p.term && !p.cfg.Unsafe.ReadBeforeTermCommit {
		p.reads.early = append(p.reads.early, requestID)
		return nil
	}
	p.queueRead(requestID)
	return nil
}

func (p *Peer) queueRead(id uint64) {
	p.reads.pending = append(p.reads.pending, readRequest{id: id, index: p.log.committed, round: p.reads.round + 1})
	if p.leaderAloneIsQuorum() {
		p.reads.round++
		p.confirmReads(p.reads.round)
		return
	}
	p.reads.needRound = true
}

// leaderAloneIsQuorum reports whether our own answer makes a quorum: a cluster of one
// voter (both of one, while joint), where no heartbeat round is needed.
func (p *Peer) leaderAloneIsQuorum() bool {
	return p.majorityReached(func(i int, _ *progress) uint64 {
		if i == p.self {
			return 1
		}
		return 0
	}) == 1
}

// releaseReadsOnCommit queues the reads that waited for our first commit in this term.
func (p *Peer) releaseReadsOnCommit() {
	if len(p.reads.early) == 0 || p.log.term(p.log.committed) != p.term {
		return
	}
	for _, id := range p.reads.early {
		p.queueRead(id)
	}
	p.reads.early = p.reads.early[:0]
}

// flushReadRound sends the heartbeat round that pending reads wait for.
func (p *Peer) flushReadRound() {
	if !p.reads.needRound {
		return
	}
	p.reads.needRound = false
	p.reads.round++
	p.broadcastHeartbeat(p.reads.round)
}

// ackReadRound records that a follower answered heartbeat round r, and releases the
// reads a majority has now confirmed.
func (p *Peer) ackReadRound(pr *progress, r uint64) {
	if r <= pr.readAck {
		return
	}
	pr.readAck = r
	// The round a majority has answered; our own answer is the round we sent last.
	confirmed := p.majorityReached(func(i int, other *progress) uint64 {
		if i == p.self {
			return p.reads.round
		}
		return other.readAck
	})
	p.confirmReads(confirmed)
}

func (p *Peer) confirmReads(confirmed uint64) {
	n := 0
	for n < len(p.reads.pending) && p.reads.pending[n].round <= confirmed {
		rq := p.reads.pending[n]
		p.readStates = append(p.readStates, ReadState{RequestID: rq.id, Index: rq.index})
		p.emit(Event{Kind: EventReadConfirmed, Index: rq.index})
		n++
	}
	if n > 0 {
		p.reads.pending = append(p.reads.pending[:0], p.reads.pending[n:]...)
	}
}

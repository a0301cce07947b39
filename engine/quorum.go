package engine

import (
	"fmt"
	"slices"
)

// The leader asks "what has a majority reached?" twice: the highest index stored on a
// majority (the commit rule, §5.3 and §5.4.2) and the latest heartbeat round a majority
// has answered (ReadIndex, thesis §6.4). Both are the same computation over one value
// per voter, done here once.

// quorumValue returns the highest value that at least quorum of vals have reached: the
// quorum-th largest. For example, with match indices [5 9 7] and a quorum of 2 it
// returns 7, since two voters (those at 9 and 7) hold index 7 and no two hold 8.
//
// It sorts vals in place and allocates nothing. quorum must be in [1, len(vals)]; any
// other value is a broken invariant of the caller and panics.
func quorumValue(vals []uint64, quorum int) uint64 {
	if quorum < 1 || quorum > len(vals) {
		panic(fmt.Sprintf("engine: broken invariant: quorum %d of %d values", quorum, len(vals)))
	}
	slices.Sort(vals)
	return vals[len(vals)-quorum]
}

// majorityReached returns the highest value that a majority of the voters have
// reached, where value gives the value of the voter at position i in p.voters. The
// values are gathered in p.quorumBuf, sized for the voters when the peer is created,
// so that no cluster size makes the leader allocate on this path.
func (p *Peer) majorityReached(value func(i int, pr *progress) uint64) uint64 {
	vals := p.quorumBuf[:0]
	for i, pr := range p.progress {
		vals = append(vals, value(i, pr))
	}
	return quorumValue(vals, p.quorum())
}

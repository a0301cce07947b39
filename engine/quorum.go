package engine

import (
	"fmt"
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
	// An insertion sort: vals holds one value per voter, a handful, and a generic
	// slices.Sort would add its own copy of pdqsort to the wasm (see sortIDs).
	for i := 1; i < len(vals); i++ {
		for j := i; j > 0 && vals[j] < vals[j-1]; j-- {
			vals[j], vals[j-1] = vals[j-1], vals[j]
		}
	}
	return vals[len(vals)-quorum]
}

// jointQuorumValue returns the highest value that a majority of the members at the
// positions incoming have reached and, when outgoing is not empty, a majority of those
// at the positions outgoing too: the smaller of the two quorumValues. That is the
// joint consensus rule of §6: while the configuration is C_old,new, an entry is
// committed (or an election won) only with separate majorities of C_old and of C_new.
// For example, with match indices [9 9 4 4 9] for members 1..5, C_new = {1 2 3} and
// C_old = {3 4 5}, C_new has reached 9 (members 1 and 2) but C_old only 4 (members 3 and
// 4): the joint value is 4.
//
// An empty incoming set has reached nothing (0): a configuration without voters
// decides nothing. scratch needs room for len(vals) values; nothing is allocated.
func jointQuorumValue(vals []uint64, incoming, outgoing []int, scratch []uint64) uint64 {
	if len(incoming) == 0 {
		return 0
	}
	reached := quorumValue(gather(vals, incoming, scratch), len(incoming)/2+1)
	if len(outgoing) > 0 {
		reached = min(reached, quorumValue(gather(vals, outgoing, scratch), len(outgoing)/2+1))
	}
	return reached
}

// gather copies the values at positions into scratch and returns them.
func gather(vals []uint64, positions []int, scratch []uint64) []uint64 {
	out := scratch[:0]
	for _, i := range positions {
		out = append(out, vals[i])
	}
	return out
}

// majorityReached returns the highest value that a majority of the voters have
// reached, where value gives the value of the member at position i in p.members: with
// a joint configuration, a majority of each of its two voter sets (§6). Learners, and
// ourselves when we are not a voter, are never counted. The values are gathered in
// p.quorumBuf, sized for the members when the configuration changes, so that no
// cluster size makes the leader allocate on this path.
func (p *Peer) majorityReached(value func(i int, pr *progress) uint64) uint64 {
	n := len(p.progress)
	vals := p.quorumBuf[:n]
	for i, pr := range p.progress {
		vals[i] = value(i, pr)
	}
	return jointQuorumValue(vals, p.incoming, p.outgoing, p.quorumBuf[n:2*n])
}

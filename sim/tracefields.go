package sim

import (
	"slices"
)

// Structured fields of the simulator's own trace events, so that a reader of the trace
// (the page's narration, a lesson check) never parses a sentence.

// dropCause says why a message was dropped or lost: TraceEvent.Cause.
type dropCause uint8

const (
	causeNone dropCause = iota
	causeOutside
	causeLinkCut
	causeNetwork
	causeAction
	causePeerDown
	causePeerRestarted
	causeSenderCrashed
)

var dropCauseNames = [...]string{"", "outside-cluster", "link-cut", "network", "action", "peer-down",
	"peer-restarted", "sender-crashed"}

// DropCauses lists the causes a drop or lost event can give (TraceEvent.Cause): the
// recipient is outside the cluster, the link is cut, the network lost it (the drop
// rate), an action dropped it, the recipient is down or restarted since it was sent,
// or its sender crashed since.
func DropCauses() []string { return slices.Clone(dropCauseNames[1:]) }

func (c dropCause) String() string { return dropCauseNames[c] }

// A partition's sides travel in the record's id, which a partition event does not
// otherwise use: four bits a peer (ids 1..MaxPeers), holding its side's position plus
// one, 0 for a peer the action put in no side.
const groupBits = 4

// The sides of MaxPeers peers fit in one word: this fails to compile otherwise.
var _ [64 - MaxPeers*groupBits]struct{}

// packGroups packs valid partition sides (checkGroups passed: ids 1..MaxPeers, each in
// one side at most, fewer than 15 sides) into a word.
func packGroups(groups [][]uint64) uint64 {
	var w uint64
	for i, g := range groups {
		for _, id := range g {
			w |= uint64(i+1) << ((id - 1) * groupBits)
		}
	}
	return w
}

// unpackGroups is the inverse of packGroups, each side's ids in ascending order.
func unpackGroups(w uint64) [][]uint64 {
	var groups [][]uint64
	for id := uint64(1); id <= MaxPeers; id++ {
		side := int(w >> ((id - 1) * groupBits) & (1<<groupBits - 1))
		if side == 0 {
			continue
		}
		for len(groups) < side {
			groups = append(groups, nil)
		}
		groups[side-1] = append(groups[side-1], id)
	}
	return groups
}

package engine

import (
	"errors"
	"fmt"
)

// ErrUnavailable is returned by Storage when asked for an index it does not hold.
var ErrUnavailable = errors.New("requested entry is not in storage")

// Storage is the read side of a peer's durable state, as the engine sees it. The engine
// only reads through it; writes go through LogStore.Save, called by the driver with the
// contents of each Ready. Everything Storage returns must have been saved, and the
// engine never modifies what it is given.
//
// Without a snapshot the log begins at index 1. A Storage that also implements
// SnapshotStorage may hold a snapshot of a log prefix (§7) and the entries after it;
// see there for what Term and Entries return around it.
type Storage interface {
	// InitialState returns the HardState and ConfState saved last.
	InitialState() (HardState, ConfState, error)
	// LastIndex returns the index of the last saved entry, 0 for an empty log.
	LastIndex() (uint64, error)
	// Term returns the term of the entry at index i; Term(0) is 0.
	// It returns ErrUnavailable when i > LastIndex() (and ErrCompacted below a
	// snapshot's index, see SnapshotStorage).
	Term(i uint64) (uint64, error)
	// Entries returns the entries in [lo, hi), at least one if lo < hi, and no more
	// than maxBytes of commands beyond the first. It returns ErrUnavailable if the range
	// is outside the log.
	Entries(lo, hi, maxBytes uint64) ([]Entry, error)
}

// LogStore is a Storage that the driver also writes to.
type LogStore interface {
	Storage
	// Save durably records the HardState and entries of one Ready as one atomic step:
	// after a crash either both are there or neither is. Entries may begin at or below
	// the current last index; the saved log then ends with them (a conflicting suffix
	// is truncated). An empty HardState leaves the saved one unchanged. When sync is
	// false the write may be lost in a crash.
	Save(hs HardState, entries []Entry, sync bool) error
}

// CheckAppend checks a batch of entries a LogStore is asked to save after a log whose
// last index is lastIndex, where termAt(i) gives the term of entry i <= lastIndex:
// the batch must start within or just after the log (no gap, never at index 0), its
// indices must be contiguous, and its terms nonzero and never below the term of the
// entry before. Stores call it before they write anything.
func CheckAppend(lastIndex uint64, termAt func(uint64) uint64, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	first, last := entries[0].Index, entries[len(entries)-1].Index
	switch {
	case first == 0:
		return fmt.Errorf("entries 0..%d: the log starts at index 1", last)
	case first > lastIndex+1:
		return fmt.Errorf("entries %d..%d: would leave a gap after the last index %d", first, last, lastIndex)
	}
	var prevTerm uint64
	if first > 1 {
		prevTerm = termAt(first - 1)
	}
	for i := range entries {
		e := &entries[i]
		if i > 0 && e.Index != entries[i-1].Index+1 {
			return fmt.Errorf("entry index %d follows index %d; indices must be contiguous", e.Index, entries[i-1].Index)
		}
		if e.Term == 0 {
			return fmt.Errorf("entry %d has term 0; terms start at 1", e.Index)
		}
		if e.Term < prevTerm {
			return fmt.Errorf("entry %d has term %d, below the term %d of the entry before it", e.Index, e.Term, prevTerm)
		}
		prevTerm = e.Term
	}
	return nil
}

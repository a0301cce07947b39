package engine

import "fmt"

// raftLog is a peer's log as the engine sees it: a snapshot of the prefix up to
// snapIndex (§7; none when snapIndex is 0), the durable entries in Storage after it,
// then the unstable part, entries accepted since the last Ready that the driver has
// not yet saved.
//
//	snapshot:  1 .. snapIndex                 (compacted; only snapIndex's term is known)
//	storage:   snapIndex+1 .. stableLast      (durable)
//	unstable:  offset .. offset+len(unstable)-1 (to save with the next Ready)
//
// offset <= stableLast+1: when offset <= stableLast the next Save truncates the durable
// suffix from offset on (a conflict was found, §5.3). offset > snapIndex.
//
// Invariant: snapIndex <= applied <= committed <= lastIndex(), except that applied
// lags a snapshot received from a leader until the Ready that carries it is advanced.
type raftLog struct {
	storage  Storage
	unstable []Entry
	offset   uint64 // index of unstable[0]; stableLast+1 when unstable is empty

	// snapIndex and snapTerm are the last index and term the snapshot covers: what the
	// consistency check needs for the entry after it (§7).
	snapIndex uint64
	snapTerm  uint64

	// committed is the highest index known to be committed (commitIndex).
	committed uint64
	// applied is the highest index handed to the state machine (lastApplied).
	applied uint64
}

func newRaftLog(storage Storage, committed uint64) (*raftLog, error) {
	last, err := storage.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("engine: read last index from storage: %w", err)
	}
	l := &raftLog{storage: storage, offset: last + 1}
	if ss, ok := storage.(SnapshotStorage); ok {
		snap, err := ss.Snapshot()
		if err != nil {
			return nil, fmt.Errorf("engine: read snapshot from storage: %w", err)
		}
		if snap.Meta.Index > last {
			return nil, fmt.Errorf("engine: stored snapshot at %d is beyond the last stored index %d", snap.Meta.Index, last)
		}
		// The application restores its state machine from the snapshot on restart, so
		// the snapshot's index is applied, and committed (§7).
		l.snapIndex, l.snapTerm = snap.Meta.Index, snap.Meta.Term
		l.applied = snap.Meta.Index
		committed = max(committed, snap.Meta.Index)
	}
	if committed > last {
		return nil, fmt.Errorf("engine: stored commit index %d is beyond the last stored entry %d", committed, last)
	}
	l.committed = committed
	return l, nil
}

// firstIndex is the index of the first entry the log holds after its snapshot.
func (l *raftLog) firstIndex() uint64 { return l.snapIndex + 1 }

// lastIndex is the index of the last entry, durable or not.
func (l *raftLog) lastIndex() uint64 {
	if n := len(l.unstable); n > 0 {
		return l.offset + uint64(n) - 1
	}
	return l.offset - 1
}

func (l *raftLog) lastTerm() uint64 { return l.term(l.lastIndex()) }

// term returns the term of the entry at i, or 0 when i is 0, beyond the log, or below
// the snapshot's index (whose own term is known, §7). Terms never decrease along a
// log, so the 0 of a compacted entry keeps the binary searches below correct.
func (l *raftLog) term(i uint64) uint64 {
	if i == 0 || i > l.lastIndex() || i < l.snapIndex {
		return 0
	}
	if i == l.snapIndex {
		return l.snapTerm
	}
	if i >= l.offset {
		return l.unstable[i-l.offset].Term
	}
	t, err := l.storage.Term(i)
	if err != nil {
		panic(fmt.Sprintf("engine: broken invariant: storage lost the term of entry %d below the stable end %d: %v", i, l.offset-1, err))
	}
	return t
}

func (l *raftLog) matchTerm(i, term uint64) bool {
	if i > l.lastIndex() {
		return false
	}
	return l.term(i) == term
}

// isUpToDate is the §5.4.1 comparison: a log whose last entry has the higher term is more
// up-to-date; with equal last terms, the longer log is.
func (l *raftLog) isUpToDate(lastIndex, lastTerm uint64) bool {
	ourTerm := l.lastTerm()
	return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= l.lastIndex())
}

// append adds entries at the end; they must follow the last index.
func (l *raftLog) append(ents ...Entry) {
	if len(ents) == 0 {
		return
	}
	if want := l.lastIndex() + 1; ents[0].Index != want {
		panic(fmt.Sprintf("engine: broken invariant: appending index %d after last index %d", ents[0].Index, want-1))
	}
	l.grow(len(ents))
	l.unstable = append(l.unstable, ents...)
}

// grow makes room for n more unstable entries. stableTo leaves the slice at the end of
// its array, so without spare room every Ready would allocate a new one.
func (l *raftLog) grow(n int) {
	if len(l.unstable)+n <= cap(l.unstable) {
		return
	}
	fresh := make([]Entry, len(l.unstable), max(2*(len(l.unstable)+n), 256))
	copy(fresh, l.unstable)
	l.unstable = fresh
}

// truncateAndAppend replaces the log from ents[0].Index on with ents. Messages already
// handed out may still point into the unstable array, so a truncation never writes over
// it: the kept prefix is copied into a fresh array.
func (l *raftLog) truncateAndAppend(ents []Entry) {
	first := ents[0].Index
	switch {
	case first == l.lastIndex()+1:
		l.grow(len(ents))
		l.unstable = append(l.unstable, ents...)
	case first <= l.offset:
		// The whole unstable part goes, and maybe part of the durable log too: the next
		// Save starts at first and so truncates storage.
		if first <= l.committed {
			panic(fmt.Sprintf("engine: broken invariant: truncating from %d below commit index %d", first, l.committed))
		}
		l.offset = first
		l.unstable = append([]Entry(nil), ents...)
	default:
		kept := l.unstable[:first-l.offset]
		fresh := make([]Entry, 0, len(kept)+len(ents))
		l.unstable = append(append(fresh, kept...), ents...)
	}
}

// slice returns the entries in [lo, hi), at most maxBytes of commands beyond the first.
// The result never spans storage and the unstable part: it stops where storage ends, so
// that no copying is needed; callers ask again for the rest.
func (l *raftLog) slice(lo, hi, maxBytes uint64) []Entry {
	if lo >= hi {
		return nil
	}
	if lo <= l.snapIndex {
		panic(fmt.Sprintf("engine: broken invariant: entries from %d asked for, but the log is compacted up to %d", lo, l.snapIndex))
	}
	if lo >= l.offset {
		ents := l.unstable[lo-l.offset : hi-l.offset]
		return LimitSize(ents, maxBytes)
	}
	end := min(hi, l.offset)
	ents, err := l.storage.Entries(lo, end, maxBytes)
	if err != nil {
		panic(fmt.Sprintf("engine: broken invariant: storage cannot return entries [%d, %d) below the stable end %d: %v", lo, end, l.offset-1, err))
	}
	return ents
}

// LimitSize returns the longest prefix of ents whose Command bytes stay within
// maxBytes, but at least one entry: what Storage.Entries returns. The result's capacity
// is its length, so a caller appending to it never writes into the array behind ents.
func LimitSize(ents []Entry, maxBytes uint64) []Entry {
	if len(ents) == 0 {
		return ents
	}
	size := uint64(len(ents[0].Command))
	for i := 1; i < len(ents); i++ {
		size += uint64(len(ents[i].Command))
		if size > maxBytes {
			return ents[:i:i]
		}
	}
	return ents[:len(ents):len(ents)]
}

// findConflict returns the index of the first entry in ents that is not in our log (a
// different term at that index, or past the end), or 0 if all of them are.
func (l *raftLog) findConflict(ents []Entry) uint64 {
	for i := range ents {
		if !l.matchTerm(ents[i].Index, ents[i].Term) {
			return ents[i].Index
		}
	}
	return 0
}

// firstIndexAtLeastTerm returns the first index in [1, hi) whose term is at least term,
// or hi when there is none. Terms never decrease along a log, so a binary search works.
func (l *raftLog) firstIndexAtLeastTerm(term, hi uint64) uint64 {
	lo := uint64(1)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if l.term(mid) >= term {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// commitTo raises the commit index; it never lowers it.
func (l *raftLog) commitTo(i uint64) bool {
	if i <= l.committed {
		return false
	}
	if i > l.lastIndex() {
		panic(fmt.Sprintf("engine: broken invariant: commit index %d beyond last index %d", i, l.lastIndex()))
	}
	l.committed = i
	return true
}

// stableTo records that the driver saved every unstable entry.
func (l *raftLog) stableTo(last uint64) {
	if last != l.lastIndex() {
		panic(fmt.Sprintf("engine: broken invariant: stable to %d but last index is %d", last, l.lastIndex()))
	}
	// Slice forward instead of reusing from the start: messages handed out with the last
	// Ready may still point at these entries.
	l.unstable = l.unstable[len(l.unstable):]
	l.offset = last + 1
}

// stableLast is the index of the last durable entry.
func (l *raftLog) stableLast() uint64 { return l.offset - 1 }

// restore replaces the log up to meta.Index with a snapshot received from the leader
// (§7). If the log holds the snapshot's last entry (same index and term), the entries
// after it are kept: they follow the snapshot in the leader's log too (Log Matching).
// Otherwise the whole log is discarded. It reports whether a suffix was kept. The
// commit index moves to the snapshot's index; the caller checked that this is forward.
func (l *raftLog) restore(meta SnapshotMeta) (keptSuffix bool) {
	keptSuffix = meta.Index < l.lastIndex() && l.matchTerm(meta.Index, meta.Term)
	switch {
	case !keptSuffix:
		// The next Save starts after the snapshot: SaveSnapshot already emptied the
		// store's log (the same §7 rule, applied to the same log).
		l.unstable = nil
		l.offset = meta.Index + 1
	case l.offset <= meta.Index:
		// Unstable entries the snapshot covers are dropped; the rest stay unstable.
		kept := l.unstable[meta.Index+1-l.offset:]
		l.unstable = append([]Entry(nil), kept...)
		l.offset = meta.Index + 1
	}
	l.snapIndex, l.snapTerm = meta.Index, meta.Term
	l.committed = meta.Index
	return keptSuffix
}

// lastConfEntry returns the latest configuration entry (EntryConfChange) in [lo, hi],
// reading the log backwards a chunk at a time, and false when there is none. It runs
// on a restart and on a roll-back (§6), not on any hot path.
func (l *raftLog) lastConfEntry(lo, hi uint64) (Entry, bool) {
	const chunk = 64
	lo = max(lo, l.snapIndex+1)
	hi = min(hi, l.lastIndex())
	var ents []Entry
	for lo <= hi {
		start := lo
		if hi-lo >= chunk {
			start = hi - chunk + 1
		}
		ents = ents[:0]
		for next := start; next <= hi; {
			part := l.slice(next, hi+1, noLimit) // stops where storage ends
			ents = append(ents, part...)
			next += uint64(len(part))
		}
		for j := len(ents) - 1; j >= 0; j-- {
			if ents[j].Type == EntryConfChange {
				return ents[j], true
			}
		}
		hi = start - 1
	}
	return Entry{}, false
}

// Package memstore keeps a peer's durable state in memory: the engine.LogStore used by
// the simulator, the browser playground and tests.
//
// It models a disk well enough to show what fsync is for. A Save with sync=false is
// written but not yet durable; Crash loses every such write since the last synced Save,
// exactly as a machine that loses power loses the unflushed tail of its files. A synced
// Save makes itself and every earlier write durable, like an fsync of an append-only
// file.
//
// # Memory model
//
// The log lives in one slice whose elements are never written again once they are part
// of the log. Appends write only past the end; a truncation (a Save whose first entry is
// at or below the last index, §5.3) copies the kept prefix into a fresh array, as etcd's
// MemoryStorage does. So every slice the store ever hands out (from Entries, Log, or
// inside a Clone) is a snapshot that later writes cannot change, even while it sits in a
// message in flight. The same property makes the crash model cheap: the durable state
// is just the slice header saved at the last sync, and Crash puts it back in O(1).
//
// # Snapshots
//
// The store keeps at most one snapshot (§7), and the log after it: SaveSnapshot
// replaces the log prefix the snapshot covers, as engine.SnapshotLogStore describes. A
// snapshot is durable at once, like a file written, synced and renamed into place, and
// the sync makes every earlier write durable too. A store that never saves a snapshot
// behaves exactly as before: its log starts at index 1.
//
// A Store is not safe for concurrent use; drive it from one goroutine (the simulator,
// the playground and the bench harness all do).
package memstore

import (
	"fmt"

	"github.com/raftplay/raftplay/engine"
)

// Store is an in-memory engine.LogStore with a crash model. The zero value is not
// usable; call New or NewWithState.
type Store struct {
	hardState engine.HardState
	confState engine.ConfState
	// snapshot covers the log up to snapshot.Meta.Index (0: no snapshot).
	snapshot engine.Snapshot
	// log holds the entry with index i at log[i-first], first = snapshot.Meta.Index+1.
	// Invariant: elements in log[:len(log)] are never overwritten, and no other slice
	// header reaches the elements past len(log) in its array.
	log []engine.Entry

	// durable is what survives a Crash: the state as of the last synced Save.
	durable struct {
		hardState engine.HardState
		snapshot  engine.Snapshot
		log       []engine.Entry
	}
	// unsynced counts the Saves that changed something since the last synced one.
	unsynced int
}

var _ engine.SnapshotLogStore = (*Store)(nil)

// first is the index of log[0].
func (s *Store) first() uint64 { return s.snapshot.Meta.Index + 1 }

// lastIndex is the index of the last entry, or the snapshot's index.
func (s *Store) lastIndex() uint64 { return s.snapshot.Meta.Index + uint64(len(s.log)) }

// New returns an empty store whose ConfState is cs: a peer that has never run. The
// store keeps its own copy of cs. An empty cs is a server that joins an existing cluster:
// it learns the configuration from the leader's entries or snapshot (§6).
func New(cs engine.ConfState) *Store {
	return &Store{confState: cloneConfState(cs)}
}

// NewWithState returns a store that already holds hs and entries, all durable, for
// scenarios that start from a given state (such as the logs of Figures 7 and 8 of the
// Raft paper). The entries must start at index 1, be contiguous, have nonzero terms that
// never decrease, and hs.Commit must not exceed the last index. The store copies the
// entry slice and cs; the Command and Context bytes are shared and must not be
// modified afterwards.
func NewWithState(hs engine.HardState, cs engine.ConfState, entries []engine.Entry) (*Store, error) {
	if len(entries) > 0 && entries[0].Index != 1 {
		return nil, fmt.Errorf("memstore: preset log must start at index 1, starts at %d", entries[0].Index)
	}
	if err := engine.CheckAppend(0, nil, entries); err != nil {
		return nil, fmt.Errorf("memstore: preset log: %w", err)
	}
	if last := uint64(len(entries)); hs.Commit > last {
		return nil, fmt.Errorf("memstore: preset commit index %d is beyond the last index %d", hs.Commit, last)
	}
	s := New(cs)
	s.hardState = hs
	s.log = append([]engine.Entry(nil), entries...)
	s.markDurable()
	return s, nil
}

// InitialState returns the saved HardState and the ConfState (with a snapshot, the one
// it holds): the configuration as of the start of the log; later ones are in the log's
// configuration entries (§6). Callers must not modify the returned slices.
func (s *Store) InitialState() (engine.HardState, engine.ConfState, error) {
	return s.hardState, s.confState, nil
}

// LastIndex returns the index of the last saved entry, 0 for an empty log; with a
// snapshot and no entry after it, the snapshot's index.
func (s *Store) LastIndex() (uint64, error) {
	return s.lastIndex(), nil
}

// FirstIndex returns the index of the first entry the log holds: 1, or the snapshot's
// index + 1.
func (s *Store) FirstIndex() (uint64, error) { return s.first(), nil }

// Snapshot returns the saved snapshot, or the empty one. Its Data is shared: do not
// modify it.
func (s *Store) Snapshot() (engine.Snapshot, error) { return s.snapshot, nil }

// Term returns the term of the entry at index i; Term(0) is 0, and Term of the
// snapshot's index is the snapshot's term. Beyond the last index it returns an error
// matching engine.ErrUnavailable, below the snapshot's index engine.ErrCompacted.
func (s *Store) Term(i uint64) (uint64, error) {
	snap := s.snapshot.Meta
	switch {
	case i == 0:
		return 0, nil
	case i == snap.Index:
		return snap.Term, nil
	case i < snap.Index:
		return 0, fmt.Errorf("memstore: term of entry %d: %w (snapshot up to %d)", i, engine.ErrCompacted, snap.Index)
	case i > s.lastIndex():
		return 0, fmt.Errorf("memstore: term of entry %d: %w (last index %d)", i, engine.ErrUnavailable, s.lastIndex())
	}
	return s.log[i-s.first()].Term, nil
}

// Entries returns the entries in [lo, hi): the first one always, then as many more as
// keep the total Command bytes within maxBytes. A range beyond LastIndex()+1 returns an
// error matching engine.ErrUnavailable, one that starts below FirstIndex() one matching
// engine.ErrCompacted. The result is a read-only snapshot
// that later writes do not change; its capacity is its length, so appending to it
// copies.
func (s *Store) Entries(lo, hi, maxBytes uint64) ([]engine.Entry, error) {
	if lo > hi {
		return nil, fmt.Errorf("memstore: entries [%d, %d): lo is above hi", lo, hi)
	}
	first := s.first()
	if lo == 0 || hi > s.lastIndex()+1 {
		return nil, fmt.Errorf("memstore: entries [%d, %d): %w (log holds [%d, %d])", lo, hi, engine.ErrUnavailable, first, s.lastIndex())
	}
	if lo < first {
		return nil, fmt.Errorf("memstore: entries [%d, %d): %w (snapshot up to %d)", lo, hi, engine.ErrCompacted, first-1)
	}
	if lo == hi {
		return nil, nil
	}
	ents := s.log[lo-first : hi-first : hi-first]
	return engine.LimitSize(ents, maxBytes), nil
}

// Save records hs (unless it is empty) and entries as one step. If the first entry's
// index is at or below the last index, the log from that index on is replaced
// (truncation); a first index beyond LastIndex()+1 would leave a gap and is an error, as
// are entries that are not contiguous or whose terms decrease. On error nothing is
// changed. When sync is false the write is lost by a later Crash unless a synced Save
// comes first.
//
// Save copies the Entry values but not their Command and Context bytes: the caller must
// not modify those afterwards (the engine never does). It does not hold the HardState
// to the protocol's rules (commit within the log, terms never going back): lessons
// break those on purpose, and the simulator's invariant checks are what report them.
func (s *Store) Save(hs engine.HardState, entries []engine.Entry, sync bool) error {
	if len(entries) > 0 {
		if first := s.first(); entries[0].Index != 0 && entries[0].Index < first {
			return fmt.Errorf("memstore: save: entries %d..%d: would rewrite entries the snapshot up to %d covers", entries[0].Index, entries[len(entries)-1].Index, first-1)
		}
		termAt := func(i uint64) uint64 { t, _ := s.Term(i); return t }
		if err := engine.CheckAppend(s.lastIndex(), termAt, entries); err != nil {
			return fmt.Errorf("memstore: save: %w", err)
		}
		if entries[0].Index <= s.lastIndex() {
			s.truncateAndAppend(entries)
		} else {
			s.appendEntries(entries)
		}
	}
	if !hs.IsEmpty() {
		s.hardState = hs
	}
	switch {
	case sync:
		s.markDurable()
	case len(entries) > 0 || !hs.IsEmpty():
		s.unsynced++
	}
	return nil
}

// appendEntries appends past the end of the log, in place when the array has room.
// It doubles the array when it grows it: append's gentler growth for large slices
// copies every entry several more times over the life of a long log.
func (s *Store) appendEntries(entries []engine.Entry) {
	n := len(s.log) + len(entries)
	if n > cap(s.log) {
		grown := make([]engine.Entry, len(s.log), max(2*cap(s.log), n, 64))
		copy(grown, s.log)
		s.log = grown
	}
	s.log = append(s.log, entries...)
}

// truncateAndAppend replaces the log from entries[0].Index on. The kept prefix moves to a
// fresh array so that slices handed out earlier keep their contents.
func (s *Store) truncateAndAppend(entries []engine.Entry) {
	kept := entries[0].Index - s.first()
	n := int(kept) + len(entries)
	log := make([]engine.Entry, n, n+n/2+16)
	copy(log, s.log[:kept])
	copy(log[kept:], entries)
	s.log = log
}

// markDurable makes the current state the one that survives a crash.
func (s *Store) markDurable() {
	s.durable.hardState = s.hardState
	s.durable.snapshot = s.snapshot
	s.durable.log = s.log
	s.unsynced = 0
}

// Crash loses every write saved with sync=false since the last synced Save, as a power
// failure would. Reads afterwards see the durable state. Slices handed out before the
// crash keep their contents.
func (s *Store) Crash() {
	s.hardState = s.durable.hardState
	s.snapshot = s.durable.snapshot
	// Cap the capacity: the elements past the durable end may be in slices handed out
	// before the crash, so the next append must not write over them.
	n := len(s.durable.log)
	s.log = s.durable.log[:n:n]
	s.unsynced = 0
}

// UnsyncedWrites returns the number of Saves since the last synced one that a Crash
// would lose (Saves that changed nothing are not counted).
func (s *Store) UnsyncedWrites() int { return s.unsynced }

// HardState returns the HardState saved last, durable or not.
func (s *Store) HardState() engine.HardState { return s.hardState }

// ConfState returns the ConfState as of the start of the log (see InitialState).
// Callers must not modify its slices.
func (s *Store) ConfState() engine.ConfState { return s.confState }

// SaveSnapshot records snap as the store's snapshot and drops the log it covers (§7):
// if the log holds an entry at snap.Meta.Index with term snap.Meta.Term, the entries
// after it stay; otherwise the whole log goes. The ConfState becomes the snapshot's. A
// snapshot not past the saved one, or without voters, is an error and changes
// nothing. The snapshot is durable when SaveSnapshot returns, and so is every earlier
// write (see the package comment). The store keeps snap.Data without copying it: the
// caller must not modify it afterwards.
func (s *Store) SaveSnapshot(snap engine.Snapshot) error {
	meta := snap.Meta
	switch {
	case meta.Index <= s.snapshot.Meta.Index:
		return fmt.Errorf("memstore: save snapshot %d@%d: not past the saved snapshot at %d", meta.Index, meta.Term, s.snapshot.Meta.Index)
	case meta.Term == 0:
		return fmt.Errorf("memstore: save snapshot %d@%d: term 0; terms start at 1", meta.Index, meta.Term)
	case len(meta.ConfState.Voters) == 0:
		return fmt.Errorf("memstore: save snapshot %d@%d: no voters in its ConfState", meta.Index, meta.Term)
	}
	var kept []engine.Entry
	if meta.Index < s.lastIndex() {
		if t, _ := s.Term(meta.Index); t == meta.Term {
			// Slicing keeps the elements in place: they are never overwritten.
			rest := s.log[meta.Index+1-s.first():]
			kept = rest[:len(rest):len(rest)]
		}
	}
	s.snapshot = engine.Snapshot{Meta: engine.SnapshotMeta{Index: meta.Index, Term: meta.Term, ConfState: cloneConfState(meta.ConfState)}, Data: snap.Data}
	s.confState = cloneConfState(meta.ConfState)
	s.log = kept
	s.markDurable()
	return nil
}

// Log returns the log after the snapshot (the whole log without one), durable or not:
// entry FirstIndex()+k at position k. It is a read-only
// view, not a copy, but a stable one: later writes to the store never change it (see
// the package comment), so it can be kept as a snapshot. Do not modify it.
func (s *Store) Log() []engine.Entry {
	return s.log[:len(s.log):len(s.log)]
}

// Clone returns a store with the same state, durable and unsynced parts included. Later
// writes or crashes of either store do not affect the other. It is O(1): the two share
// the entries written so far, which are never overwritten.
func (s *Store) Clone() *Store {
	c := *s
	c.log = s.Log()
	return &c
}

func cloneConfState(cs engine.ConfState) engine.ConfState { return cs.Clone() }

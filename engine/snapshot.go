// Snapshots and log compaction (§7 of the Raft paper): the types, the storage a
// snapshot needs, and how the application takes one.

package engine

import (
	"errors"
	"fmt"
)

// ErrCompacted is returned by a SnapshotStorage asked for an entry, or the term of an
// entry, that a snapshot has replaced: an index below FirstIndex (for Term, below the
// snapshot's own index, whose term it still knows).
var ErrCompacted = errors.New("requested entry is compacted into a snapshot")

// SnapshotMeta says which log prefix a snapshot replaces (§7): everything up to and
// including Index, whose entry had term Term, and the configuration in force there.
// Index and Term are what the AppendEntries consistency check needs for the first
// entry after the snapshot; the ConfState is what a peer restarting from the snapshot
// needs to know its voters.
type SnapshotMeta struct {
	Index     uint64 // lastIncludedIndex
	Term      uint64 // lastIncludedTerm
	ConfState ConfState
}

// Snapshot is a state machine's state after applying every entry up to Meta.Index,
// as bytes only the application understands.
type Snapshot struct {
	Meta SnapshotMeta
	Data []byte
}

// IsEmpty reports whether s is the zero Snapshot: no snapshot.
func (s *Snapshot) IsEmpty() bool { return s.Meta.Index == 0 }

// String is a short text form, "snapshot 5@2 voters=[1 2 3] 12B" (with learners and
// outgoing voters as ConfState.String writes them).
func (s *Snapshot) String() string {
	return fmt.Sprintf("snapshot %d@%d %s %dB", s.Meta.Index, s.Meta.Term, s.Meta.ConfState, len(s.Data))
}

// SnapshotStorage is a Storage whose log may begin after a snapshot. A Storage that
// does not implement it holds its whole log from index 1, and its peer neither takes
// nor installs snapshots.
//
// With a snapshot at index s (and term t) the log holds the entries s+1..LastIndex:
// FirstIndex is s+1, Term(s) is t, Term(i) for i < s and Entries below s+1 return
// ErrCompacted, and LastIndex is at least s.
type SnapshotStorage interface {
	Storage
	// FirstIndex returns the index of the first entry the log holds (or would hold):
	// the snapshot's index + 1, or 1 without a snapshot.
	FirstIndex() (uint64, error)
	// Snapshot returns the latest saved snapshot, or the empty Snapshot. The engine
	// never modifies its Data.
	Snapshot() (Snapshot, error)
}

// SnapshotLogStore is a LogStore that also keeps snapshots: what a driver needs to
// persist Ready.Snapshot.
type SnapshotLogStore interface {
	LogStore
	SnapshotStorage
	// SaveSnapshot durably records snap as the latest snapshot and drops the log it
	// covers, per §7: if the log holds an entry at snap.Meta.Index with term
	// snap.Meta.Term, the entries after it are kept (a snapshot taken locally always
	// matches); otherwise the whole log is discarded and the log then ends at the
	// snapshot. A snapshot at or below the saved one is an error and changes nothing.
	// When it returns, the snapshot is durable (it is synced).
	SaveSnapshot(snap Snapshot) error
}

// snapshotStorage returns the peer's storage as a SnapshotStorage, or nil.
func (p *Peer) snapshotStorage() SnapshotStorage {
	ss, _ := p.cfg.Storage.(SnapshotStorage)
	return ss
}

// TakeSnapshot tells the peer that the application has saved its state machine as of
// index (at or below the applied index) into data. The next Ready carries the snapshot
// (Ready.Snapshot, RestoreSnapshot false) for the driver to persist with
// SaveSnapshot; once that Ready is advanced, the log up to index is gone from the
// peer's view, and followers that need entries before it get the snapshot instead
// (InstallSnapshot, §7). The engine keeps data until then and does not modify it.
//
// It refuses, changing nothing, when index is above the applied index (a snapshot
// holds only applied, so committed, entries: §7), at or below the current snapshot,
// when the storage keeps no snapshots, or between Ready and Advance.
func (p *Peer) TakeSnapshot(index uint64, data []byte) error {
	switch {
	case p.handed.valid:
		return fmt.Errorf("engine: peer %d: TakeSnapshot at %d called between Ready and Advance", p.id, index)
	case p.snapshotStorage() == nil:
		return fmt.Errorf("engine: peer %d: snapshot at %d: the storage (%T) keeps no snapshots (it does not implement engine.SnapshotStorage)", p.id, index, p.cfg.Storage)
	case index > p.log.applied:
		return fmt.Errorf("engine: peer %d: snapshot at %d is beyond the applied index %d: a snapshot holds only applied entries (§7)", p.id, index, p.log.applied)
	case index <= p.log.snapIndex || (!p.pendingSnap.IsEmpty() && index <= p.pendingSnap.Meta.Index):
		return fmt.Errorf("engine: peer %d: snapshot at %d is not past the snapshot the log already starts with (index %d)", p.id, index, max(p.log.snapIndex, p.pendingSnap.Meta.Index))
	}
	term := p.log.term(index)
	// The configuration as of index: a later configuration entry is not in the
	// snapshot's prefix (§6, §7).
	cs, _, err := p.confAt(index)
	if err != nil {
		return fmt.Errorf("engine: peer %d: snapshot at %d: %w", p.id, index, err)
	}
	p.pendingSnap = Snapshot{Meta: SnapshotMeta{Index: index, Term: term, ConfState: cs.Clone()}, Data: data}
	p.restoreSnap = false
	p.emit(Event{Kind: EventSnapshotTaken, Index: index, LogTerm: term, LocalIndex: p.log.lastIndex()})
	return nil
}

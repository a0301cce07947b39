package filestore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/raftplay/raftplay/engine"
)

// Defaults for the Options fields left zero.
const (
	// DefaultCompactMinDeadBytes is the dead bytes below which a log is never
	// compacted automatically.
	DefaultCompactMinDeadBytes = 4 << 20
	// DefaultCompactDeadRatio is how many times the live bytes the dead bytes must
	// exceed before a log is compacted automatically.
	DefaultCompactDeadRatio = 1.0

	// maxKeptBuffer is the largest encoding buffer a Store keeps between Saves.
	maxKeptBuffer = 4 << 20
)

// Options configures Open.
type Options struct {
	// Voters is the ConfState a new store starts with (required then, unless Join).
	// For an existing store whose configuration is still the one it was created with
	// (no snapshot replaced it), it is checked against that one if not empty: opening
	// a node's directory with another voter set is an error, not a silent
	// reconfiguration. Later configurations live in the log and the snapshot (§6), so
	// a store with a snapshot is not checked.
	Voters []uint64
	// Join makes a new store start with no configuration: a server that joins an
	// existing cluster and learns its configuration from the leader's entries or
	// snapshot (§6). Voters must then be empty.
	Join bool
	// NoSync skips every fdatasync and directory fsync. Only for tests and benchmarks
	// that do not simulate power loss: a crash of the machine can then lose anything.
	NoSync bool
	// CompactMinDeadBytes: a Save compacts the log when its dead bytes (see Stats) are
	// at least this many and more than CompactDeadRatio times the live bytes. Zero
	// means DefaultCompactMinDeadBytes. A larger value compacts less often and lets the
	// file grow further; each compaction rewrites every live byte, so compacting only
	// when the dead bytes rival the live ones keeps its cost proportional to the bytes
	// written.
	CompactMinDeadBytes int64
	// CompactDeadRatio: see CompactMinDeadBytes. Zero means DefaultCompactDeadRatio.
	CompactDeadRatio float64
	// DisableAutoCompact stops Save from compacting; Compact still works.
	DisableAutoCompact bool
}

func (o Options) withDefaults() Options {
	if o.CompactMinDeadBytes == 0 {
		o.CompactMinDeadBytes = DefaultCompactMinDeadBytes
	}
	if o.CompactDeadRatio == 0 {
		o.CompactDeadRatio = DefaultCompactDeadRatio
	}
	return o
}

// Store is an engine.LogStore kept in a directory: an append-only log file and a
// state file (see the package comment). Every entry is also held in memory, so reads
// never touch the disk.
//
// A Store is not safe for concurrent use: one goroutine at a time may call its
// methods (a node calls them from its Ready loop).
type Store struct {
	fs   fileSystem
	dir  string
	opts Options

	conf engine.ConfState
	// state is the log and HardState as saved, durable or not. The slices Entries
	// hands out stay valid whatever is saved later (see entryIndex).
	state logState
	// snap is the snapshot the log follows (§7), empty without one; its Data is
	// shared with callers, never modified.
	snap engine.Snapshot

	generation uint64 // the current log file is logFileName(generation)
	seed       uint32 // checksum seed of the current log file
	file       file   // the current log file, open for writing
	size       int64  // its size: the offset of the next record
	unsynced   bool   // bytes were written to file since its last sync
	hsPending  bool   // state.hs holds a commit index not yet written (see Save)
	syncedSize int64  // the file's size at its last sync
	syncedLast uint64 // the last index at that sync

	// durable is the state file as last written: the high-water mark, term and vote
	// and the recovering flag it holds.
	durable stateFile

	unlock func() // releases the directory's lock (Open); nil without one

	buf         []byte // encoding buffer, reused by every Save
	compactions int
	snapshots   int
	// err is set when a write or sync failed. After that the file's contents are
	// unknown (a failed fsync may have dropped dirty pages), so every later Save
	// returns err and the store must be reopened, which re-reads what is on disk.
	err    error
	closed bool
}

var _ engine.SnapshotLogStore = (*Store)(nil)

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// Recovering reports whether the store lost entries its node may have acknowledged
// and the node has not caught up since (see RecoveryReport.Recovering).
func (s *Store) Recovering() bool { return s.durable.recovering }

// MarkRecovered records, durably, that the node has caught up from a leader after a
// loss (engine.EventRecovered): it may vote again after a restart.
func (s *Store) MarkRecovered() error {
	if err := s.writable(); err != nil {
		return err
	}
	if !s.durable.recovering {
		return nil
	}
	next := s.durable
	next.recovering, next.hwm = false, s.synced()
	if _, err := s.writeState(next); err != nil {
		return s.fail(fmt.Errorf("record the recovery in %s: %w", s.dir, err))
	}
	return nil
}

// Checkpoint raises the high-water mark in the state file to what the log holds,
// synced, if that grew since it was last written. The node calls it about once a
// second; entries synced since the last checkpoint are what a damaged tail can take
// undetected. It costs a state file write (three fsyncs), and nothing when the log
// did not grow.
func (s *Store) Checkpoint() error {
	if err := s.writable(); err != nil {
		return err
	}
	if s.syncedSize <= int64(s.durable.hwm.bytes) {
		return nil
	}
	next := s.durable
	next.hwm = s.synced()
	if _, err := s.writeState(next); err != nil {
		return s.fail(fmt.Errorf("record the high-water mark in %s: %w", s.dir, err))
	}
	return nil
}

// synced is the high-water mark of what the current log file holds, synced.
func (s *Store) synced() highWater {
	return highWater{bytes: uint64(s.syncedSize), index: s.syncedLast}
}

// InitialState returns the saved HardState and the ConfState. Callers must not modify
// the returned Voters slice.
func (s *Store) InitialState() (engine.HardState, engine.ConfState, error) {
	return s.state.hs, s.conf, nil
}

// LastIndex returns the index of the last saved entry, 0 for an empty log.
func (s *Store) LastIndex() (uint64, error) {
	return s.state.log.last(), nil
}

// Term returns the term of the entry at index i; Term(0) is 0, and the term of the
// snapshot's index is the snapshot's. Beyond the last index it returns an error
// matching engine.ErrUnavailable, below the snapshot's index one matching
// engine.ErrCompacted.
func (s *Store) Term(i uint64) (uint64, error) {
	if i == 0 {
		return 0, nil
	}
	log := &s.state.log
	if i < log.base {
		return 0, fmt.Errorf("filestore: term of entry %d: %w (the snapshot covers up to %d)", i, engine.ErrCompacted, log.base)
	}
	if last := log.last(); i > last {
		return 0, fmt.Errorf("filestore: term of entry %d: %w (last index %d)", i, engine.ErrUnavailable, last)
	}
	return log.term(i), nil
}

// FirstIndex returns the index of the first entry the log holds or would hold: the
// snapshot's index + 1, or 1 without a snapshot.
func (s *Store) FirstIndex() (uint64, error) { return s.state.log.base + 1, nil }

// Snapshot returns the saved snapshot, or the empty one. Its Data is shared: do not
// modify it.
func (s *Store) Snapshot() (engine.Snapshot, error) { return s.snap, nil }

// Entries returns the entries in [lo, hi): the first one always, then as many more as
// keep the total Command bytes within maxBytes. It may return fewer: the result stops
// at the end of a chunk of the in-memory index (every 4096 entries), and callers ask
// again for the rest, as the engine does. A range that starts at or below the
// snapshot's index returns an error matching engine.ErrCompacted, one past
// LastIndex()+1 (or starting at 0) one matching engine.ErrUnavailable. The result is a
// read-only view that later Saves do not change; its capacity is its length.
func (s *Store) Entries(lo, hi, maxBytes uint64) ([]engine.Entry, error) {
	log := &s.state.log
	last := log.last()
	if lo > hi {
		return nil, fmt.Errorf("filestore: entries [%d, %d): lo is above hi", lo, hi)
	}
	if lo == 0 || hi > last+1 {
		return nil, fmt.Errorf("filestore: entries [%d, %d): %w (log holds [%d, %d])", lo, hi, engine.ErrUnavailable, log.base+1, last)
	}
	if lo <= log.base {
		return nil, fmt.Errorf("filestore: entries [%d, %d): %w (the snapshot covers up to %d)", lo, hi, engine.ErrCompacted, log.base)
	}
	if lo == hi {
		return nil, nil
	}
	ents := s.state.log.span(lo, hi)
	return engine.LimitSize(ents, maxBytes), nil
}

// Save durably records hs (unless it is empty or unchanged) and entries as one record
// of the log, synced with one fdatasync when sync is true. A new term or vote is
// always synced, and then written to the state file as well (see the package
// documentation). Entries starting at or
// below the last index replace the log from there on (§5.3); a gap after the last
// index, indices that are not contiguous and terms that are zero or decrease are
// errors, and then nothing is written.
//
// Save keeps the Entry values but not copies of their Command and Context bytes: the
// caller must not modify those afterwards (the engine never does).
//
// When the dead bytes call for it (see Options), Save then compacts the log. An error
// from that says so; the entries were saved all the same, and since saving the same
// entries twice changes nothing, retrying is harmless. After a failed write or sync
// every Save fails until the store is reopened.
func (s *Store) Save(hs engine.HardState, entries []engine.Entry, sync bool) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.checkEntries(entries); err != nil {
		return err
	}
	withHS := !hs.IsEmpty() && hs != s.state.hs
	if withHS && len(entries) == 0 && !sync && hs.Term == s.state.hs.Term && hs.VotedFor == s.state.hs.VotedFor {
		// A commit-only change (the engine asks no sync for it) waits for the next
		// record instead of being written alone: unsynced records in a row can reach
		// the disk out of order in a power loss, leaving a hole before valid data that
		// Open would have to refuse as corruption. If it is lost, the commit index
		// comes back lower after a crash, which the engine allows.
		s.state.hs = hs
		s.hsPending = true
		return nil
	}
	if !withHS && s.hsPending && (len(entries) > 0 || sync) {
		hs, withHS = s.state.hs, true
	}
	if !withHS && len(entries) == 0 {
		if sync && s.unsynced {
			return s.syncFile()
		}
		return nil
	}

	s.buf = appendRecord(s.buf[:0], s.seed, withHS, hs, entries)
	if body := len(s.buf) - frameSize; body > maxRecordBody {
		return fmt.Errorf("filestore: save %d entries: the record would take %d bytes, more than the limit of %d", len(entries), body, maxRecordBody)
	}
	err, written := s.writeAt(s.buf, s.size), int64(len(s.buf))
	if cap(s.buf) > maxKeptBuffer {
		s.buf = nil // do not hold on to the memory of one huge batch
	}
	if err != nil {
		return err
	}
	s.size += written
	newVote := withHS && (hs.Term != s.durable.term || hs.VotedFor != s.durable.vote)
	if sync || newVote {
		if err := s.syncFile(); err != nil {
			return err
		}
	}
	if withHS {
		s.state.hs = hs
		s.hsPending = false
	}
	if len(entries) > 0 {
		s.appendEntries(entries)
	}
	if !s.unsynced {
		s.syncedLast = s.state.log.last()
	}
	if newVote {
		// A new term or vote goes to the state file as well, before any message that
		// depends on it: a log that loses its tail must not take them back with it.
		next := s.durable
		next.term, next.vote, next.hwm = hs.Term, hs.VotedFor, s.synced()
		if _, err := s.writeState(next); err != nil {
			return s.fail(fmt.Errorf("record term %d and vote %d in the state file of %s: %w", hs.Term, hs.VotedFor, s.dir, err))
		}
	}
	if s.compactionDue() {
		if err := s.Compact(); err != nil {
			return fmt.Errorf("filestore: the save succeeded, but the compaction after it failed: %w", err)
		}
	}
	return nil
}

// checkEntries applies Save's rules to a batch before anything is written.
func (s *Store) checkEntries(entries []engine.Entry) error {
	log := &s.state.log
	if len(entries) > 0 && log.base > 0 && entries[0].Index <= log.base {
		return fmt.Errorf("filestore: save: entries %d..%d: the snapshot at %d covers them", entries[0].Index, entries[len(entries)-1].Index, log.base)
	}
	if err := engine.CheckAppend(log.last(), log.term, entries); err != nil {
		return fmt.Errorf("filestore: save: %w", err)
	}
	return nil
}

// appendEntries adds a checked batch to the in-memory log, truncating first if it
// starts at or below the last index.
func (s *Store) appendEntries(entries []engine.Entry) {
	log := &s.state.log
	if kept := entries[0].Index - 1; kept < log.last() {
		s.state.entryBytes -= log.size(kept+1, log.last()+1)
		log.truncateAfter(kept)
	}
	log.append(entries)
	s.state.entryBytes += entriesSize(entries)
}

// compactionDue reports whether the dead bytes call for an automatic compaction.
func (s *Store) compactionDue() bool {
	if s.opts.DisableAutoCompact {
		return false
	}
	live, dead := s.liveBytes(), s.deadBytes()
	return dead >= s.opts.CompactMinDeadBytes && float64(dead) > s.opts.CompactDeadRatio*float64(live)
}

// liveBytes is what a compacted log file needs for the payload: its header, the
// entries and the HardState (not counting record frames).
func (s *Store) liveBytes() int64 { return s.state.liveBytes() }

// deadBytes is everything else in the log file: truncated entries, superseded
// HardStates, and the frames of records that compaction would merge.
func (s *Store) deadBytes() int64 { return max(s.size-s.liveBytes(), 0) }

func (s *Store) writable() error {
	if s.closed {
		return errors.New("filestore: the store is closed")
	}
	return s.err
}

// writeAt writes b at off in the current log file, marking the store failed on error.
func (s *Store) writeAt(b []byte, off int64) error {
	s.unsynced = true
	if _, err := s.file.WriteAt(b, off); err != nil {
		return s.fail(fmt.Errorf("write %d bytes at offset %d of %s: %w", len(b), off, s.path(logFileName(s.generation)), err))
	}
	return nil
}

// syncFile makes the current log file's data durable, marking the store failed on error.
func (s *Store) syncFile() error {
	if !s.opts.NoSync {
		if err := s.file.Sync(); err != nil {
			return s.fail(fmt.Errorf("sync %s: %w", s.path(logFileName(s.generation)), err))
		}
	}
	s.unsynced = false
	s.syncedSize, s.syncedLast = s.size, s.state.log.last()
	return nil
}

func (s *Store) syncDir() error {
	if s.opts.NoSync {
		return nil
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("filestore: sync the directory %s: %w", s.dir, err)
	}
	return nil
}

// fail makes err sticky: the store refuses every later write.
func (s *Store) fail(err error) error {
	s.err = fmt.Errorf("filestore: %w (the store must be reopened)", err)
	return s.err
}

// Close syncs what was saved without sync and closes the log file. The store cannot be
// used afterwards.
func (s *Store) Close() error {
	if s.closed {
		return nil
	}
	var err error
	if s.hsPending && s.err == nil {
		// A clean shutdown keeps the commit index a commit-only Save deferred.
		err = s.Save(engine.HardState{}, nil, true)
	}
	if err == nil && s.unsynced && s.err == nil {
		err = s.syncFile()
	}
	if err == nil && s.err == nil {
		// A clean shutdown leaves the high-water mark at the end of the log.
		err = s.Checkpoint()
	}
	s.closed = true
	if cerr := s.file.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("filestore: close %s: %w", s.path(logFileName(s.generation)), cerr)
	}
	if s.unlock != nil {
		s.unlock()
	}
	return err
}

// Stats describes the store's files and how much of the log is dead.
type Stats struct {
	StateFile  string // path of the state file
	LogFile    string // path of the current log file
	Generation uint64 // the log file's generation; each compaction adds one
	FileBytes  int64  // size of the log file
	// LiveBytes is what a compacted log file would hold: header, entries, HardState.
	LiveBytes int64
	// DeadBytes is the rest of FileBytes, which a compaction reclaims: truncated
	// entries, superseded HardStates and the frames of small records.
	DeadBytes   int64
	LastIndex   uint64
	Compactions int // compactions this Store has done since Open
	// SnapshotFile is the path of the snapshot file, "" without a snapshot;
	// SnapshotIndex and SnapshotTerm say which log prefix it replaces (§7).
	SnapshotFile                string
	SnapshotIndex, SnapshotTerm uint64
	FirstIndex                  uint64 // the first index the log holds or would hold
	Snapshots                   int    // snapshots this Store has saved since Open
	Unsynced                    bool   // records were written since the last sync
}

// Stats returns the store's current statistics.
func (s *Store) Stats() Stats {
	var snapFile string
	if s.snap.Meta.Index > 0 {
		snapFile = s.path(snapFileName(s.snap.Meta.Index))
	}
	return Stats{
		SnapshotFile:  snapFile,
		StateFile:     s.path(stateFileName),
		LogFile:       s.path(logFileName(s.generation)),
		Generation:    s.generation,
		FileBytes:     s.size,
		LiveBytes:     s.liveBytes(),
		DeadBytes:     s.deadBytes(),
		LastIndex:     s.state.log.last(),
		Compactions:   s.compactions,
		SnapshotIndex: s.snap.Meta.Index,
		SnapshotTerm:  s.snap.Meta.Term,
		FirstIndex:    s.state.log.base + 1,
		Snapshots:     s.snapshots,
		Unsynced:      s.unsynced,
	}
}

// newSalt returns a random checksum salt for a new log file. It need not be
// unpredictable, only unlikely to match another file's.
func newSalt() uint32 { return rand.Uint32() }

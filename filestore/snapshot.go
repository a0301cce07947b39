package filestore

// Snapshots (§7): the snapshot file, and SaveSnapshot, which makes a snapshot durable
// and moves the log to a new generation that holds only what follows it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/engine"
)

const (
	// snapFilePrefix starts the name of every snapshot file: "snap-" and the
	// snapshot's index in 16 hex digits.
	snapFilePrefix = "snap-"
	// snapTempSuffix ends the name a snapshot file is written under before it is
	// renamed to its own.
	snapTempSuffix = ".tmp"
	snapMagic      = "RPLAYSNP"
	// snapFormatVersion is written in every snapshot file. Version 2 holds a whole
	// ConfState (membership changes, §6); version 1, the voters only, is read too.
	snapFormatVersion = 2
)

// snapFileName returns the name of the file of the snapshot at index.
func snapFileName(index uint64) string {
	return fmt.Sprintf("%s%016x", snapFilePrefix, index)
}

// parseSnapFileName returns the index a snapshot file name carries, and false for a
// name that is not exactly a snapshot file's.
func parseSnapFileName(name string) (uint64, bool) {
	hex, ok := strings.CutPrefix(name, snapFilePrefix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	index, err := strconv.ParseUint(hex, 16, 64)
	return index, err == nil
}

// isSnapTempName reports whether name is a snapshot file being written.
func isSnapTempName(name string) bool {
	base, ok := strings.CutSuffix(name, snapTempSuffix)
	if !ok {
		return false
	}
	_, ok = parseSnapFileName(base)
	return ok
}

// encodeSnapshot returns the snapshot file of snap: magic, version u32, the snapshot
// in the engine's encoding (engine.AppendSnapshot: index, term, ConfState, data length,
// data), CRC-32C of everything before it.
func encodeSnapshot(snap engine.Snapshot) []byte {
	b := make([]byte, 0, len(snap.Data)+64)
	b = append(b, snapMagic...)
	b = binary.LittleEndian.AppendUint32(b, snapFormatVersion)
	b = engine.AppendSnapshot(b, &snap)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeSnapshot decodes a snapshot file. Its Data aliases b. The error says what is
// wrong: the file is written whole and renamed into place, so it is intact or damaged.
func decodeSnapshot(b []byte) (engine.Snapshot, error) {
	const minSize = 8 + 4 + 4 + 4
	if len(b) < minSize {
		return engine.Snapshot{}, fmt.Errorf("snapshot file cut short: %d bytes, at least %d expected", len(b), minSize)
	}
	if string(b[:8]) != snapMagic {
		return engine.Snapshot{}, fmt.Errorf("not a raftplay snapshot file: magic %q, want %q", b[:8], snapMagic)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if computed := crc32.Checksum(body, castagnoli); computed != sum {
		return engine.Snapshot{}, fmt.Errorf("snapshot file checksum mismatch: stored %08x, computed %08x", sum, computed)
	}
	version := binary.LittleEndian.Uint32(b[8:])
	if version < 1 || version > snapFormatVersion {
		return engine.Snapshot{}, fmt.Errorf("unsupported snapshot file version %d (this build reads 1 to %d)", version, snapFormatVersion)
	}
	decode := engine.DecodeSnapshot
	if version == 1 {
		decode = engine.DecodeSnapshotLegacy
	}
	rest := body[12:]
	snap, n, err := decode(rest)
	if err != nil {
		return engine.Snapshot{}, fmt.Errorf("snapshot file: %w", err)
	}
	if n != len(rest) {
		return engine.Snapshot{}, fmt.Errorf("snapshot file: %d trailing bytes after the snapshot", len(rest)-n)
	}
	snap.Data = snap.Data[:len(snap.Data):len(snap.Data)]
	return snap, nil
}

// readSnapshot reads the snapshot file the state file names and checks it against
// ref. Any failure, a missing file included, is a *CorruptionError naming the file.
func readSnapshot(fsys fileSystem, path string, ref snapRef) (engine.Snapshot, error) {
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return engine.Snapshot{}, &CorruptionError{File: path, Reason: missingSnapReason}
	}
	if err != nil {
		return engine.Snapshot{}, fmt.Errorf("filestore: read %s: %w", path, err)
	}
	snap, err := decodeSnapshot(data)
	if err == nil && (snap.Meta.Index != ref.index || snap.Meta.Term != ref.term) {
		err = fmt.Errorf("the file holds the snapshot %d@%d, the state file names %d@%d", snap.Meta.Index, snap.Meta.Term, ref.index, ref.term)
	}
	if err != nil {
		return engine.Snapshot{}, &CorruptionError{File: path, Reason: err.Error()}
	}
	return snap, nil
}

// missingSnapReason is the CorruptionError reason for a snapshot file that is gone.
const missingSnapReason = "the snapshot file the state file names is missing"

// InSnapshot reports whether the damage is to a snapshot file. Repair moves it aside
// and starts an empty log, marked recovering, so that the node gets a new snapshot
// from the leader.
func (e *CorruptionError) InSnapshot() bool {
	_, ok := parseSnapFileName(filepath.Base(e.File))
	return ok
}

// writeSnapshotFile writes snap to its temporary name, fsyncs it, renames it to its
// own name and fsyncs the directory: when it returns nil the file is durable, whole.
// A crash before the rename leaves only the temporary file, which Open deletes.
func (s *Store) writeSnapshotFile(snap engine.Snapshot) error {
	path := s.path(snapFileName(snap.Meta.Index))
	tmp := path + snapTempSuffix
	f, err := s.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("filestore: write %s: %w", tmp, err)
	}
	_, err = f.WriteAt(encodeSnapshot(snap), 0)
	if err == nil && !s.opts.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = s.fs.Rename(tmp, path); err == nil {
			return s.syncDir()
		}
	}
	return errors.Join(fmt.Errorf("filestore: write %s: %w", path, err), s.fs.Remove(tmp))
}

// SaveSnapshot records snap as the store's snapshot and drops the log it covers (§7):
// if the log holds an entry at snap.Meta.Index with term snap.Meta.Term, the entries
// after it stay; otherwise the whole log goes. The ConfState becomes the snapshot's.
// A snapshot not past the saved one, of term 0 or without voters is an error and
// changes nothing. The steps, each durable before the next begins:
//
//  1. write the snapshot file (writeSnapshotFile: temporary name, fsync, rename,
//     directory fsync);
//  2. write the log that follows it, with the HardState, as a new generation of the
//     log file, and fdatasync it;
//  3. replace the state file so it names the new generation and the snapshot: the
//     commit point;
//  4. delete the old log file and the old snapshot file.
//
// A crash before step 3 leaves the state file naming the old log and snapshot, intact;
// Open deletes the new files. After it, the new ones are complete. When SaveSnapshot
// returns nil, the snapshot and everything saved before it are durable. The store
// keeps snap.Data without copying it: the caller must not modify it afterwards.
func (s *Store) SaveSnapshot(snap engine.Snapshot) error {
	if err := s.writable(); err != nil {
		return err
	}
	meta := snap.Meta
	switch {
	case meta.Index <= s.snap.Meta.Index:
		return fmt.Errorf("filestore: save snapshot %d@%d: not past the saved snapshot at %d", meta.Index, meta.Term, s.snap.Meta.Index)
	case meta.Term == 0:
		return fmt.Errorf("filestore: save snapshot %d@%d: term 0; terms start at 1", meta.Index, meta.Term)
	case len(meta.ConfState.Voters) == 0:
		return fmt.Errorf("filestore: save snapshot %d@%d: no voters in its ConfState", meta.Index, meta.Term)
	}
	snap = engine.Snapshot{Meta: engine.SnapshotMeta{Index: meta.Index, Term: meta.Term,
		ConfState: meta.ConfState.Clone()}, Data: snap.Data}
	if err := s.writeSnapshotFile(snap); err != nil {
		return err
	}

	// The log after the snapshot: the suffix that matches it, or nothing (§7).
	old := &s.state.log
	next := logState{hs: s.state.hs}
	next.log.base, next.log.baseTerm = meta.Index, meta.Term
	if meta.Index < old.last() && old.term(meta.Index) == meta.Term {
		for lo, last := meta.Index+1, old.last(); lo <= last; {
			part := old.span(lo, last+1)
			next.log.append(part)
			lo += uint64(len(part))
		}
		next.entryBytes = next.log.size(meta.Index+1, next.log.last()+1)
	}

	oldGeneration, generation := s.generation, s.generation+1
	oldPath, newPath := s.path(logFileName(oldGeneration)), s.path(logFileName(generation))
	snapPath := s.path(snapFileName(meta.Index))
	f, size, seed, err := s.writeLogFile(generation, &next)
	if err != nil {
		return errors.Join(fmt.Errorf("filestore: save snapshot %d@%d: write the log after it to %s: %w", meta.Index, meta.Term, newPath, err),
			s.fs.Remove(snapPath))
	}
	st := s.durable
	st.generation, st.conf, st.snap = generation, snap.Meta.ConfState, snapRef{index: meta.Index, term: meta.Term}
	st.hwm = highWater{bytes: uint64(size), index: next.log.last()}
	renamed, err := s.writeState(st)
	if err != nil {
		if renamed {
			// The state file may now name either generation: keep neither in use.
			f.Close()
			return s.fail(fmt.Errorf("save snapshot %d@%d: %w", meta.Index, meta.Term, err))
		}
		return errors.Join(fmt.Errorf("filestore: save snapshot %d@%d: %w", meta.Index, meta.Term, err),
			f.Close(), s.fs.Remove(newPath), s.fs.Remove(snapPath))
	}
	oldFile, oldSnap := s.file, s.snap.Meta.Index
	s.state, s.snap, s.conf, s.hsPending = next, snap, snap.Meta.ConfState, false
	s.file, s.generation, s.seed, s.size, s.unsynced = f, generation, seed, size, false
	s.syncedSize, s.syncedLast = size, next.log.last()
	s.snapshots++
	// The old files are dead now. If closing or deleting them fails, the next Open
	// deletes them, as it deletes every log and snapshot file the state file does not
	// name.
	_ = oldFile.Close()
	_ = s.fs.Remove(oldPath)
	if oldSnap > 0 {
		_ = s.fs.Remove(s.path(snapFileName(oldSnap)))
	}
	return nil
}

package filestore

import (
	"errors"
	"fmt"
	"os"
)

// compactChunkBytes is roughly how many bytes of entries one record of a compacted log
// holds. Big records make the file compact and replay fast; the bound keeps the write
// buffer small.
const compactChunkBytes = 1 << 20

// Compact rewrites the live log (every entry and the HardState, nothing dead) to a
// new log file of the next generation and switches the state file to it. The steps,
// each durable before the next begins:
//
//  1. write the new file and fdatasync it;
//  2. replace the state file so it names the new generation (write state.tmp,
//     fsync, rename over state, fsync the directory, which also makes the new log
//     file's name durable): this is the commit point;
//  3. delete the old file.
//
// A crash before the rename of step 2 leaves the state file naming the old, intact
// log, and Open deletes the half-written new one. After the rename the state file
// names the new log, which is complete, and Open deletes the old one (until the
// directory sync it may still name the old one, which is just as complete). Everything saved so far, synced or not, is
// durable once Compact returns nil.
func (s *Store) Compact() error {
	if err := s.writable(); err != nil {
		return err
	}
	oldGeneration, generation := s.generation, s.generation+1
	oldPath, newPath := s.path(logFileName(oldGeneration)), s.path(logFileName(generation))
	f, size, seed, err := s.writeLogFile(generation, &s.state)
	if err != nil {
		return fmt.Errorf("filestore: compact %s into %s: %w", oldPath, newPath, err)
	}
	next := s.durable
	next.generation, next.hwm = generation, highWater{bytes: uint64(size), index: s.state.log.last()}
	renamed, err := s.writeState(next)
	if err != nil {
		if renamed {
			// The state file may now name either log: keep neither in use.
			f.Close()
			return s.fail(fmt.Errorf("compact %s into %s: %w", oldPath, newPath, err))
		}
		return errors.Join(
			fmt.Errorf("filestore: compact %s into %s: %w", oldPath, newPath, err),
			f.Close(), s.fs.Remove(newPath))
	}
	oldFile := s.file
	s.file, s.generation, s.seed, s.size, s.unsynced = f, generation, seed, size, false
	s.syncedSize, s.syncedLast = size, s.state.log.last()
	s.compactions++
	// The old file is dead now. If closing or deleting it fails, the next Open deletes
	// it, as it deletes every log file the state file does not name.
	_ = oldFile.Close()
	_ = s.fs.Remove(oldPath)
	return nil
}

// startLogFile creates the log file of a new store.
func (s *Store) startLogFile(generation uint64) error {
	f, size, seed, err := s.writeLogFile(generation, &s.state)
	if err != nil {
		return fmt.Errorf("filestore: create %s: %w", s.path(logFileName(generation)), err)
	}
	s.file, s.generation, s.seed, s.size = f, generation, seed, size
	s.syncedSize, s.syncedLast = size, s.state.log.last()
	return nil
}

// writeLogFile writes the live log st to a new log file of the given generation, makes
// its contents durable (its name becomes durable with the state file that names it,
// see writeState), and returns it open for appending with its size and
// checksum seed. On error it removes the file.
func (s *Store) writeLogFile(generation uint64, st *logState) (f file, size int64, seed uint32, err error) {
	path := s.path(logFileName(generation))
	f, err = s.fs.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, 0, 0, err
	}
	header := logHeader{version: formatVersion, salt: newSalt(), generation: generation}
	size, err = s.writeLive(f, header, st)
	if err == nil && !s.opts.NoSync {
		err = f.Sync()
	}
	if err != nil {
		return nil, 0, 0, errors.Join(err, f.Close(), s.fs.Remove(path))
	}
	return f, size, header.seed(), nil
}

// writeLive writes a header and the live log to f as records of about
// compactChunkBytes, the HardState in the first, and returns the bytes written.
func (s *Store) writeLive(f file, header logHeader, st *logState) (int64, error) {
	seed := header.seed()
	buf := appendLogHeader(s.buf[:0], header)
	var off int64
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if _, err := f.WriteAt(buf, off); err != nil {
			return err
		}
		off += int64(len(buf))
		buf = buf[:0]
		return nil
	}
	log, hs := &st.log, st.hs
	withHS := !hs.IsEmpty()
	if log.len() == 0 && withHS {
		buf = appendRecord(buf, seed, true, hs, nil)
	}
	last := log.last()
	for lo := log.base + 1; lo <= last; {
		// One record per chunk of the index, cut further to about compactChunkBytes.
		ents := log.span(lo, last+1)
		n, bytes := 1, entrySize(&ents[0])
		for n < len(ents) && bytes < compactChunkBytes {
			bytes += entrySize(&ents[n])
			n++
		}
		buf = appendRecord(buf, seed, withHS, hs, ents[:n])
		withHS = false
		lo += uint64(n)
		if len(buf) >= compactChunkBytes {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	err := flush()
	s.buf = buf[:0]
	return off, err
}

// writeState replaces the state file with st: write state.tmp, sync it, rename it
// over state, sync the directory. renamed reports whether the rename happened, after
// which the state file on disk may be the old or the new one until the directory sync
// succeeds. On success st is what the store knows to be durable.
func (s *Store) writeState(st stateFile) (renamed bool, err error) {
	tmp, path := s.path(stateTempName), s.path(stateFileName)
	data := encodeStateFile(st)
	f, err := s.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return false, fmt.Errorf("filestore: write %s: %w", tmp, err)
	}
	_, err = f.WriteAt(data, 0)
	if err == nil && !s.opts.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, errors.Join(fmt.Errorf("filestore: write %s: %w", tmp, err), s.fs.Remove(tmp))
	}
	if err := s.fs.Rename(tmp, path); err != nil {
		return false, fmt.Errorf("filestore: rename %s to %s: %w", tmp, path, err)
	}
	if err := s.syncDir(); err != nil {
		return true, err
	}
	s.durable = st
	return true, nil
}

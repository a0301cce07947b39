package filestore

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"path/filepath"

	"github.com/raftplay/raftplay/engine"
)

// CorruptionError reports damage that recovery must not paper over: a bad record with
// valid records after it (so it is not a write torn by a crash), a damaged file header
// or state file, or a record that passes its checksum but breaks the log's rules.
// Open refuses such a store; Repair can cut the log at Offset after keeping a backup.
type CorruptionError struct {
	File   string // path of the damaged file
	Offset int64  // byte offset of the first damaged record (0 for a file header or the state file)
	Reason string // what is wrong there
}

// MissingLog reports whether the log file the state file names is gone; Repair starts
// an empty one in its place.
func (e *CorruptionError) MissingLog() bool { return e.Reason == missingLogReason }

// InStateFile reports whether the damage is to the state file (or its absence next to
// a log), which RebuildState repairs, rather than to a log file, which Repair cuts.
func (e *CorruptionError) InStateFile() bool { return filepath.Base(e.File) == stateFileName }

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("filestore: %s is corrupt at offset %d: %s", e.File, e.Offset, e.Reason)
}

// TornTail describes the end of a log file that a crash left incomplete: a last record
// cut short or failing its checksum, with nothing valid after it.
type TornTail struct {
	File   string // path of the log file
	Offset int64  // where the torn record starts: the file is cut here
	Bytes  int64  // how many bytes were (or, for Inspect, would be) cut
	Reason string // why the first cut byte does not start a valid record
}

// logState is a log rebuilt by replaying records, or kept by a Store.
type logState struct {
	hs  engine.HardState
	log entryIndex
	// entryBytes is the encoded size of the entries in log: what a compacted log file
	// spends on them.
	entryBytes int64
}

// recordSummary is what one record did, for Inspect.
type recordSummary struct {
	hasHS              bool
	hs                 engine.HardState
	count              int    // entries in the record
	first, last        uint64 // their indices (0, 0 for none)
	firstTerm, endTerm uint64 // terms of the first and last entry
	dropped            int    // entries the record truncated from the log
}

// entrySize is the encoded size of e (engine.AppendEntry's output).
func entrySize(e *engine.Entry) int64 {
	return int64(uvarintLen(e.Index) + uvarintLen(e.Term) + 1 +
		uvarintLen(uint64(len(e.Command))) + len(e.Command) +
		uvarintLen(uint64(len(e.Context))) + len(e.Context))
}

func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// applyRecord decodes one record body and applies it to st. The entries' Command and
// Context alias body. On error st is unchanged.
func (st *logState) applyRecord(body []byte) (recordSummary, error) {
	var sum recordSummary
	if len(body) == 0 {
		return sum, fmt.Errorf("empty record body")
	}
	flags := body[0]
	if flags&^recordFlags != 0 {
		return sum, fmt.Errorf("unknown record flags 0x%02x", flags)
	}
	off := 1
	if flags&flagHardState != 0 {
		hs, n, err := engine.DecodeHardState(body[off:])
		if err != nil {
			return sum, fmt.Errorf("hard state at body offset %d: %w", off, err)
		}
		sum.hasHS, sum.hs = true, hs
		off += n
	}
	count, n := binary.Uvarint(body[off:])
	if n <= 0 {
		return sum, fmt.Errorf("bad entry count at body offset %d", off)
	}
	decodeEntry := engine.DecodeEntryLegacy
	if flags&flagTypedEntries != 0 {
		decodeEntry = engine.DecodeEntry
	}
	off += n
	if count > uint64(len(body)-off)/minEntrySize {
		return sum, fmt.Errorf("entry count %d exceeds what the remaining %d bytes can hold", count, len(body)-off)
	}
	if count == 0 && !sum.hasHS {
		return sum, fmt.Errorf("record holds neither a hard state nor entries")
	}
	sum.count = int(count)
	// Decode past the end of the log first, and put the batch in its place only once
	// all of it checks out, so that a bad record leaves st as it was.
	base := st.log.len()
	for i := 0; i < sum.count; i++ {
		e, n, err := decodeEntry(body[off:])
		if err == nil {
			err = st.checkNext(&e, i, base)
		}
		if err != nil {
			st.log.truncate(base)
			return sum, fmt.Errorf("entry %d of %d at body offset %d: %w", i, count, off, err)
		}
		st.log.push(e)
		off += n
	}
	if off != len(body) {
		st.log.truncate(base)
		return sum, fmt.Errorf("%d trailing bytes after the entries", len(body)-off)
	}
	if sum.count > 0 {
		end := st.log.last()
		first, last := st.log.at(st.log.base+uint64(base)+1), st.log.at(end)
		sum.first, sum.firstTerm, sum.last, sum.endTerm = first.Index, first.Term, last.Index, last.Term
		if kept := sum.first - 1; kept < st.log.base+uint64(base) {
			// The batch replaces the log from its first index on (a rare record: move
			// it through a copy rather than complicate the common case).
			prevLast := st.log.base + uint64(base)
			sum.dropped = int(prevLast - kept)
			st.entryBytes -= st.log.size(kept+1, prevLast+1)
			batch := make([]engine.Entry, 0, sum.count)
			for lo := prevLast + 1; lo <= end; {
				part := st.log.span(lo, end+1)
				batch = append(batch, part...)
				lo += uint64(len(part))
			}
			st.log.truncateAfter(kept)
			st.log.append(batch)
		}
		// Sizes as encoded by this build, not as read: a varint may have been padded.
		st.entryBytes += st.log.size(sum.first, sum.last+1)
	}
	if sum.hasHS {
		st.hs = sum.hs
	}
	return sum, nil
}

// checkNext checks the i-th entry of a batch being decoded after the first base entries: the
// first must continue or overwrite the log without a gap, the others must follow it
// contiguously, and terms must not decrease.
func (st *logState) checkNext(e *engine.Entry, i, base int) error {
	var prevTerm uint64
	if i == 0 {
		last := st.log.base + uint64(base)
		switch first := e.Index; {
		case first == 0:
			return fmt.Errorf("index 0: the log starts at index 1")
		case first <= st.log.base:
			return fmt.Errorf("entries start at %d, which the snapshot at %d covers", first, st.log.base)
		case first > last+1:
			return fmt.Errorf("entries start at %d, leaving a gap after the last index %d", first, last)
		default:
			prevTerm = st.log.term(first - 1)
		}
	} else {
		prev := st.log.at(st.log.last())
		if e.Index != prev.Index+1 {
			return fmt.Errorf("index %d follows index %d; indices must be contiguous", e.Index, prev.Index)
		}
		prevTerm = prev.Term
	}
	return checkTerm(e, prevTerm)
}

// liveBytes is what a compacted log file holds besides record frames: its header, the
// entries and the HardState.
func (st *logState) liveBytes() int64 {
	n := logHeaderSize + st.entryBytes
	if !st.hs.IsEmpty() {
		n += int64(uvarintLen(st.hs.Term) + uvarintLen(st.hs.VotedFor) + uvarintLen(st.hs.Commit))
	}
	return n
}

func entriesSize(entries []engine.Entry) int64 {
	var n int64
	for i := range entries {
		n += entrySize(&entries[i])
	}
	return n
}

// checkTerm checks that e's term is a real term and does not go below prevTerm, the
// term of the entry before it.
func checkTerm(e *engine.Entry, prevTerm uint64) error {
	if e.Term == 0 {
		return fmt.Errorf("entry %d has term 0; terms start at 1", e.Index)
	}
	if e.Term < prevTerm {
		return fmt.Errorf("entry %d has term %d, below the term %d of the entry before it", e.Index, e.Term, prevTerm)
	}
	return nil
}

// replayResult is a log file read back.
type replayResult struct {
	header  logHeader
	state   logState
	records int
	end     int64     // offset just past the last valid record
	torn    *TornTail // nil when the file ends on a record boundary
}

// replayLog validates a log file and rebuilds the log it holds. path names it in
// errors; generation is what the state file says the file must carry, and snap the
// snapshot the log follows (its entries start after snap.index). visit, if not
// nil, sees every valid record.
//
// A record that fails its frame or checksum is a torn tail when no valid record
// starts at any later byte: the result then ends before it and says so in torn.
// Anything else wrong is a *CorruptionError; the result then holds the log up to the
// damage (Repair keeps that much).
func replayLog(path string, data []byte, generation uint64, snap snapRef, visit func(off int64, size int, sum recordSummary)) (replayResult, error) {
	var res replayResult
	res.state.log.base, res.state.log.baseTerm = snap.index, snap.term
	corrupt := func(off int, format string, args ...any) error {
		return &CorruptionError{File: path, Offset: int64(off), Reason: fmt.Sprintf(format, args...)}
	}
	h, err := decodeLogHeader(data)
	if err != nil {
		return res, corrupt(0, "%v", err)
	}
	if h.generation != generation {
		return res, corrupt(0, "the file header says generation %d, the state file names generation %d", h.generation, generation)
	}
	res.header, res.end = h, logHeaderSize
	res.state.log.reserve(countEntries(data))
	seed := h.seed()
	for off := logHeaderSize; off < len(data); {
		body, reason := checkFrame(data, off, seed)
		if reason != "" {
			if next := findValidFrame(data, off+1, seed); next >= 0 {
				return res, corrupt(off, "%s, and a valid record follows at offset %d, so this is not a torn write", reason, next)
			}
			res.torn = &TornTail{File: path, Offset: int64(off), Bytes: int64(len(data) - off), Reason: reason}
			return res, nil
		}
		sum, err := res.state.applyRecord(body)
		if err != nil {
			return res, corrupt(off, "record passes its checksum but is invalid: %v", err)
		}
		if visit != nil {
			visit(int64(off), frameSize+len(body), sum)
		}
		res.records++
		off += frameSize + len(body)
		res.end = int64(off)
	}
	return res, nil
}

// countEntries walks the record frames of a log file without checking them and adds
// up the entry counts, so that replay can size the log once. It stops at the first
// frame that does not fit; the result is bounded by the file size either way.
func countEntries(data []byte) int {
	total := 0
	for off := logHeaderSize; off+frameSize < len(data); {
		n := int(binary.LittleEndian.Uint32(data[off:]))
		if n > len(data)-off-frameSize {
			break
		}
		body := data[off+frameSize : off+frameSize+n]
		total += bodyEntryCount(body)
		off += frameSize + n
	}
	return min(total, len(data)/minEntrySize)
}

// bodyEntryCount reads the entry count of a record body, or 0 if it cannot.
func bodyEntryCount(body []byte) int {
	if len(body) == 0 {
		return 0
	}
	off := 1
	if body[0]&flagHardState != 0 {
		_, n, err := engine.DecodeHardState(body[off:])
		if err != nil {
			return 0
		}
		off += n
	}
	count, n := binary.Uvarint(body[off:])
	if n <= 0 || count > uint64(len(body)) {
		return 0
	}
	return int(count)
}

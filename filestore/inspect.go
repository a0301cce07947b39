package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/raftplay/raftplay/engine"
)

// RecordKind says what a log record did.
type RecordKind uint8

// The kinds of records.
const (
	// RecordAppend appends entries after the last index (and may carry a HardState).
	RecordAppend RecordKind = iota
	// RecordTruncate starts at or below the last index: it drops the log from its
	// first index on, then appends (§5.3, a follower's conflicting suffix).
	RecordTruncate
	// RecordHardState holds only a HardState.
	RecordHardState
)

var recordKindNames = [...]string{"append", "truncate", "hardstate"}

// String returns the kind in lower case: "append", "truncate", "hardstate".
func (k RecordKind) String() string {
	if int(k) < len(recordKindNames) {
		return recordKindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// RecordInfo describes one record of a log file.
type RecordInfo struct {
	Offset int64 // where the record starts in the file
	Size   int   // its bytes, frame included
	Kind   RecordKind
	// First and Last are the indices of its entries, FirstTerm and LastTerm their
	// terms; all 0 for a RecordHardState.
	First, Last         uint64
	FirstTerm, LastTerm uint64
	Dropped             int // entries a RecordTruncate removed from the log
	HasHardState        bool
	HardState           engine.HardState
}

// String is a one-line description, such as
// "@28 truncate 3..4 term 2 (dropped 2) hs term=2 vote=1 commit=2".
func (r RecordInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "@%d %s", r.Offset, r.Kind)
	if r.Kind != RecordHardState {
		fmt.Fprintf(&b, " %d..%d term %d", r.First, r.Last, r.FirstTerm)
		if r.LastTerm != r.FirstTerm {
			fmt.Fprintf(&b, "..%d", r.LastTerm)
		}
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, " (dropped %d)", r.Dropped)
	}
	if r.HasHardState {
		fmt.Fprintf(&b, " hs term=%d vote=%d commit=%d", r.HardState.Term, r.HardState.VotedFor, r.HardState.Commit)
	}
	return b.String()
}

// Report describes a store directory as Inspect found it.
type Report struct {
	StateFile  string // path of the state file
	Generation uint64 // the generation the state file names
	ConfState  engine.ConfState
	LogFile    string // path of the current log file
	LogBytes   int64  // its size
	// Records lists the valid records in file order, up to any damage.
	Records   []RecordInfo
	LastIndex uint64           // of the log the records build
	HardState engine.HardState // the last one saved
	LiveBytes int64            // as in Stats
	DeadBytes int64            // as in Stats
	// TornTail is an incomplete end that Open would cut, or nil.
	TornTail *TornTail
	// Corruption is damage that makes Open refuse, or nil.
	Corruption *CorruptionError
	// OtherFiles lists the other files in the directory: log files of other
	// generations and a temporary state file (Open deletes these), backups.
	OtherFiles []string
	// HighWaterBytes and HighWaterIndex are the synced extent of the log the state
	// file records; Term and VotedFor are the state file's (0 for a version 1 file).
	HighWaterBytes, HighWaterIndex uint64
	Term, VotedFor                 uint64
	// Loss is the proof that synced records are gone that Open would find, or nil.
	Loss *Loss
	// Recovering: Open would start the node as a non-voter (a loss found now or
	// earlier, not caught up since).
	Recovering bool
	// SnapshotFile is the path of the snapshot file the state file names, "" for
	// none; Snapshot is what it holds (its Data is not kept) when it is intact, and
	// SnapshotBytes its data's size. SnapshotCorruption is the damage found in it, or
	// nil: Open refuses such a store, and Repair moves the file aside.
	SnapshotFile       string
	Snapshot           engine.SnapshotMeta
	SnapshotBytes      int
	SnapshotCorruption *CorruptionError
}

// String is a multi-line description: the files, then one line per record.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "state %s: log generation %d, voters %v\n", r.StateFile, r.Generation, r.ConfState.Voters)
	switch {
	case r.SnapshotCorruption != nil:
		fmt.Fprintf(&b, "snapshot %s: CORRUPT: %s\n", r.SnapshotFile, r.SnapshotCorruption.Reason)
	case r.SnapshotFile != "":
		fmt.Fprintf(&b, "snapshot %s: index %d, term %d, voters %v, %d bytes of state, checksum ok; the log starts at index %d\n",
			r.SnapshotFile, r.Snapshot.Index, r.Snapshot.Term, r.Snapshot.ConfState.Voters, r.SnapshotBytes, r.Snapshot.Index+1)
	}
	fmt.Fprintf(&b, "log %s: %d bytes, %d records, last index %d, hs term=%d vote=%d commit=%d, live %d bytes, dead %d bytes\n",
		r.LogFile, r.LogBytes, len(r.Records), r.LastIndex, r.HardState.Term, r.HardState.VotedFor, r.HardState.Commit,
		r.LiveBytes, r.DeadBytes)
	for _, rec := range r.Records {
		fmt.Fprintf(&b, "  %s\n", rec)
	}
	if r.TornTail != nil {
		fmt.Fprintf(&b, "torn tail: %d bytes at offset %d: %s\n", r.TornTail.Bytes, r.TornTail.Offset, r.TornTail.Reason)
	}
	if r.Corruption != nil {
		fmt.Fprintf(&b, "corruption at offset %d: %s\n", r.Corruption.Offset, r.Corruption.Reason)
	}
	if len(r.OtherFiles) > 0 {
		fmt.Fprintf(&b, "other files: %s\n", strings.Join(r.OtherFiles, ", "))
	}
	return b.String()
}

// Inspect describes the store in dir without changing anything: what the state file
// says and what each record of the current log holds. Damage to the log is described
// in the Report (TornTail, Corruption); the error is for a directory that cannot be
// read as a store at all (no state file, a damaged state file, a missing log file).
func Inspect(dir string) (Report, error) {
	return inspectWith(osFS{}, dir)
}

func inspectWith(fsys fileSystem, dir string) (Report, error) {
	files, err := listDir(fsys, dir)
	if err != nil {
		return Report{}, err
	}
	st, err := readState(fsys, dir)
	if err != nil {
		return Report{}, err
	}
	r := Report{StateFile: filepath.Join(dir, stateFileName), Generation: st.generation, ConfState: st.conf}
	r.LogFile = filepath.Join(dir, logFileName(st.generation))
	if st.snap.index > 0 {
		r.SnapshotFile = filepath.Join(dir, snapFileName(st.snap.index))
		snap, err := readSnapshot(fsys, r.SnapshotFile, st.snap)
		if ce := (*CorruptionError)(nil); errors.As(err, &ce) {
			r.SnapshotCorruption = ce
		} else if err != nil {
			return Report{}, err
		}
		r.Snapshot, r.SnapshotBytes = snap.Meta, len(snap.Data)
	}
	for _, index := range files.snaps {
		if index != st.snap.index {
			r.OtherFiles = append(r.OtherFiles, snapFileName(index))
		}
	}
	r.OtherFiles = append(r.OtherFiles, files.snapTmps...)
	for _, generation := range files.logs {
		if generation != st.generation {
			r.OtherFiles = append(r.OtherFiles, logFileName(generation))
		}
	}
	if files.hasTemp {
		r.OtherFiles = append(r.OtherFiles, stateTempName)
	}
	r.OtherFiles = append(r.OtherFiles, files.others...)
	data, err := fsys.ReadFile(r.LogFile)
	if errors.Is(err, fs.ErrNotExist) {
		return Report{}, &CorruptionError{File: r.LogFile, Reason: missingLogReason}
	}
	if err != nil {
		return Report{}, fmt.Errorf("filestore: inspect %s: %w", dir, err)
	}
	r.LogBytes = int64(len(data))
	res, err := replayLog(r.LogFile, data, st.generation, st.snap, func(off int64, size int, sum recordSummary) {
		r.Records = append(r.Records, describeRecord(off, size, sum))
	})
	if ce := (*CorruptionError)(nil); errors.As(err, &ce) {
		r.Corruption = ce
	} else if err != nil {
		return Report{}, err
	}
	r.TornTail = res.torn
	r.LastIndex, r.HardState = res.state.log.last(), res.state.hs
	r.HighWaterBytes, r.HighWaterIndex, r.Term, r.VotedFor = st.hwm.bytes, st.hwm.index, st.term, st.vote
	if r.Corruption == nil {
		_, r.Loss = compareWithState(st, res.state.hs, r.LastIndex, res.end)
	}
	r.Recovering = st.recovering || r.Loss != nil
	r.LiveBytes = res.state.liveBytes()
	r.DeadBytes = max(r.LogBytes-r.LiveBytes, 0)
	return r, nil
}

func describeRecord(off int64, size int, sum recordSummary) RecordInfo {
	info := RecordInfo{Offset: off, Size: size, First: sum.first, Last: sum.last,
		FirstTerm: sum.firstTerm, LastTerm: sum.endTerm, Dropped: sum.dropped,
		HasHardState: sum.hasHS, HardState: sum.hs}
	switch {
	case sum.count == 0:
		info.Kind = RecordHardState
	case sum.dropped > 0:
		info.Kind = RecordTruncate
	default:
		info.Kind = RecordAppend
	}
	return info
}

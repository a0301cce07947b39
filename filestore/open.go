package filestore

// Opening a store: finding its files, creating a new one, or recovering an existing
// one (cutting a torn tail, detecting lost synced data against the state file's
// high-water mark, removing stale generations). The Storage API the engine calls is in
// store.go.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/raftplay/raftplay/engine"
)

// RecoveryReport says what Open found and did.
type RecoveryReport struct {
	Created   bool   // the directory held no store, and a new one was made
	LogFile   string // path of the current log file
	Records   int    // valid records replayed
	LastIndex uint64
	// SnapshotIndex is the index of the snapshot the log follows, 0 for none.
	SnapshotIndex uint64
	HardState     engine.HardState
	// TornTail is the incomplete end a crash left, now cut off; nil if the log ended
	// cleanly.
	TornTail *TornTail
	// Removed lists leftovers of an interrupted compaction or state write, deleted:
	// log files the state file does not name, and the temporary state file.
	Removed []string
	// Loss is the proof, found by this Open, that synced records are gone; nil if
	// none was found (see the package documentation for what cannot be found).
	Loss *Loss
	// Recovering: the store lost entries its node may have acknowledged (found now
	// or by an earlier Open) and the node has not caught up since. The node must start
	// as a non-voter (engine.Config.Recovering) and call MarkRecovered once caught up.
	Recovering bool
}

// Loss is proof that a log lost synced records: entries, or a HardState, that the
// node may have acknowledged or voted with.
type Loss struct {
	// Reason says what contradicts what.
	Reason string
	// HighWaterIndex is the last index the log held, synced, when the state file last
	// recorded it; LastIndex is where the log ends now.
	HighWaterIndex, LastIndex uint64
}

func (l *Loss) String() string {
	return fmt.Sprintf("%s (the log ends at index %d; it held index %d, synced)", l.Reason, l.LastIndex, l.HighWaterIndex)
}

// String is a one-line summary for logs and the CLI.
func (r RecoveryReport) String() string {
	var b strings.Builder
	if r.Created {
		fmt.Fprintf(&b, "created a new store in %s", r.LogFile)
	} else {
		fmt.Fprintf(&b, "replayed %d records of %s: last index %d, term %d, vote %d, commit %d",
			r.Records, r.LogFile, r.LastIndex, r.HardState.Term, r.HardState.VotedFor, r.HardState.Commit)
		if r.SnapshotIndex > 0 {
			fmt.Fprintf(&b, ", after the snapshot at %d", r.SnapshotIndex)
		}
	}
	if r.TornTail != nil {
		fmt.Fprintf(&b, "; cut a torn tail of %d bytes at offset %d (%s)", r.TornTail.Bytes, r.TornTail.Offset, r.TornTail.Reason)
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(&b, "; removed %s", strings.Join(r.Removed, ", "))
	}
	if r.Loss != nil {
		fmt.Fprintf(&b, "; DATA LOST: %s", r.Loss)
	}
	if r.Recovering {
		b.WriteString("; recovering: rejoins as a non-voter until it has caught up from a leader")
	}
	return b.String()
}

// Open opens the store in dir, creating dir and a new store if it holds none. It
// validates every checksum of the log and cuts a torn tail (reported in the
// RecoveryReport). Damage that a crash cannot explain makes it fail with a
// *CorruptionError naming the file and offset; see Repair.
//
// The store holds the directory's lock until Close: while it is open, another Open,
// Repair, RebuildState or AcceptLoss of dir fails with a *LockedError.
func Open(dir string, opts Options) (*Store, RecoveryReport, error) {
	if err := (osFS{}).MkdirAll(dir); err != nil {
		return nil, RecoveryReport{}, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, RecoveryReport{}, err
	}
	s, report, err := openWith(osFS{}, dir, opts)
	if err != nil {
		unlock()
		return nil, RecoveryReport{}, err
	}
	s.unlock = unlock
	return s, report, nil
}

func openWith(fsys fileSystem, dir string, opts Options) (*Store, RecoveryReport, error) {
	if opts.CompactMinDeadBytes < 0 || opts.CompactDeadRatio < 0 {
		return nil, RecoveryReport{}, fmt.Errorf("filestore: open %s: CompactMinDeadBytes %d and CompactDeadRatio %g must not be negative",
			dir, opts.CompactMinDeadBytes, opts.CompactDeadRatio)
	}
	s := &Store{fs: fsys, dir: dir, opts: opts.withDefaults()}
	if err := fsys.MkdirAll(dir); err != nil {
		return nil, RecoveryReport{}, fmt.Errorf("filestore: open %s: %w", dir, err)
	}
	files, err := listDir(fsys, dir)
	if err != nil {
		return nil, RecoveryReport{}, err
	}
	var report RecoveryReport
	if !files.hasState {
		report, err = s.create(files)
	} else {
		report, err = s.recover(files)
	}
	if err != nil {
		return nil, RecoveryReport{}, err
	}
	return s, report, nil
}

// dirFiles is what a store directory holds, by role.
type dirFiles struct {
	hasState bool
	hasTemp  bool     // a state.tmp left by an interrupted state write
	logs     []uint64 // generations of the log files present
	snaps    []uint64 // indices of the snapshot files present
	snapTmps []string // snapshot files left half-written
	others   []string // every other file (backups, for Inspect)
}

func listDir(fsys fileSystem, dir string) (dirFiles, error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return dirFiles{}, fmt.Errorf("filestore: list %s: %w", dir, err)
	}
	var files dirFiles
	for _, name := range names {
		if generation, ok := parseLogFileName(name); ok {
			files.logs = append(files.logs, generation)
			continue
		}
		if index, ok := parseSnapFileName(name); ok {
			files.snaps = append(files.snaps, index)
			continue
		}
		if isSnapTempName(name) {
			files.snapTmps = append(files.snapTmps, name)
			continue
		}
		switch name {
		case lockFileName: // not part of the store's data
		case stateFileName:
			files.hasState = true
		case stateTempName:
			files.hasTemp = true
		default:
			files.others = append(files.others, name)
		}
	}
	slices.Sort(files.logs)
	slices.Sort(files.snaps)
	return files, nil
}

// create makes a new store in a directory without a state file. Log files there can
// only be left by an earlier create that crashed before writing the state file, so
// they hold no records; anything else is refused rather than overwritten.
func (s *Store) create(files dirFiles) (RecoveryReport, error) {
	switch {
	case s.opts.Join && len(s.opts.Voters) > 0:
		return RecoveryReport{}, fmt.Errorf("filestore: create a store in %s: Options.Join with Options.Voters %v; a server that joins learns its configuration from the leader", s.dir, s.opts.Voters)
	case !s.opts.Join && len(s.opts.Voters) == 0:
		return RecoveryReport{}, fmt.Errorf("filestore: create a store in %s: Options.Voters is empty; a new store needs its voter set (or Options.Join)", s.dir)
	}
	var report RecoveryReport
	if len(files.snaps) > 0 {
		return RecoveryReport{}, &CorruptionError{File: s.path(stateFileName),
			Reason: fmt.Sprintf("the state file is missing but the snapshot %s is there; refusing to start a new store over it", s.path(snapFileName(files.snaps[0])))}
	}
	for _, generation := range files.logs {
		path := s.path(logFileName(generation))
		data, err := s.fs.ReadFile(path)
		if err != nil {
			return RecoveryReport{}, fmt.Errorf("filestore: open %s: %w", s.dir, err)
		}
		if len(data) > logHeaderSize {
			return RecoveryReport{}, &CorruptionError{File: s.path(stateFileName),
				Reason: fmt.Sprintf("the state file is missing but %s holds %d bytes; refusing to start a new store over it (RebuildState makes a new state file from the log)", path, len(data))}
		}
	}
	removed, err := s.removeStale(files, 0, 0)
	if err != nil {
		return RecoveryReport{}, err
	}
	s.conf = engine.ConfState{}
	if len(s.opts.Voters) > 0 {
		s.conf.Voters = slices.Clone(s.opts.Voters)
	}
	if err := s.startLogFile(1); err != nil {
		return RecoveryReport{}, err
	}
	if _, err := s.writeState(stateFile{generation: 1, conf: s.conf, hwm: s.synced()}); err != nil {
		s.file.Close()
		return RecoveryReport{}, err
	}
	report.Created, report.LogFile, report.Removed = true, s.path(logFileName(1)), removed
	return report, nil
}

// VotersMismatchError refuses to open a store with Options.Voters other than the
// voters it was created with (and has no configuration entry or snapshot since):
// the directory belongs to another cluster, or the voters were mistyped.
type VotersMismatchError struct {
	Dir    string   // the store's directory
	Given  []uint64 // Options.Voters
	Stored []uint64 // the voters in the state file
}

func (e *VotersMismatchError) Error() string {
	return fmt.Sprintf("filestore: open %s: Options.Voters %v differ from the stored voters %v", e.Dir, e.Given, e.Stored)
}

// recover opens an existing store: state file, then the log it names.
func (s *Store) recover(files dirFiles) (RecoveryReport, error) {
	st, err := readState(s.fs, s.dir)
	if err != nil {
		return RecoveryReport{}, err
	}
	if len(s.opts.Voters) > 0 && st.snap.index == 0 && len(st.conf.Voters) > 0 && !sameVoters(s.opts.Voters, st.conf.Voters) {
		return RecoveryReport{}, &VotersMismatchError{Dir: s.dir, Given: s.opts.Voters, Stored: st.conf.Voters}
	}
	s.conf = st.conf
	if st.snap.index > 0 {
		if s.snap, err = readSnapshot(s.fs, s.path(snapFileName(st.snap.index)), st.snap); err != nil {
			return RecoveryReport{}, err
		}
	}
	path := s.path(logFileName(st.generation))
	data, err := s.fs.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return RecoveryReport{}, &CorruptionError{File: path, Reason: missingLogReason}
	}
	if err != nil {
		return RecoveryReport{}, fmt.Errorf("filestore: read %s: %w", path, err)
	}
	res, err := replayLog(path, data, st.generation, st.snap, nil)
	if err != nil {
		return RecoveryReport{}, err
	}
	s.state, s.generation, s.seed, s.size = res.state, st.generation, res.header.seed(), res.end
	s.durable = st
	var loss *Loss
	s.state.hs, loss = compareWithState(st, s.state.hs, s.state.log.last(), res.end)
	if s.file, err = s.fs.OpenFile(path, os.O_RDWR, 0); err != nil {
		return RecoveryReport{}, fmt.Errorf("filestore: open %s: %w", path, err)
	}
	report := RecoveryReport{LogFile: path, Records: res.records, LastIndex: s.state.log.last(), SnapshotIndex: st.snap.index,
		HardState: s.state.hs, TornTail: res.torn, Loss: loss}
	if res.torn != nil {
		// Cut the torn tail durably before anything is appended: appends never rewrite
		// bytes that a crash could bring back.
		if err := s.file.Truncate(res.end); err != nil {
			s.file.Close()
			return RecoveryReport{}, fmt.Errorf("filestore: cut the torn tail of %s at offset %d: %w", path, res.end, err)
		}
	}
	// Sync what we read, whoever wrote it: the high-water mark may only claim bytes
	// known to be durable.
	s.unsynced = true
	if err := s.syncFile(); err != nil {
		s.file.Close()
		return RecoveryReport{}, err
	}
	if loss != nil {
		if err := s.recordLoss(); err != nil {
			s.file.Close()
			return RecoveryReport{}, fmt.Errorf("filestore: record the loss in %s: %w", s.dir, err)
		}
	}
	report.Recovering = s.durable.recovering
	if report.Removed, err = s.removeStale(files, st.generation, st.snap.index); err != nil {
		s.file.Close()
		return RecoveryReport{}, err
	}
	return report, nil
}

// recordLoss makes a loss found by Open durable before the node answers anyone: the
// restored term and vote go back into the log, and the state file says the store is
// recovering, with a high-water mark at the log's new end (a restart must neither
// forget the loss nor find it again).
func (s *Store) recordLoss() error {
	s.buf = appendRecord(s.buf[:0], s.seed, true, s.state.hs, nil)
	if err := s.writeAt(s.buf, s.size); err != nil {
		return err
	}
	s.size += int64(len(s.buf))
	if err := s.syncFile(); err != nil {
		return err
	}
	next := s.durable
	next.recovering, next.hwm = true, s.synced()
	_, err := s.writeState(next)
	return err
}

// compareWithState compares a log replayed up to validEnd, ending at index last with
// HardState hs, with the state file. It returns hs with the state file's term and
// vote when the log's are older (its tail was lost), and the proof of a loss, or nil.
func compareWithState(st stateFile, hs engine.HardState, last uint64, validEnd int64) (engine.HardState, *Loss) {
	var reasons []string
	if uint64(validEnd) < st.hwm.bytes {
		reasons = append(reasons, fmt.Sprintf("its valid records end at offset %d, but %d bytes of it were synced", validEnd, st.hwm.bytes))
	}
	switch {
	case st.term > hs.Term:
		reasons = append(reasons, fmt.Sprintf("its last HardState is of term %d, but the state file says term %d", hs.Term, st.term))
		hs.Term, hs.VotedFor = st.term, st.vote
	case st.term == hs.Term && st.vote != hs.VotedFor && st.vote != engine.None:
		reasons = append(reasons, fmt.Sprintf("its last HardState votes for %d in term %d, but the state file says %d", hs.VotedFor, hs.Term, st.vote))
		hs.VotedFor = st.vote
	}
	if len(reasons) == 0 {
		return hs, nil
	}
	return hs, &Loss{Reason: "the log lost synced records: " + strings.Join(reasons, "; "), HighWaterIndex: st.hwm.index, LastIndex: last}
}

// missingLogReason is the CorruptionError reason for a log file that is gone; Repair
// starts an empty one in its place.
const missingLogReason = "the log file the state file names is missing"

// readState reads and decodes the state file of dir.
func readState(fsys fileSystem, dir string) (stateFile, error) {
	path := filepath.Join(dir, stateFileName)
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return stateFile{}, &CorruptionError{File: path, Reason: "the state file is missing"}
	}
	if err != nil {
		return stateFile{}, fmt.Errorf("filestore: read %s: %w", path, err)
	}
	st, err := decodeStateFile(data)
	if err != nil {
		return stateFile{}, &CorruptionError{File: path, Reason: err.Error()}
	}
	return st, nil
}

// removeStale deletes the log files other than the current generation's, the
// snapshot files other than the current one (index snap, 0 for none), and the
// temporary state and snapshot files, and returns their paths.
func (s *Store) removeStale(files dirFiles, current, snap uint64) ([]string, error) {
	var stale []string
	for _, generation := range files.logs {
		if generation != current {
			stale = append(stale, s.path(logFileName(generation)))
		}
	}
	for _, index := range files.snaps {
		if index != snap {
			stale = append(stale, s.path(snapFileName(index)))
		}
	}
	for _, name := range files.snapTmps {
		stale = append(stale, s.path(name))
	}
	if files.hasTemp {
		stale = append(stale, s.path(stateTempName))
	}
	for _, path := range stale {
		if err := s.fs.Remove(path); err != nil {
			return nil, fmt.Errorf("filestore: remove the leftover %s: %w", path, err)
		}
	}
	if len(stale) > 0 {
		if err := s.syncDir(); err != nil {
			return nil, err
		}
	}
	return stale, nil
}

func sameVoters(a, b []uint64) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

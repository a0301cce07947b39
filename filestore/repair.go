package filestore

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

// RepairOptions configures Repair.
type RepairOptions struct {
	// DryRun reports what Repair would cut and changes nothing.
	DryRun bool
	// NoSync skips the fsyncs, for tests.
	NoSync bool
}

// RepairReport says what Repair found and did.
type RepairReport struct {
	LogFile string // path of the current log file
	// Corruption is the damage found, or nil; TornTail is a torn end found instead.
	Corruption *CorruptionError
	TornTail   *TornTail
	// CutOffset and CutBytes say where the log was (or, in a dry run, would be) cut
	// and how many bytes went; both 0 if the log was intact.
	CutOffset, CutBytes int64
	// Backup is the path of the copy of the damaged file made before cutting, "" if
	// none was made.
	Backup      string
	KeptRecords int // valid records before the cut
	LastIndex   uint64
	HardState   engine.HardState // the last one kept
	Changed     bool             // the log file was cut (or created)
	// Missing: the log file was gone, and Repair started an empty one in its place.
	Missing bool
	// SnapshotCorruption is the damage found in the snapshot file, or nil. Repair
	// then moves the snapshot file and the log after it aside (SnapshotBackup,
	// Backup) and starts an empty log, marked recovering: the node gets a new
	// snapshot from the leader (InstallSnapshot, §7).
	SnapshotCorruption *CorruptionError
	SnapshotBackup     string
}

// String is a one-line summary for the CLI.
func (r RepairReport) String() string {
	var b strings.Builder
	switch {
	case r.SnapshotCorruption != nil:
		verb := "would move"
		if r.Changed {
			verb = "moved"
		}
		fmt.Fprintf(&b, "%s: corrupt (%s); %s it and the log after it aside and started an empty log (the node rejoins as a non-voter and gets a new snapshot from the leader)",
			r.SnapshotCorruption.File, r.SnapshotCorruption.Reason, verb)
		if r.SnapshotBackup != "" {
			fmt.Fprintf(&b, "; kept as %s and %s", r.SnapshotBackup, r.Backup)
		}
		return b.String()
	case r.Missing:
		verb := "would start"
		if r.Changed {
			verb = "started"
		}
		fmt.Fprintf(&b, "%s: missing; %s an empty log in its place (the node rejoins as a non-voter and gets every entry from the leader)", r.LogFile, verb)
		return b.String()
	case r.Corruption != nil:
		fmt.Fprintf(&b, "%s: corrupt at offset %d (%s)", r.LogFile, r.Corruption.Offset, r.Corruption.Reason)
	case r.TornTail != nil:
		fmt.Fprintf(&b, "%s: torn tail at offset %d (%s)", r.LogFile, r.TornTail.Offset, r.TornTail.Reason)
	default:
		fmt.Fprintf(&b, "%s: intact, nothing to repair", r.LogFile)
		return b.String()
	}
	verb := "would cut"
	if r.Changed {
		verb = "cut"
	}
	fmt.Fprintf(&b, "; %s %d bytes at offset %d, keeping %d records (last index %d, hs term=%d vote=%d commit=%d)",
		verb, r.CutBytes, r.CutOffset, r.KeptRecords, r.LastIndex, r.HardState.Term, r.HardState.VotedFor, r.HardState.Commit)
	if r.Backup != "" {
		fmt.Fprintf(&b, "; the damaged file is kept as %s", r.Backup)
	}
	return b.String()
}

// Repair cuts the current log file of the store in dir at its first damaged record,
// after copying the whole file to a backup next to it (the log file's name plus
// ".bak", or ".bak.2" and on if that exists). Open then accepts the store. With
// opts.DryRun it only reports.
//
// Repair loses data by design: every record from the damage on, including any valid
// ones after it. A HardState among them may have recorded a vote, so a repaired peer
// can vote twice in one term, and entries it acknowledged may vanish; Raft tolerates
// that only while a majority of the cluster is intact. It is a tool for a teaching
// cluster, not for production. Term and vote survive in the state file, and Open then
// finds the loss (the log ends below the synced high-water mark), so the node rejoins
// as a non-voter until it has caught up. A missing log file is replaced by an empty
// one, and the state file marked recovering. A damaged file header cannot be repaired
// this way, and Repair returns an error; for a damaged state file see RebuildState.
func Repair(dir string, opts RepairOptions) (RepairReport, error) {
	return withLock(dir, func() (RepairReport, error) { return repairWith(osFS{}, dir, opts) })
}

func repairWith(fsys fileSystem, dir string, opts RepairOptions) (RepairReport, error) {
	st, err := readState(fsys, dir)
	if err != nil {
		return RepairReport{}, fmt.Errorf("filestore: repair %s: %w", dir, err)
	}
	if st.snap.index > 0 {
		_, err := readSnapshot(fsys, filepath.Join(dir, snapFileName(st.snap.index)), st.snap)
		if ce := (*CorruptionError)(nil); errors.As(err, &ce) {
			return replaceSnapshot(fsys, dir, st, ce, opts)
		} else if err != nil {
			return RepairReport{}, fmt.Errorf("filestore: repair %s: %w", dir, err)
		}
	}
	path := filepath.Join(dir, logFileName(st.generation))
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return startEmptyLog(fsys, dir, st, opts)
	}
	if err != nil {
		return RepairReport{}, fmt.Errorf("filestore: repair %s: %w", dir, err)
	}
	res, err := replayLog(path, data, st.generation, st.snap, nil)
	r := RepairReport{LogFile: path, TornTail: res.torn, KeptRecords: res.records,
		LastIndex: res.state.log.last(), HardState: res.state.hs}
	if ce := (*CorruptionError)(nil); errors.As(err, &ce) {
		if ce.Offset < logHeaderSize {
			return r, fmt.Errorf("filestore: repair %s: the file header is damaged, so no record can be trusted: %w", dir, err)
		}
		r.Corruption = ce
	} else if err != nil {
		return r, err
	}
	if r.Corruption == nil && r.TornTail == nil {
		return r, nil
	}
	r.CutOffset, r.CutBytes = res.end, int64(len(data))-res.end
	if opts.DryRun {
		return r, nil
	}
	if r.Backup, err = writeBackup(fsys, dir, path, data, opts.NoSync); err != nil {
		return r, err
	}
	if err := cutFile(fsys, path, res.end, opts.NoSync); err != nil {
		return r, err
	}
	r.Changed = true
	return r, nil
}

// startEmptyLog writes an empty log file (a header only) where the state file's log
// is missing. The high-water mark the state file holds then proves the loss to Open,
// and the node rejoins as a non-voter; term and vote stay in the state file.
func startEmptyLog(fsys fileSystem, dir string, st stateFile, opts RepairOptions) (RepairReport, error) {
	path := filepath.Join(dir, logFileName(st.generation))
	r := RepairReport{LogFile: path, Missing: true}
	if opts.DryRun {
		return r, nil
	}
	s := &Store{fs: fsys, dir: dir, opts: Options{NoSync: opts.NoSync}}
	empty := logState{}
	empty.log.base, empty.log.baseTerm = st.snap.index, st.snap.term
	f, _, _, err := s.writeLogFile(st.generation, &empty)
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		// Whatever the high-water mark says, a log that is gone is a loss.
		next := st
		next.recovering = true
		_, err = s.writeState(next)
	}
	if err != nil {
		return r, fmt.Errorf("filestore: repair %s: start an empty %s: %w", dir, path, err)
	}
	r.Changed = true
	return r, nil
}

// replaceSnapshot handles a damaged or missing snapshot file: the log after it is
// useless without it, so both are moved aside (renamed to backups) and an empty log
// of the next generation, following no snapshot, takes their place. The state file
// keeps term and vote and is marked recovering: the node rejoins as a non-voter, and
// the leader, which no longer has the entries it lacks, sends it a snapshot (§7).
func replaceSnapshot(fsys fileSystem, dir string, st stateFile, ce *CorruptionError, opts RepairOptions) (RepairReport, error) {
	logPath := filepath.Join(dir, logFileName(st.generation))
	r := RepairReport{LogFile: logPath, SnapshotCorruption: ce}
	if opts.DryRun {
		return r, nil
	}
	moveAside := func(path string) (string, error) {
		backup := path + ".bak"
		for n := 2; n <= 1000; n++ {
			if _, err := fsys.ReadFile(backup); errors.Is(err, fs.ErrNotExist) {
				break
			}
			backup = fmt.Sprintf("%s.bak.%d", path, n)
		}
		if err := fsys.Rename(path, backup); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", nil
			}
			return "", err
		}
		return backup, nil
	}
	s := &Store{fs: fsys, dir: dir, opts: Options{NoSync: opts.NoSync}}
	next := st
	next.generation, next.snap, next.recovering, next.hwm = st.generation+1, snapRef{}, true, highWater{}
	r.LogFile = filepath.Join(dir, logFileName(next.generation))
	f, _, _, err := s.writeLogFile(next.generation, &logState{})
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		r.SnapshotBackup, err = moveAside(ce.File)
	}
	if err == nil {
		r.Backup, err = moveAside(logPath)
	}
	if err == nil {
		_, err = s.writeState(next)
	}
	if err != nil {
		return r, fmt.Errorf("filestore: repair %s: replace the damaged snapshot %s: %w", dir, ce.File, err)
	}
	r.Changed = true
	return r, nil
}

// writeBackup copies data, the contents of path, to a new backup file and makes it
// durable; it returns the backup's path.
func writeBackup(fsys fileSystem, dir, path string, data []byte, noSync bool) (string, error) {
	backup := path + ".bak"
	var f file
	var err error
	for n := 2; ; n++ {
		f, err = fsys.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) || n > 1000 {
			break
		}
		backup = fmt.Sprintf("%s.bak.%d", path, n)
	}
	if err != nil {
		return "", fmt.Errorf("filestore: back up %s: %w", path, err)
	}
	_, err = f.WriteAt(data, 0)
	if err == nil && !noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !noSync {
		err = fsys.SyncDir(dir)
	}
	if err != nil {
		return "", fmt.Errorf("filestore: back up %s to %s: %w", path, backup, err)
	}
	return backup, nil
}

// cutFile truncates path to size and makes that durable.
func cutFile(fsys fileSystem, path string, size int64, noSync bool) error {
	f, err := fsys.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("filestore: cut %s: %w", path, err)
	}
	err = f.Truncate(size)
	if err == nil && !noSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("filestore: cut %s at offset %d: %w", path, size, err)
	}
	return nil
}

// RebuildReport says what RebuildState found and did.
type RebuildReport struct {
	StateFile string // path of the state file
	// Problem is what was wrong with the state file; "" if it was intact, and then
	// nothing was done.
	Problem string
	// LogFile is the log file the new state file names: of the log files with a valid
	// header, the one holding the most entries (the newest generation on a tie).
	LogFile    string
	Generation uint64
	LastIndex  uint64
	HardState  engine.HardState // the last one in that log: the new term and vote
	Backup     string           // where the damaged state file was kept, "" if none
	Changed    bool             // a new state file was written
}

// String is a one-line summary for the CLI.
func (r RebuildReport) String() string {
	if r.Problem == "" {
		return fmt.Sprintf("%s: intact, nothing to rebuild", r.StateFile)
	}
	verb := "would write"
	if r.Changed {
		verb = "wrote"
	}
	s := fmt.Sprintf("%s: %s; %s a new one naming %s (generation %d, last index %d, term %d, vote %d), marked recovering",
		r.StateFile, r.Problem, verb, r.LogFile, r.Generation, r.LastIndex, r.HardState.Term, r.HardState.VotedFor)
	if r.Backup != "" {
		s += "; the damaged state file is kept as " + r.Backup
	}
	return s
}

// RebuildState writes a new state file for the store in dir when the state file is
// missing or damaged and a log file is there: the voters must be given (only the
// state file holds them); the term and vote are the last the log holds. A damaged
// state file is copied to a backup first. With opts.DryRun it only reports.
//
// What the lost state file alone knew is gone: the high-water mark, and a term or
// vote newer than the log's last HardState if the log also lost its tail. So the new
// state file says the store is recovering: the node rejoins as a non-voter and
// votes again only once it holds a leader's whole log (engine.Config.Recovering).
func RebuildState(dir string, voters []uint64, opts RepairOptions) (RebuildReport, error) {
	return withLock(dir, func() (RebuildReport, error) { return rebuildStateWith(osFS{}, dir, voters, opts) })
}

func rebuildStateWith(fsys fileSystem, dir string, voters []uint64, opts RepairOptions) (RebuildReport, error) {
	r := RebuildReport{StateFile: filepath.Join(dir, stateFileName)}
	_, err := readState(fsys, dir)
	var ce *CorruptionError
	if err == nil {
		return r, nil
	}
	if !errors.As(err, &ce) {
		return r, fmt.Errorf("filestore: rebuild the state file of %s: %w", dir, err)
	}
	r.Problem = ce.Reason
	if len(voters) == 0 {
		return r, fmt.Errorf("filestore: rebuild the state file of %s: the voters must be given; the state file held them", dir)
	}
	files, err := listDir(fsys, dir)
	if err != nil {
		return r, err
	}
	// The log may follow a snapshot: try it after each intact snapshot file as well
	// as from index 1, and keep the reading that holds the most.
	refs := []snapRef{{}}
	for _, index := range files.snaps {
		if data, err := fsys.ReadFile(filepath.Join(dir, snapFileName(index))); err == nil {
			if snap, err := decodeSnapshot(data); err == nil && snap.Meta.Index == index {
				refs = append(refs, snapRef{index: index, term: snap.Meta.Term})
			}
		}
	}
	var best *replayResult
	var bestSnap snapRef
	for _, generation := range files.logs {
		path := filepath.Join(dir, logFileName(generation))
		data, err := fsys.ReadFile(path)
		if err != nil {
			return r, fmt.Errorf("filestore: rebuild the state file of %s: %w", dir, err)
		}
		h, err := decodeLogHeader(data)
		if err != nil || h.generation != generation {
			continue // not a log this store wrote under that name
		}
		// A damaged log still counts up to its damage; Repair cuts it afterwards.
		for _, ref := range refs {
			res, _ := replayLog(path, data, generation, ref, nil)
			if best == nil || res.records > best.records || (res.records == best.records && res.state.log.last() >= best.state.log.last()) {
				best, bestSnap, r.LogFile, r.Generation = &res, ref, path, generation
			}
		}
	}
	if best == nil {
		return r, fmt.Errorf("filestore: rebuild the state file of %s: no log file with a valid header; nothing to rebuild from", dir)
	}
	r.LastIndex, r.HardState = best.state.log.last(), best.state.hs
	if opts.DryRun {
		return r, nil
	}
	if data, err := fsys.ReadFile(r.StateFile); err == nil {
		if r.Backup, err = writeBackup(fsys, dir, r.StateFile, data, opts.NoSync); err != nil {
			return r, err
		}
	}
	s := &Store{fs: fsys, dir: dir, opts: Options{NoSync: opts.NoSync}}
	st := stateFile{generation: r.Generation, conf: engine.ConfState{Voters: slices.Clone(voters)},
		term: r.HardState.Term, vote: r.HardState.VotedFor, recovering: true, snap: bestSnap}
	if _, err := s.writeState(st); err != nil {
		return r, fmt.Errorf("filestore: rebuild the state file of %s: %w", dir, err)
	}
	r.Changed = true
	return r, nil
}

// AcceptLoss clears the recovering flag of the store in dir (see
// RecoveryReport.Recovering), so that its node votes again at once, and sets the
// high-water mark at the end of the log as it is. It reports whether the flag was
// set. This is the way out when too many nodes lost data for any of them to catch up
// from a leader (two of three, say): entries they had acknowledged may then be lost
// for good, which is why nothing does it on its own. A log with corruption must be
// repaired first.
func AcceptLoss(dir string, opts RepairOptions) (bool, error) {
	return withLock(dir, func() (bool, error) { return acceptLossWith(osFS{}, dir, opts) })
}

func acceptLossWith(fsys fileSystem, dir string, opts RepairOptions) (bool, error) {
	if opts.DryRun {
		r, err := inspectWith(fsys, dir)
		if err != nil {
			return false, fmt.Errorf("filestore: accept the loss in %s: %w", dir, err)
		}
		return r.Recovering, nil
	}
	// Opening records any loss still unrecorded (the log gets the restored HardState);
	// MarkRecovered then clears the flag with a high-water mark at the log's end.
	s, report, err := openWith(fsys, dir, Options{NoSync: opts.NoSync})
	if err != nil {
		return false, fmt.Errorf("filestore: accept the loss in %s: %w", dir, err)
	}
	err = s.MarkRecovered()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("filestore: accept the loss in %s: %w", dir, err)
	}
	return report.Recovering, nil
}

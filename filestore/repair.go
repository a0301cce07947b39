package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	Changed     bool             // the log file was cut
}

// String is a one-line summary for the CLI.
func (r RepairReport) String() string {
	var b strings.Builder
	switch {
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
// cluster, not for production. A damaged file header or state file cannot be repaired
// this way, and Repair returns an error.
func Repair(dir string, opts RepairOptions) (RepairReport, error) {
	return repairWith(osFS{}, dir, opts)
}

func repairWith(fsys fileSystem, dir string, opts RepairOptions) (RepairReport, error) {
	st, err := readState(fsys, dir)
	if err != nil {
		return RepairReport{}, fmt.Errorf("filestore: repair %s: %w", dir, err)
	}
	path := filepath.Join(dir, logFileName(st.generation))
	data, err := fsys.ReadFile(path)
	if err != nil {
		return RepairReport{}, fmt.Errorf("filestore: repair %s: %w", dir, err)
	}
	res, err := replayLog(path, data, st.generation, nil)
	r := RepairReport{LogFile: path, TornTail: res.torn, KeptRecords: res.records,
		LastIndex: uint64(res.state.log.len()), HardState: res.state.hs}
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

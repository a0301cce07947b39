package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// lockFileName is the lock file of a store directory (lockDir).
const lockFileName = "LOCK"

// LockedError is a store directory that another process has open: a running node, or
// a repair in progress.
type LockedError struct {
	Dir string
	PID int // the process holding the lock, 0 when unknown
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("process %d", e.PID)
	}
	return fmt.Sprintf("filestore: %s is in use by %s (a node running on it?); stop it first", e.Dir, holder)
}

// withLock runs do while holding the lock of dir. A directory that does not exist
// needs no lock: do then reports it missing in its own words.
func withLock[T any](dir string, do func() (T, error)) (T, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return do()
	}
	unlock, err := lockDir(dir)
	if err != nil {
		var zero T
		return zero, err
	}
	defer unlock()
	return do()
}

// LockHolder reports whether a process has the store in dir open (Open until Close, or
// a repair), and which one (0 when unknown). It takes the lock only for a moment: a
// reader such as Inspect uses it to warn that the files may change under it.
func LockHolder(dir string) (pid int, held bool) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return 0, false
	}
	unlock, err := lockDir(dir)
	var locked *LockedError
	if errors.As(err, &locked) {
		return locked.PID, true
	}
	if err == nil {
		unlock()
	}
	return 0, false
}

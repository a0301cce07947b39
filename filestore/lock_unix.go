//go:build unix

package filestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDir takes the store's lock in dir: an exclusive flock on dir/LOCK, which the
// kernel drops when the process ends, however it ends (kill -9 too). Two processes
// appending to one log would interleave their records, and a repair cutting a log that
// a running node appends to would lose what the node writes next; the lock turns both
// into an error that names the process holding it. The file holds that process's id.
func lockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("filestore: lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: lockHolder(path)}
		}
		return nil, fmt.Errorf("filestore: lock %s: %w", dir, err)
	}
	// The id is a hint for the error above, not part of the lock: failing to write it
	// only makes that error less precise.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil
}

// lockHolder reads the process id a lock file holds, 0 if it holds none.
func lockHolder(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

package filestore

import (
	"errors"
	"os"
)

// fileSystem is everything the store does to the disk. The store writes through it so
// that tests can stand a crash-simulating file system in for the real one.
type fileSystem interface {
	MkdirAll(dir string) error
	// ReadDir returns the names of the files in dir.
	ReadDir(dir string) ([]string, error)
	ReadFile(path string) ([]byte, error)
	OpenFile(path string, flag int, perm os.FileMode) (file, error)
	Rename(oldPath, newPath string) error
	Remove(path string) error
	// SyncDir makes the names in dir durable: files created, renamed or removed.
	SyncDir(dir string) error
}

// file is an open file of a fileSystem.
type file interface {
	WriteAt(p []byte, off int64) (int, error)
	// Sync makes the file's data durable (fdatasync): after it returns, a crash keeps
	// every byte written so far. It does not make the file's name durable.
	Sync() error
	Truncate(size int64) error
	Close() error
}

// osFS is the real file system.
type osFS struct{}

func (osFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func (osFS) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

func (osFS) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (osFS) OpenFile(path string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Rename(oldPath, newPath string) error { return os.Rename(oldPath, newPath) }

func (osFS) Remove(path string) error { return os.Remove(path) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// osFile is an *os.File whose Sync is fdatasync where the system has it: it flushes
// the data and the file size, and skips timestamps, which recovery does not need.
type osFile struct{ *os.File }

func (f osFile) Sync() error { return datasync(f.File) }

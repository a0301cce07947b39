//go:build !linux

package filestore

import "os"

// datasync flushes f's data to the disk. Without fdatasync this is File.Sync, which
// also flushes metadata (and on macOS asks the drive to empty its cache, F_FULLFSYNC).
func datasync(f *os.File) error { return f.Sync() }

//go:build unix

package filestore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two stores open on one directory appended to one log file, and a repair could cut
// a log a running node appends to: a store holds the directory's lock until Close.
func TestAnOpenStoreLocksItsDirectory(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, Options{Voters: []uint64{1, 2, 3}})
	require.NoError(t, err)

	_, _, err = Open(dir, Options{Voters: []uint64{1, 2, 3}})
	var locked *LockedError
	require.ErrorAs(t, err, &locked)
	assert.Equal(t, os.Getpid(), locked.PID, "the lock names the process holding it")
	assert.Contains(t, err.Error(), dir+" is in use by process")
	assert.Contains(t, err.Error(), "stop it first")

	_, err = Repair(dir, RepairOptions{})
	assert.ErrorAs(t, err, &locked)
	_, err = RebuildState(dir, []uint64{1, 2, 3}, RepairOptions{})
	assert.ErrorAs(t, err, &locked)
	_, err = AcceptLoss(dir, RepairOptions{})
	assert.ErrorAs(t, err, &locked)

	require.NoError(t, s.Close())
	s, _, err = Open(dir, Options{Voters: []uint64{1, 2, 3}})
	require.NoError(t, err, "Close releases the lock")
	require.NoError(t, s.Close())
	_, err = Repair(dir, RepairOptions{})
	assert.NoError(t, err)
}

// The lock file is no part of the store: a leftover one (its process killed) does not
// stop an Open, and Inspect does not list it among the other files.
func TestALeftoverLockFileIsHarmless(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, Options{Voters: []uint64{1}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, lockFileName), []byte("99999999\n"), 0o644))
	s, _, err = Open(dir, Options{Voters: []uint64{1}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	r, err := Inspect(dir)
	require.NoError(t, err)
	assert.NotContains(t, r.OtherFiles, lockFileName)
}

// Repairing a directory that does not exist says so, as it did before the lock.
func TestRepairOfAMissingDirectoryNeedsNoLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothere")
	_, err := Repair(dir, RepairOptions{})
	require.Error(t, err)
	var locked *LockedError
	assert.NotErrorAs(t, err, &locked)
	assert.NoDirExists(t, dir)
}

// LockHolder tells a reader (raftplay repair without --truncate) that a process has
// the store open, without keeping the lock.
func TestLockHolder(t *testing.T) {
	dir := t.TempDir()
	_, held := LockHolder(dir)
	assert.False(t, held)
	s, _, err := Open(dir, Options{Voters: []uint64{1}})
	require.NoError(t, err)
	pid, held := LockHolder(dir)
	assert.True(t, held)
	assert.Equal(t, os.Getpid(), pid)
	require.NoError(t, s.Close())
	_, held = LockHolder(dir)
	assert.False(t, held)
	s, _, err = Open(dir, Options{Voters: []uint64{1}})
	require.NoError(t, err, "LockHolder keeps no lock")
	require.NoError(t, s.Close())
	_, held = LockHolder(filepath.Join(dir, "nothere"))
	assert.False(t, held)
	assert.NoDirExists(t, filepath.Join(dir, "nothere"))
}

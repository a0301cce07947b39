package filestore

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

var testVoters = []uint64{1, 2, 3}

// testDir is the directory the faultFS tests use.
const testDir = "/store"

var (
	ents     = storetest.Ents
	describe = storetest.Describe
)

// save is one call of Save, for tests that replay sequences of them.
type save struct {
	hs      engine.HardState
	entries []engine.Entry
	sync    bool
}

// readAll returns the whole log of s through the Storage interface.
func readAll(t testing.TB, s *Store) []engine.Entry { return storetest.ReadAll(t, s) }

// indexEntries returns every entry of x in one slice.
func indexEntries(x *entryIndex) []engine.Entry {
	var log []engine.Entry
	for _, chunk := range x.chunks {
		log = append(log, chunk...)
	}
	return log
}

// openMem opens a store on a fresh faultFS that never crashes.
func openMem(t testing.TB, opts Options) (*Store, *faultFS) {
	t.Helper()
	fsys := newFaultFS(1)
	if opts.Voters == nil {
		opts.Voters = testVoters
	}
	s, report, err := openWith(fsys, testDir, opts)
	require.NoError(t, err)
	require.True(t, report.Created)
	return s, fsys
}

// reopen closes s and opens the store again on the same file system.
func reopen(t testing.TB, s *Store, fsys fileSystem) (*Store, RecoveryReport) {
	t.Helper()
	require.NoError(t, s.Close())
	s2, report, err := openWith(fsys, testDir, Options{})
	require.NoError(t, err)
	return s2, report
}

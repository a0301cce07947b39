package filestore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

var testVoters = []uint64{1, 2, 3}

// testDir is the directory the faultFS tests use.
const testDir = "/store"

// ents returns entries first, first+1, ... with the given terms. Each command names its
// index and term, so a replaced entry is told apart from the one it replaced.
func ents(first uint64, terms ...uint64) []engine.Entry {
	out := make([]engine.Entry, len(terms))
	for i, term := range terms {
		index := first + uint64(i)
		out[i] = engine.Entry{Index: index, Term: term, Command: []byte(fmt.Sprintf("%d@%d", index, term))}
	}
	return out
}

// describe is the text form of a log used in assertions: "1@1 2@1 3@2", with the
// command added when it is not the one ents would give.
func describe(log []engine.Entry) string {
	parts := make([]string, len(log))
	for i, e := range log {
		parts[i] = fmt.Sprintf("%d@%d", e.Index, e.Term)
		if string(e.Command) != parts[i] {
			parts[i] += fmt.Sprintf("(%q)", e.Command)
		}
		if len(e.Context) > 0 {
			parts[i] += fmt.Sprintf("[%q]", e.Context)
		}
	}
	return strings.Join(parts, " ")
}

// readAll returns the whole log of s through the Storage interface, asking again
// where Entries stops short, as the engine does.
func readAll(t testing.TB, s *Store) []engine.Entry {
	t.Helper()
	last, err := s.LastIndex()
	require.NoError(t, err)
	var log []engine.Entry
	for lo := uint64(1); lo <= last; {
		part, err := s.Entries(lo, last+1, ^uint64(0))
		require.NoError(t, err)
		require.NotEmpty(t, part)
		log = append(log, part...)
		lo += uint64(len(part))
	}
	require.Len(t, log, int(last))
	return log
}

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

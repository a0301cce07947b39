package filestore

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

func TestSaveContract(t *testing.T) {
	var fsys *faultFS
	storetest.RunSaveContract(t, storetest.Harness{
		New: func(t *testing.T) engine.LogStore {
			var s *Store
			s, fsys = openMem(t, Options{})
			return s
		},
		Reloads: []storetest.Reload{
			{Name: "reopening", Do: func(t *testing.T, s engine.LogStore) engine.LogStore {
				reopened, _ := reopen(t, s.(*Store), fsys)
				return reopened
			}},
			{Name: "compacting and reopening", Do: func(t *testing.T, s engine.LogStore) engine.LogStore {
				require.NoError(t, s.(*Store).Compact())
				reopened, _ := reopen(t, s.(*Store), fsys)
				return reopened
			}},
		},
	})
}

func TestOpenOptions(t *testing.T) {
	fsys := newFaultFS(1)
	_, _, err := openWith(fsys, testDir, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Options.Voters is empty")

	s, _, err := openWith(fsys, testDir, Options{Voters: []uint64{3, 1, 2}})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, _, err = openWith(fsys, testDir, Options{Voters: []uint64{1, 2, 4}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Options.Voters [1 2 4] differ from the stored voters [3 1 2]")

	_, _, err = openWith(fsys, testDir, Options{CompactDeadRatio: -1})
	assert.ErrorContains(t, err, "must not be negative")

	for _, voters := range [][]uint64{nil, {1, 2, 3}} { // none given, or the same set in another order
		s, report, err := openWith(fsys, testDir, Options{Voters: voters})
		require.NoError(t, err)
		assert.False(t, report.Created)
		_, conf, err := s.InitialState()
		require.NoError(t, err)
		assert.Equal(t, []uint64{3, 1, 2}, conf.Voters)
		require.NoError(t, s.Close())
	}
}

func TestOpenKeepsItsOwnVoters(t *testing.T) {
	voters := []uint64{1, 2, 3}
	s, _ := openMem(t, Options{Voters: voters})
	voters[0] = 9
	_, conf, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2, 3}, conf.Voters)
}

func TestReadContract(t *testing.T) {
	storetest.RunReadContract(t, storetest.Harness{New: func(t *testing.T) engine.LogStore {
		s, _ := openMem(t, Options{})
		return s
	}})
}

// An Entries result is a snapshot: later truncations do not change it, and the store
// does not keep the caller's Entry slice.
func TestEntriesAreSnapshots(t *testing.T) {
	s, _ := openMem(t, Options{})
	batch := ents(1, 1, 1, 1)
	require.NoError(t, s.Save(engine.HardState{}, batch, true))
	batch[0] = engine.Entry{Index: 1, Term: 7} // the engine reuses Ready.Entries after Advance
	before, err := s.Entries(1, 4, 100)
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{}, ents(2, 2), true))
	require.NoError(t, s.Save(engine.HardState{}, ents(3, 2, 2), true))
	assert.Equal(t, "1@1 2@1 3@1", describe(before))
	assert.Equal(t, "1@1 2@2 3@2 4@2", describe(readAll(t, s)))
}

func TestReplayAfterReopen(t *testing.T) {
	s, fsys := openMem(t, Options{})
	hs := engine.HardState{Term: 1, VotedFor: 2, Commit: 0}
	require.NoError(t, s.Save(hs, ents(1, 1, 1, 1), true))
	hs.Commit = 2
	require.NoError(t, s.Save(hs, nil, false))
	hs = engine.HardState{Term: 3, Commit: 2}
	ctx := []engine.Entry{{Index: 3, Term: 3, Command: []byte("3@3"), Context: []byte("ctx")}}
	require.NoError(t, s.Save(hs, ctx, true))

	// Two records: the commit-only change rode on the next one (see Save).
	s, report := reopen(t, s, fsys)
	assert.Equal(t, RecoveryReport{LogFile: testDir + "/log-0000000000000001", Records: 2, LastIndex: 3, HardState: hs}, report)
	assert.Equal(t, `1@1 2@1 3@3["ctx"]`, describe(readAll(t, s)))
	assert.Equal(t, "replayed 2 records of /store/log-0000000000000001: last index 3, term 3, vote 0, commit 2", report.String())
}

func TestSaveSkipsWhatDidNotChange(t *testing.T) {
	s, _ := openMem(t, Options{})
	hs := engine.HardState{Term: 1, VotedFor: 1}
	require.NoError(t, s.Save(hs, nil, false))
	assert.False(t, s.Stats().Unsynced, "a new term or vote is always synced")
	hs.Commit = 1
	require.NoError(t, s.Save(hs, []engine.Entry{{Index: 1, Term: 1}}, false))
	size := s.Stats().FileBytes
	assert.True(t, s.Stats().Unsynced)

	require.NoError(t, s.Save(hs, nil, false)) // the same HardState: nothing to write
	assert.Equal(t, size, s.Stats().FileBytes)
	assert.True(t, s.Stats().Unsynced)

	require.NoError(t, s.Save(engine.HardState{}, nil, true)) // nothing to write, but a sync
	assert.Equal(t, size, s.Stats().FileBytes)
	assert.False(t, s.Stats().Unsynced)
}

func TestFailedWriteStopsTheStore(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{Term: 1}, ents(1, 1), true))
	fsys.crashAt = fsys.ops + 2 // the sync of the next Save
	err := s.Save(engine.HardState{}, ents(2, 1), true)
	require.ErrorIs(t, err, errCrashed)
	assert.Contains(t, err.Error(), "the store must be reopened")
	assert.Equal(t, "1@1", describe(readAll(t, s)), "a failed Save leaves the log as it was")

	fsys.restart() // even with a working disk, the store stays failed
	err = s.Save(engine.HardState{}, ents(2, 1), true)
	require.ErrorIs(t, err, errCrashed)
	assert.ErrorContains(t, err, "sync /store/log-0000000000000001")
	assert.ErrorContains(t, s.Compact(), "the store must be reopened")
}

func TestClose(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{}, ents(1, 1), false))
	require.NoError(t, s.Close())
	fsys.crashAt = 1
	fsys.restart() // Close synced the unsynced Save
	s, _, err := openWith(fsys, testDir, Options{})
	require.NoError(t, err)
	assert.Equal(t, "1@1", describe(readAll(t, s)))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close does nothing")
	assert.ErrorContains(t, s.Save(engine.HardState{}, ents(2, 1), true), "the store is closed")
}

func TestCompact(t *testing.T) {
	s, fsys := openMem(t, Options{DisableAutoCompact: true})
	require.NoError(t, s.Save(engine.HardState{}, ents(1, 1), false))
	for term := uint64(1); term <= 20; term++ { // each term rewrites entries 2..5
		require.NoError(t, s.Save(engine.HardState{Term: term, VotedFor: 1, Commit: 1}, ents(2, term, term, term, term), false))
	}
	want := describe(readAll(t, s))
	before := s.Stats()
	assert.Equal(t, uint64(1), before.Generation)
	assert.Greater(t, before.DeadBytes, 3*before.LiveBytes)
	assert.Equal(t, before.FileBytes, before.LiveBytes+before.DeadBytes)

	require.NoError(t, s.Compact())
	after := s.Stats()
	assert.Equal(t, uint64(2), after.Generation)
	assert.Equal(t, testDir+"/log-0000000000000002", after.LogFile)
	assert.Equal(t, testDir+"/state", after.StateFile)
	assert.Equal(t, before.LiveBytes, after.LiveBytes)
	assert.Less(t, after.DeadBytes, int64(frameSize+3), "one record: its frame, flags and count")
	assert.Equal(t, 1, after.Compactions)
	assert.False(t, after.Unsynced)
	assert.Equal(t, "/store/log-0000000000000002 /store/state", fsys.names(), "the old log is gone")

	s, _ = reopen(t, s, fsys)
	assert.Equal(t, want, describe(readAll(t, s)))
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, engine.HardState{Term: 20, VotedFor: 1, Commit: 1}, hs)
}

func TestCompactSplitsLargeLogs(t *testing.T) {
	s, fsys := openMem(t, Options{DisableAutoCompact: true})
	big := make([]byte, 300<<10)
	for i := uint64(1); i <= 10; i++ {
		require.NoError(t, s.Save(engine.HardState{}, []engine.Entry{{Index: i, Term: 1, Command: big}}, false))
	}
	require.NoError(t, s.Compact())
	report, err := inspectWith(fsys, testDir)
	require.NoError(t, err)
	require.Len(t, report.Records, 3, "about 1 MiB per record: 4 + 4 + 2 entries")
	assert.Equal(t, uint64(10), report.LastIndex)
}

func TestAutoCompact(t *testing.T) {
	s, fsys := openMem(t, Options{CompactMinDeadBytes: 1000, CompactDeadRatio: 1})
	hs := engine.HardState{Term: 1}
	for i := uint64(1); i <= 200; i++ {
		hs.Commit = i
		require.NoError(t, s.Save(hs, ents(i, 1), true))
		st := s.Stats()
		assert.True(t, st.DeadBytes < 1000 || float64(st.DeadBytes) <= float64(st.LiveBytes),
			"after save %d: dead %d, live %d", i, st.DeadBytes, st.LiveBytes)
	}
	assert.Positive(t, s.Stats().Compactions)
	s, _ = reopen(t, s, fsys)
	assert.Equal(t, uint64(200), s.Stats().LastIndex)
	got, err := s.Entries(200, 201, 0)
	require.NoError(t, err)
	assert.Equal(t, "200@1", describe(got))
}

func TestOpenRemovesLeftovers(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{Term: 1}, ents(1, 1), true))
	require.NoError(t, s.Close())
	// What a crash in the middle of a compaction and a state write leaves behind.
	fsys.files[testDir+"/log-0000000000000002"] = &inode{data: []byte("half a log")}
	fsys.files[testDir+"/state.tmp"] = &inode{data: []byte("half a state")}
	fsys.files[testDir+"/log-0000000000000001.bak"] = &inode{data: []byte("a backup")}

	s, report, err := openWith(fsys, testDir, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{testDir + "/log-0000000000000002", testDir + "/state.tmp"}, report.Removed)
	assert.Equal(t, "/store/log-0000000000000001 /store/log-0000000000000001.bak /store/state", fsys.names())
	assert.Contains(t, report.String(), "removed /store/log-0000000000000002, /store/state.tmp")
	assert.Equal(t, "1@1", describe(readAll(t, s)))
}

func TestCreateOverLeftovers(t *testing.T) {
	fsys := newFaultFS(1)
	// A create that crashed before writing the state file leaves a log with a header only.
	fsys.files[testDir+"/log-0000000000000001"] = &inode{data: appendLogHeader(nil, logHeader{version: 1, generation: 1})}
	s, report, err := openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	assert.True(t, report.Created)
	require.NoError(t, s.Close())

	// A log with records but no state file is refused, not overwritten.
	fsys = newFaultFS(1)
	s, _, err = openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{Term: 1}, ents(1, 1), true))
	require.NoError(t, s.Close())
	delete(fsys.files, testDir+"/state")
	_, _, err = openWith(fsys, testDir, Options{Voters: testVoters})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the state file is missing but /store/log-0000000000000001 holds")
}

func TestInspect(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1}, ents(1, 1, 1, 1), true))
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1, Commit: 2}, nil, true))
	require.NoError(t, s.Save(engine.HardState{Term: 2}, ents(3, 2, 2), true))
	require.NoError(t, s.Close())

	r, err := inspectWith(fsys, testDir)
	require.NoError(t, err)
	var lines []string
	for _, rec := range r.Records {
		lines = append(lines, rec.String())
	}
	assert.Equal(t, []string{
		"@28 append 1..3 term 1 hs term=1 vote=1 commit=0",
		"@69 hardstate hs term=1 vote=1 commit=2",
		"@86 truncate 3..4 term 2 (dropped 1) hs term=2 vote=0 commit=0",
	}, lines)
	assert.Equal(t, uint64(4), r.LastIndex)
	assert.Equal(t, engine.HardState{Term: 2}, r.HardState)
	assert.Equal(t, uint64(1), r.Generation)
	assert.Equal(t, testVoters, r.ConfState.Voters)
	assert.Equal(t, r.LogBytes, r.LiveBytes+r.DeadBytes)
	assert.Nil(t, r.TornTail)
	assert.Nil(t, r.Corruption)
	assert.Contains(t, r.String(), "log /store/log-0000000000000001: 119 bytes, 3 records, last index 4")
	assert.Contains(t, r.String(), "\n  @86 truncate 3..4 term 2 (dropped 1)")
}

func TestRealFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	s, report, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	assert.True(t, report.Created)
	assert.Equal(t, "created a new store in "+dir+"/log-0000000000000001", report.String())
	hs := engine.HardState{Term: 1, VotedFor: 1, Commit: 1}
	require.NoError(t, s.Save(hs, ents(1, 1, 1), true))
	require.NoError(t, s.Compact())
	require.NoError(t, s.Save(engine.HardState{}, ents(3, 1), true))
	require.NoError(t, s.Close())

	assert.Equal(t, []string{"log-0000000000000002", "state"}, dirNames(t, dir))

	s, report, err = Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), report.LastIndex)
	assert.Equal(t, hs, report.HardState)
	assert.Equal(t, "1@1 2@1 3@1", describe(readAll(t, s)))
	require.NoError(t, s.Close())

	r, err := Inspect(dir)
	require.NoError(t, err)
	assert.Len(t, r.Records, 2)
	repaired, err := Repair(dir, RepairOptions{})
	require.NoError(t, err)
	assert.False(t, repaired.Changed)
	assert.Equal(t, dir+"/log-0000000000000002: intact, nothing to repair", repaired.String())
}

// A commit-only change (no sync asked) is not written as a record of its own: a run of
// unsynced records could reach the disk out of order in a power loss and leave a hole
// before valid data. It rides on the next record, or on Close.
func TestCommitOnlySaveWaitsForTheNextRecord(t *testing.T) {
	s, fsys := openMem(t, Options{})
	hs := engine.HardState{Term: 1, VotedFor: 1}
	require.NoError(t, s.Save(hs, ents(1, 1, 1), true))
	size := s.Stats().FileBytes

	hs.Commit = 2
	require.NoError(t, s.Save(hs, nil, false))
	assert.Equal(t, size, s.Stats().FileBytes, "a commit-only change writes nothing by itself")
	got, _, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, hs, got, "but the store reports it while it runs")

	require.NoError(t, s.Save(engine.HardState{}, ents(3, 1), true))
	assert.Greater(t, s.Stats().FileBytes, size)
	s, report := reopen(t, s, fsys)
	assert.Equal(t, hs, report.HardState, "the next record carried the commit index")

	hs.Commit = 3
	require.NoError(t, s.Save(hs, nil, false))
	require.NoError(t, s.Close())
	s, report = reopen(t, s, fsys)
	assert.Equal(t, hs, report.HardState, "a clean Close writes the deferred commit index")
	require.NoError(t, s.Close())
}

package filestore

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

func TestSnapshotContract(t *testing.T) {
	var fsys *faultFS
	storetest.RunSnapshotContract(t, storetest.Harness{
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

// TestSnapshotCrashAtEveryStep runs the crash scenarios with SaveSnapshot among the
// operations (snapshots taken locally, which keep the log after them, and received
// ones, which replace it) and crashes at every file system operation, those of
// SaveSnapshot included: the snapshot file's write, sync, rename and directory sync,
// the new log generation, the state file, the removals. After recovery the store holds
// a snapshot and log that existed, and nothing a returned SaveSnapshot made durable is
// lost.
func TestSnapshotCrashAtEveryStep(t *testing.T) {
	seeds := uint64(120)
	if testing.Short() {
		seeds = 25
	}
	runs, snapshots := 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		total := runCrashScenarioWith(t, seed, 0, 10)
		for crashAt := 1; crashAt <= total; crashAt++ {
			runCrashScenarioWith(t, seed, crashAt, 10)
			runs++
		}
	}
	// The scenarios must reach SaveSnapshot, with both kinds of suffix.
	kept, dropped := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		sc := &scenario{rng: rand.New(rand.NewPCG(seed, 7)), snapPercent: 10}
		h := &history{states: []durableState{{}}}
		for range crashSteps {
			op := sc.next(h.last())
			switch op.kind {
			case opSave:
				h.states = append(h.states, h.after(op.hs, op.entries))
			case opSnapshot:
				snapshots++
				next := h.afterSnapshot(op.snap)
				if len(next.log) > 0 {
					kept++
				} else {
					dropped++
				}
				h.states = append(h.states, next)
			}
		}
	}
	assert.Positive(t, snapshots)
	assert.Positive(t, kept, "snapshots that keep a suffix")
	assert.Positive(t, dropped, "snapshots that replace the whole log")
	t.Logf("%d crash points over %d seeds", runs, seeds)
}

// SaveSnapshot leaves the snapshot file, the new log generation and the state file,
// and nothing else: the old log and the old snapshot go once the new ones are durable.
func TestSnapshotRemovesOldFiles(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{Term: 1, Commit: 6}, ents(1, 1, 1, 1, 1, 1, 1), true))
	require.NoError(t, s.SaveSnapshot(storetest.Snap(3, 1)))
	require.NoError(t, s.SaveSnapshot(storetest.Snap(5, 1)))
	assert.Equal(t, []string{"log-0000000000000003", "snap-0000000000000005", "state"}, dirNames(t, dir))
	st := s.Stats()
	assert.Equal(t, filepath.Join(dir, "snap-0000000000000005"), st.SnapshotFile)
	assert.Equal(t, uint64(5), st.SnapshotIndex)
	assert.Equal(t, uint64(6), st.FirstIndex)
	assert.Equal(t, 2, st.Snapshots)
	require.NoError(t, s.Close())

	s, report, err := Open(dir, Options{})
	require.NoError(t, err)
	assert.Equal(t, uint64(5), report.SnapshotIndex)
	assert.Contains(t, report.String(), "after the snapshot at 5")
	assert.Equal(t, "6@1", describe(storetest.ReadAfterSnapshot(t, s)))
	require.NoError(t, s.Close())
}

// Files a crashed SaveSnapshot leaves (a half-written temporary snapshot, a snapshot
// and a log generation the state file does not name) are removed by Open.
func TestSnapshotLeftoversRemoved(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{Term: 1, Commit: 3}, ents(1, 1, 1, 1), true))
	require.NoError(t, s.SaveSnapshot(storetest.Snap(2, 1)))
	require.NoError(t, s.Close())
	for _, name := range []string{"snap-0000000000000003.tmp", "snap-0000000000000004", "log-0000000000000009"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o644))
	}
	s, report, err := Open(dir, Options{})
	require.NoError(t, err)
	assert.Len(t, report.Removed, 3)
	assert.Equal(t, []string{"log-0000000000000002", "snap-0000000000000002", "state"}, dirNames(t, dir))
	require.NoError(t, s.Close())
}

// A damaged or missing snapshot file is refused with its name; Repair moves it and the
// log after it aside and starts an empty log marked recovering, so that the node
// fetches a new snapshot from the leader.
func TestCorruptSnapshotDetectedAndRepaired(t *testing.T) {
	damages := map[string]func(t *testing.T, path string){
		"flipped byte": func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			data[len(data)/2] ^= 0x40
			require.NoError(t, os.WriteFile(path, data, 0o644))
		},
		"cut short": func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, 10))
		},
		"missing": func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, _, err := Open(dir, Options{Voters: testVoters})
			require.NoError(t, err)
			require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 1, Commit: 3}, ents(1, 1, 1, 2, 2), true))
			require.NoError(t, s.SaveSnapshot(storetest.Snap(3, 1)))
			require.NoError(t, s.Close())
			snapPath := filepath.Join(dir, "snap-0000000000000003")
			damage(t, snapPath)

			_, _, err = Open(dir, Options{})
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, snapPath, ce.File)
			assert.True(t, ce.InSnapshot())
			assert.Contains(t, err.Error(), snapPath)

			insp, err := Inspect(dir)
			require.NoError(t, err)
			require.NotNil(t, insp.SnapshotCorruption)
			assert.Contains(t, insp.String(), "CORRUPT")

			dry, err := Repair(dir, RepairOptions{DryRun: true})
			require.NoError(t, err)
			assert.False(t, dry.Changed)
			rep, err := Repair(dir, RepairOptions{})
			require.NoError(t, err)
			require.NotNil(t, rep.SnapshotCorruption)
			assert.True(t, rep.Changed)
			assert.Contains(t, rep.String(), "new snapshot from the leader")

			s, report, err := Open(dir, Options{})
			require.NoError(t, err)
			assert.True(t, report.Recovering, "the node rejoins as a non-voter")
			hs, _, err := s.InitialState()
			require.NoError(t, err)
			assert.Equal(t, uint64(2), hs.Term, "the term survives")
			assert.Equal(t, uint64(1), hs.VotedFor, "the vote survives")
			last, err := s.LastIndex()
			require.NoError(t, err)
			assert.Zero(t, last)
			// The leader's snapshot installs over the empty log.
			require.NoError(t, s.SaveSnapshot(storetest.Snap(4, 2)))
			require.NoError(t, s.Close())
			_, err = os.Stat(filepath.Join(dir, "log-0000000000000002.bak"))
			assert.NoError(t, err, "the log after the damaged snapshot is kept aside")
		})
	}
}

// Inspect describes an intact snapshot; RebuildState finds the log's place after it.
func TestSnapshotInspectAndRebuild(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{Term: 1, Commit: 4}, ents(1, 1, 1, 1, 1), true))
	require.NoError(t, s.SaveSnapshot(storetest.Snap(3, 1)))
	require.NoError(t, s.Save(engine.HardState{}, ents(5, 1, 1), true))
	require.NoError(t, s.Close())

	r, err := Inspect(dir)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), r.Snapshot.Index)
	assert.Equal(t, len(storetest.Snap(3, 1).Data), r.SnapshotBytes)
	assert.Contains(t, r.String(), "index 3, term 1")
	assert.Contains(t, r.String(), "the log starts at index 4")
	assert.Equal(t, uint64(6), r.LastIndex)

	require.NoError(t, os.Remove(filepath.Join(dir, "state")))
	rb, err := RebuildState(dir, testVoters, RepairOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(6), rb.LastIndex)
	s, report, err := Open(dir, Options{})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), report.SnapshotIndex)
	assert.Equal(t, "4@1 5@1 6@1", describe(storetest.ReadAfterSnapshot(t, s)))
	require.NoError(t, s.Close())
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if e.Name() != lockFileName { // the lock is no part of the store's data
			names = append(names, e.Name())
		}
	}
	return names
}

// Every cut and every flipped bit of a snapshot file is refused, and the intact file
// decodes to the snapshot written.
func TestSnapshotFileDamage(t *testing.T) {
	snap := storetest.Snap(9, 4)
	file := encodeSnapshot(snap)
	got, err := decodeSnapshot(file)
	require.NoError(t, err)
	assert.Equal(t, snap, got)
	for n := range len(file) {
		_, err := decodeSnapshot(file[:n])
		require.Error(t, err, "cut to %d bytes", n)
	}
	for i := range len(file) {
		for bit := range 8 {
			damaged := append([]byte(nil), file...)
			damaged[i] ^= 1 << bit
			_, err := decodeSnapshot(damaged)
			require.Error(t, err, "bit %d of byte %d flipped", bit, i)
		}
	}
}

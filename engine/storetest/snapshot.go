package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// Snap returns a snapshot up to index at term, of Voters, whose data names it.
func Snap(index, term uint64) engine.Snapshot {
	return engine.Snapshot{
		Meta: engine.SnapshotMeta{Index: index, Term: term, ConfState: engine.ConfState{Voters: append([]uint64(nil), Voters...)}},
		Data: []byte("state@" + Describe([]engine.Entry{{Index: index, Term: term}})),
	}
}

// ReadAfterSnapshot returns the log of s after its snapshot, through the Storage
// interface, asking again where Entries stops short, as the engine does.
func ReadAfterSnapshot(t testing.TB, s engine.SnapshotStorage) []engine.Entry {
	t.Helper()
	first, err := s.FirstIndex()
	require.NoError(t, err)
	last, err := s.LastIndex()
	require.NoError(t, err)
	require.LessOrEqual(t, first, last+1, "FirstIndex is at most LastIndex+1")
	var log []engine.Entry
	for lo := first; lo <= last; {
		part, err := s.Entries(lo, last+1, ^uint64(0))
		require.NoError(t, err)
		require.NotEmpty(t, part, "Entries(%d, %d) returned nothing", lo, last+1)
		log = append(log, part...)
		lo += uint64(len(part))
	}
	return log
}

// RunSnapshotContract checks SaveSnapshot and the reads of a compacted log
// (engine.SnapshotLogStore): §7's rule for the suffix after the snapshot, Term and
// Entries around the snapshot's index, stale snapshots refused, and appends after it.
// h.New must return an engine.SnapshotLogStore.
func RunSnapshotContract(t *testing.T, h Harness) {
	tests := []struct {
		name     string
		log      []engine.Entry
		snap     engine.Snapshot
		wantLog  string // the log after the snapshot
		wantLast uint64
	}{
		{name: "matching entry: the suffix stays", log: Ents(1, 1, 1, 2, 2), snap: Snap(3, 2), wantLog: "4@2", wantLast: 4},
		{name: "at the last entry", log: Ents(1, 1, 1, 2), snap: Snap(3, 2), wantLog: "", wantLast: 3},
		{name: "term differs: the whole log goes", log: Ents(1, 1, 1, 2, 2), snap: Snap(3, 3), wantLog: "", wantLast: 3},
		{name: "beyond the log: the whole log goes", log: Ents(1, 1, 1), snap: Snap(7, 2), wantLog: "", wantLast: 7},
		{name: "empty log", log: nil, snap: Snap(5, 1), wantLog: "", wantLast: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshotStore(t, h)
			require.NoError(t, s.Save(engine.HardState{Term: 3, Commit: min(uint64(len(tt.log)), 1)}, tt.log, true))
			require.NoError(t, s.SaveSnapshot(tt.snap))
			check := func(t *testing.T, s engine.SnapshotLogStore) {
				got, err := s.Snapshot()
				require.NoError(t, err)
				assert.Equal(t, tt.snap.Meta, got.Meta)
				assert.Equal(t, tt.snap.Data, got.Data)
				first, err := s.FirstIndex()
				require.NoError(t, err)
				assert.Equal(t, tt.snap.Meta.Index+1, first)
				last, err := s.LastIndex()
				require.NoError(t, err)
				assert.Equal(t, tt.wantLast, last)
				assert.Equal(t, tt.wantLog, Describe(ReadAfterSnapshot(t, s)))
				term, err := s.Term(tt.snap.Meta.Index)
				require.NoError(t, err)
				assert.Equal(t, tt.snap.Meta.Term, term, "Term of the snapshot's index")
				_, err = s.Term(tt.snap.Meta.Index - 1)
				if tt.snap.Meta.Index > 1 {
					assert.ErrorIs(t, err, engine.ErrCompacted, "Term below the snapshot's index")
				}
				_, err = s.Entries(tt.snap.Meta.Index, last+1, ^uint64(0))
				assert.ErrorIs(t, err, engine.ErrCompacted, "Entries from the snapshot's index")
				_, err = s.Term(last + 1)
				assert.ErrorIs(t, err, engine.ErrUnavailable)
				_, cs, err := s.InitialState()
				require.NoError(t, err)
				assert.ElementsMatch(t, Voters, cs.Voters)
			}
			check(t, s)
			for _, r := range h.Reloads {
				s = r.Do(t, s).(engine.SnapshotLogStore)
				t.Run(r.Name, func(t *testing.T) { check(t, s) })
			}
		})
	}

	t.Run("appends and truncation after the snapshot", func(t *testing.T) {
		s := snapshotStore(t, h)
		require.NoError(t, s.SaveSnapshot(Snap(4, 2)))
		require.NoError(t, s.Save(engine.HardState{}, Ents(5, 2, 2, 2), true))
		require.NoError(t, s.Save(engine.HardState{}, Ents(6, 3), true))
		assert.Equal(t, "5@2 6@3", Describe(ReadAfterSnapshot(t, s)))
		err := s.Save(engine.HardState{}, Ents(5, 1), true)
		require.Error(t, err, "an entry of a lower term than the snapshot's")
		err = s.Save(engine.HardState{}, Ents(4, 2), true)
		require.Error(t, err, "an entry the snapshot covers")
		assert.Equal(t, "5@2 6@3", Describe(ReadAfterSnapshot(t, s)), "refused saves change nothing")
	})

	t.Run("a snapshot not past the saved one is refused", func(t *testing.T) {
		s := snapshotStore(t, h)
		require.NoError(t, s.Save(engine.HardState{}, Ents(1, 1, 1, 1, 1, 1), true))
		require.NoError(t, s.SaveSnapshot(Snap(4, 1)))
		for _, stale := range []engine.Snapshot{Snap(4, 1), Snap(3, 1), {Meta: engine.SnapshotMeta{Index: 6}}} {
			require.Error(t, s.SaveSnapshot(stale), "%s", stale.String())
		}
		got, err := s.Snapshot()
		require.NoError(t, err)
		assert.Equal(t, Snap(4, 1), got)
		assert.Equal(t, "5@1", Describe(ReadAfterSnapshot(t, s)))
	})
}

func snapshotStore(t *testing.T, h Harness) engine.SnapshotLogStore {
	s, ok := h.New(t).(engine.SnapshotLogStore)
	require.True(t, ok, "the store does not implement engine.SnapshotLogStore")
	return s
}

package memstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

func TestSnapshotContract(t *testing.T) {
	storetest.RunSnapshotContract(t, storetest.Harness{
		New: func(*testing.T) engine.LogStore { return New(voters) },
		Reloads: []storetest.Reload{{Name: "crash", Do: func(_ *testing.T, s engine.LogStore) engine.LogStore {
			s.(*Store).Crash()
			return s
		}}},
	})
}

// A snapshot is durable when saved, and makes earlier unsynced writes durable with it,
// as an fsync would; later unsynced writes are lost by a crash as before.
func TestSnapshotCrashModel(t *testing.T) {
	s := New(voters)
	require.NoError(t, s.Save(engine.HardState{Term: 1}, ents(1, 1, 1, 1), false))
	require.NoError(t, s.SaveSnapshot(storetest.Snap(2, 1)))
	assert.Zero(t, s.UnsyncedWrites())
	require.NoError(t, s.Save(engine.HardState{Term: 2, Commit: 3}, ents(4, 2), false))
	c := s.Clone()
	s.Crash()
	snap, err := s.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), snap.Meta.Index)
	assert.Equal(t, "3@1", describe(s.Log()))
	assert.Equal(t, engine.HardState{Term: 1}, s.HardState())

	// The clone taken before the crash still has everything, and its own crash model.
	assert.Equal(t, "3@1 4@2", describe(c.Log()))
	c.Crash()
	assert.Equal(t, "3@1", describe(c.Log()))
}

// Slices handed out before a snapshot keep their contents: the store never writes
// over the entries it dropped or kept.
func TestSnapshotKeepsHandedOutSlices(t *testing.T) {
	s := New(voters)
	require.NoError(t, s.Save(engine.HardState{}, ents(1, 1, 1, 1, 1, 1), true))
	before, err := s.Entries(1, 6, ^uint64(0))
	require.NoError(t, err)
	require.NoError(t, s.SaveSnapshot(storetest.Snap(3, 1)))
	require.NoError(t, s.Save(engine.HardState{}, ents(6, 2, 2), true))
	require.NoError(t, s.Save(engine.HardState{}, ents(5, 3), true))
	assert.Equal(t, "1@1 2@1 3@1 4@1 5@1", describe(before))
	assert.Equal(t, "4@1 5@3", describe(s.Log()))
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/filestore"
)

// snapshotStore returns a store whose log follows a snapshot at index 3, and the path
// of the snapshot file.
func snapshotStore(t *testing.T) (dir, snapFile string) {
	t.Helper()
	dir = newStore(t)
	store, _, err := filestore.Open(dir, filestore.Options{NoSync: true})
	require.NoError(t, err)
	require.NoError(t, store.SaveSnapshot(engine.Snapshot{
		Meta: engine.SnapshotMeta{Index: 3, Term: 1, ConfState: engine.ConfState{Voters: []uint64{1}}},
		Data: []byte("the state machine at 3"),
	}))
	snapFile = store.Stats().SnapshotFile
	require.NoError(t, store.Close())
	return dir, snapFile
}

func TestRepairShowsSnapshot(t *testing.T) {
	dir, snapFile := snapshotStore(t)
	var out bytes.Buffer
	require.NoError(t, runRepair(&out, repairFlags{data: dir, records: true}))
	assert.Contains(t, out.String(), "snapshot:   "+snapFile+" (index 3, term 1, voters [1], 22 bytes of state; checksum ok)")
	assert.Contains(t, out.String(), "last index 5")
	assert.Contains(t, out.String(), "OK: the log is intact.")

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: newStore(t)}))
	assert.Contains(t, out.String(), "snapshot:   none")
}

func TestRepairCorruptSnapshot(t *testing.T) {
	dir, snapFile := snapshotStore(t)
	data, err := os.ReadFile(snapFile)
	require.NoError(t, err)
	data[len(data)-6] ^= 1
	require.NoError(t, os.WriteFile(snapFile, data, 0o644))

	var out bytes.Buffer
	err = runRepair(&out, repairFlags{data: dir})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "the snapshot "+snapFile)
	assert.Contains(t, err.Error(), "checksum mismatch")
	assert.Contains(t, err.Error(), "raftplay repair --data "+dir+" --truncate")

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: dir, truncate: true}))
	assert.Contains(t, out.String(), "repaired: "+snapFile+": corrupt")
	assert.Contains(t, out.String(), "snapshot:   none")
	assert.Contains(t, out.String(), "recovering")
	_, err = os.Stat(snapFile + ".bak")
	require.NoError(t, err, "the damaged snapshot is kept")
	store, report, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	assert.True(t, report.Recovering)
	require.NoError(t, store.Close())
	assert.NoFileExists(t, filepath.Join(dir, filepath.Base(snapFile)))
}

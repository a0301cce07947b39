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

// newStore writes a store of one voter with five records of one entry each.
func newStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "node1")
	store, _, err := filestore.Open(dir, filestore.Options{Voters: []uint64{1}, NoSync: true})
	require.NoError(t, err)
	for i := uint64(1); i <= 5; i++ {
		hs := engine.HardState{Term: 1, VotedFor: 1, Commit: i - 1}
		require.NoError(t, store.Save(hs, []engine.Entry{{Index: i, Term: 1, Command: []byte("command")}}, true))
	}
	require.NoError(t, store.Close())
	return dir
}

// corruptStore returns a store whose second record is damaged, with valid ones after
// it: damage a crash cannot explain.
func corruptStore(t *testing.T) string {
	t.Helper()
	dir := newStore(t)
	report, err := filestore.Inspect(dir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(report.Records), 3)
	rec := report.Records[1]
	data, err := os.ReadFile(report.LogFile)
	require.NoError(t, err)
	data[rec.Offset+int64(rec.Size)-2] ^= 0xff // a byte of its body
	require.NoError(t, os.WriteFile(report.LogFile, data, 0o644))
	return dir
}

func TestRepairIntactStore(t *testing.T) {
	dir := newStore(t)
	var out bytes.Buffer
	require.NoError(t, runRepair(&out, repairFlags{data: dir, records: true}))
	assert.Contains(t, out.String(), "last index 5")
	assert.Contains(t, out.String(), "term 1, voted for 1, commit 4")
	assert.Contains(t, out.String(), "append 5..5")
	assert.Contains(t, out.String(), "OK: the log is intact.")
	assert.Contains(t, out.String(), "state:      term 1, voted for 1; synced high-water mark")
}

func TestRepairTornTailNeedsNothing(t *testing.T) {
	dir := newStore(t)
	report, err := filestore.Inspect(dir)
	require.NoError(t, err)
	file, err := os.OpenFile(report.LogFile, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = file.Write([]byte{9, 0, 0, 0, 7})
	require.NoError(t, err)
	require.NoError(t, file.Close())
	var out bytes.Buffer
	require.NoError(t, runRepair(&out, repairFlags{data: dir}))
	assert.Contains(t, out.String(), "a crash left a torn tail of 5 bytes")
	assert.Contains(t, out.String(), "Nothing to do.")
}

func TestRepairCorruption(t *testing.T) {
	dir := corruptStore(t)
	var out bytes.Buffer
	err := runRepair(&out, repairFlags{data: dir})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "the node refuses to start")
	assert.Contains(t, err.Error(), "raftplay repair --data "+dir+" --truncate")
	_, _, err = filestore.Open(dir, filestore.Options{})
	require.Error(t, err, "inspecting changed nothing")

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: dir, truncate: true}))
	assert.Contains(t, out.String(), "repaired:")
	assert.Contains(t, out.String(), ".bak")
	assert.Contains(t, out.String(), "OK: the log now ends at index 1 (1 records)")
	assert.Contains(t, out.String(), "It catches up from the leader as a non-voter: the cut took synced records (the log held index 5)")
	store, report, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err, "the node can start again")
	assert.True(t, report.Recovering, "as a non-voter, as repair said")
	require.NoError(t, store.Close())
}

func TestRepairRebuildsAMissingStateFile(t *testing.T) {
	dir := newStore(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "state")))
	var out bytes.Buffer
	err := runRepair(&out, repairFlags{data: dir})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "the state file is missing")
	assert.Contains(t, err.Error(), "raftplay repair --data "+dir+" --truncate --voters ID,ID,...")

	err = runRepair(&out, repairFlags{data: dir, truncate: true, voters: "1,x"})
	assert.Equal(t, 2, exitCodeOf(err))

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: dir, truncate: true, voters: "1"}))
	assert.Contains(t, out.String(), "rebuilt: "+filepath.Join(dir, "state")+": the state file is missing; wrote a new one")
	assert.Contains(t, out.String(), "last index 5, term 1, vote 1), marked recovering")
	assert.Contains(t, out.String(), "It is still recovering from an earlier loss")
	store, report, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	assert.True(t, report.Recovering)
	assert.Equal(t, uint64(5), report.LastIndex)
	require.NoError(t, store.Close())
}

func TestRepairExplainsAWrongDirectory(t *testing.T) {
	parent := filepath.Dir(newStore(t))
	tests := []struct {
		name, dir, want string
	}{
		{"missing", filepath.Join(parent, "nope"), "does not exist; give the data directory of a node"},
		{"cluster directory", parent, "holds no node's store, but " + filepath.Join(parent, "node1") + " do"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runRepair(&bytes.Buffer{}, repairFlags{data: tt.dir})
			require.Error(t, err)
			assert.Equal(t, 1, exitCodeOf(err))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"raftplay-data/node1": "raftplay-data/node1",
		"my data":             "'my data'",
		"it's":                `'it'\''s'`,
		"":                    "''",
	}
	for in, want := range tests {
		assert.Equal(t, want, shellQuote(in), "shellQuote(%q)", in)
	}
}

func TestRepairAcceptLoss(t *testing.T) {
	dir := corruptStore(t)
	var out bytes.Buffer
	require.NoError(t, runRepair(&out, repairFlags{data: dir, truncate: true}))
	require.Contains(t, out.String(), "as a non-voter")

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: dir, accept: true}))
	assert.Contains(t, out.String(), "ACCEPTED THE LOSS")
	store, report, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	assert.False(t, report.Recovering)
	require.NoError(t, store.Close())

	out.Reset()
	require.NoError(t, runRepair(&out, repairFlags{data: dir, accept: true}))
	assert.Contains(t, out.String(), "nothing to accept")
}

func TestRepairStartsAMissingLog(t *testing.T) {
	dir := newStore(t)
	report, err := filestore.Inspect(dir)
	require.NoError(t, err)
	require.NoError(t, os.Remove(report.LogFile))
	var out bytes.Buffer
	err = runRepair(&out, repairFlags{data: dir})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "the log file the state file names is missing")
	assert.Contains(t, err.Error(), "raftplay repair --data "+dir+" --truncate")

	require.NoError(t, runRepair(&out, repairFlags{data: dir, truncate: true}))
	assert.Contains(t, out.String(), "missing; started an empty log in its place")
	assert.Contains(t, out.String(), "DATA LOST")
	assert.Contains(t, out.String(), "The node starts as a non-voter")
}

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/filestore"
)

// repair --voters was read only when a state file had to be rebuilt: a mistyped list,
// or --voters without --truncate, passed silently.
func TestRepairVotersAreChecked(t *testing.T) {
	dir := t.TempDir()
	store, _, err := filestore.Open(dir, filestore.Options{Voters: []uint64{1, 2, 3}})
	require.NoError(t, err)
	require.NoError(t, store.Close())

	out, code := execute("repair", "--data", dir, "--truncate", "--voters", "abc")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, `--voters: "abc" is not a positive id`)

	out, code = execute("repair", "--data", dir, "--voters", "1,2,3")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "--voters goes with --truncate")

	out, code = execute("repair", "--data", dir, "--truncate", "--voters", "1,2,3")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "OK: the log is intact.")
}

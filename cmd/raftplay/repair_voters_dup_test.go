package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// "repair --truncate --voters 1,1" wrote a state file whose voters were [1 1]: a
// configuration no cluster has, taken from a typo. An id listed twice is a usage
// mistake now, and nothing is written.
func TestRepairRefusesAVoterListedTwice(t *testing.T) {
	dir := newStore(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "state")))
	out, code := runRaftplayBounded(t, []string{"repair", "--data", dir, "--truncate", "--voters", "1,2,1"})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, "--voters: 1 is listed twice")
	assert.NoFileExists(t, filepath.Join(dir, "state"), "nothing was written")
}

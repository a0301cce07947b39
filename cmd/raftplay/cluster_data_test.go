package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cluster --data naming a file said "open FILE/token: not a directory; delete it to
// have a new token generated", as if the token were the problem.
func TestClusterDataThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "afile")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	base := freePortRun(t, 3)
	out, code := execute("cluster", "--data", file, "--base-port", strconv.Itoa(base), "--http-base-port", strconv.Itoa(base+3))
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "--data "+file+" is a file, not a directory")
	assert.NotContains(t, out, "delete it")
}

package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Run from another folder than the repository, serve and cluster --web looked for
// ./dist there and said "dist has no index.html: the playground is not built; run
// `make dist` first", though it was built: the error names the folder it looked in
// and the flag that points elsewhere.
func TestServeWithoutDistNamesTheFolderAndTheFlag(t *testing.T) {
	dir := t.TempDir()
	want := filepath.Join(dir, "dist") + " has no index.html: the playground is not built; run `make dist` first, or give --dist the folder it built"
	out, code := runRaftplayProcess(t, dir, []string{"serve", "--addr", "127.0.0.1:0"})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, want)
	base := freePortRun(t, 3)
	out, code = runRaftplayProcess(t, dir, []string{"cluster", "--web", "127.0.0.1:0", "--data", t.TempDir(),
		"--base-port", strconv.Itoa(base), "--http-base-port", strconv.Itoa(base + 3)})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, want)
}

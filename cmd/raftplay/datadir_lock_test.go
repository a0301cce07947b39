package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runRaftplayBounded runs this test binary as `raftplay args...` in its own process
// and returns its output and exit code; a process still running after 20 s is killed
// (a second node on a locked directory would otherwise run until stopped).
func runRaftplayBounded(t *testing.T, args []string) (string, int) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), asRaftplayEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	require.NoError(t, ctx.Err(), "raftplay %v was still running after 20 s:\n%s", args, &out)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}

// While a node runs on a data directory, a second node on it (with other ports) and a
// repair of it are refused, in their own processes, naming the process that holds it:
// before, the second node appended its records to the same log as the first, and
// "raftplay repair --accept-loss" opened a second store on it and rewrote its state
// file (and --truncate could cut a log under a running node).
func TestARunningNodesDataDirectoryIsLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	holder := fmt.Sprintf("in use by process %d", os.Getpid())
	runOneNode(t, dir, func(string) {
		out, code := runRaftplayBounded(t, []string{"node", "--id", "1",
			"--peers", fmt.Sprintf("1=127.0.0.1:%d", freeLoopbackPort(t)),
			"--http", fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t)), "--data", dir})
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, holder)
		assert.Contains(t, out, "stop it first")

		out, code = runRaftplayBounded(t, []string{"repair", "--data", dir, "--accept-loss"})
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, holder)
	})
	out, code := runRaftplayBounded(t, []string{"repair", "--data", dir, "--accept-loss"})
	assert.Equal(t, 0, code, "once the node stopped, the directory is free: %s", out)
}

// Looking at a running node's log (as the README's recovery walk-through does) works,
// and says that the node may change the files while they are read.
func TestRepairReadsARunningNodesLogWithANote(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	runOneNode(t, dir, func(string) {
		out, code := runRaftplayBounded(t, []string{"repair", "--data", dir, "--records"})
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, fmt.Sprintf("note: process %d has this store open", os.Getpid()))
		assert.Contains(t, out, "append")
	})
	out, code := runRaftplayBounded(t, []string{"repair", "--data", dir})
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, out, "note:")
}

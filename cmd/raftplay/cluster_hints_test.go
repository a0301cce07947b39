package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// Run as the README says, bin/raftplay cluster printed "Try, in another terminal:
// raftplay status ...": with raftplay not on the PATH, the first command a newcomer
// copies is not found (the restart lines named the binary by its absolute path). Every
// command it prints now names the binary as it can be run from here: bin/raftplay.
func TestClusterHintsNameTheBinaryAsRunFromHere(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "bin", "raftplay")
	copyExecutable(t, bin)
	base := freePortRun(t, 3)
	cmd := exec.Command("bin/raftplay", "cluster", "--base-port", strconv.Itoa(base), "--http-base-port", strconv.Itoa(base+3))
	cmd.Dir = work
	cmd.Env = append(os.Environ(), asRaftplayEnv+"=1", "PATH=/usr/bin:/bin")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, io.Discard
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Ctrl-C stops all three nodes.") },
		20*time.Second, 20*time.Millisecond, "cluster's introduction:\n%s", &out)
	text := out.String()
	assert.Contains(t, text, "\n  bin/raftplay status --addr ")
	assert.Contains(t, text, "\n  bin/raftplay watch --addr ")
	assert.Contains(t, text, "\n  bin/raftplay kv put greeting hello --addr ")
	assert.Contains(t, text, "\n  bin/raftplay node --id 1 ")
	assert.NotContains(t, text, "\n  raftplay ", "no command names a raftplay that is not on the PATH")
}

// copyExecutable copies this test binary (which acts as raftplay) to path.
func copyExecutable(t *testing.T, path string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	data, err := os.ReadFile(exe)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o755))
}

//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second 'raftplay cluster' on the --data of one that runs (other ports) started its
// three nodes, which each then failed on their directory's LOCK, three times the same
// error among the logs. It now refuses at once, before starting any node, naming the
// folder, the process that holds it and how to find the cluster that started it. Two
// real cluster processes; the first is stopped as Ctrl-C would.
func TestClusterOnADataFolderInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two cluster processes")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	data := t.TempDir()
	base := freePortRun(t, 3)
	first := exec.Command(exe, "cluster", "--base-port", strconv.Itoa(base), "--http-base-port", strconv.Itoa(base+3),
		"--data", data, "--tick", "5ms")
	first.Env = append(os.Environ(), asRaftplayEnv+"=1")
	stdout, err := first.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, first.Start())
	// One goroutine reads the first cluster's output to its end, then reaps it.
	linesOut, exited := make(chan string, 64), make(chan struct{})
	var exitErr error
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			select {
			case linesOut <- lines.Text():
			default: // nobody reads any more: drain
			}
		}
		close(linesOut)
		exitErr = first.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = first.Process.Kill()
			<-exited
		}
	})

	row := regexp.MustCompile(`^([123])\s+127\.0\.0\.1:\d+\s+http://\S+\s+(\d+)\s`)
	nodePIDs := map[string]bool{}
	var seen strings.Builder
	for line := range linesOut {
		seen.WriteString(line + "\n")
		if m := row.FindStringSubmatch(line); m != nil {
			nodePIDs[m[2]] = true
		}
		if strings.Contains(line, "is the leader") {
			break
		}
	}
	require.Len(t, nodePIDs, 3, "the first cluster printed its nodes:\n%s", &seen)

	other := freePortRun(t, 3)
	start := time.Now()
	out, code := runRaftplayBounded(t, []string{"cluster", "--base-port", strconv.Itoa(other),
		"--http-base-port", strconv.Itoa(other + 3), "--data", data, "--tick", "5ms"})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Contains(t, out, "--data "+data+" is in use: "+filepath.Join(data, "node1")+" is held by process ")
	held := regexp.MustCompile(`held by process (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, held, out)
	assert.True(t, nodePIDs[held[1]], "the process named, %s, is a node of the first cluster %v", held[1], nodePIDs)
	assert.Contains(t, out, "ps -o pid,ppid,args -p "+held[1])
	assert.Contains(t, out, "another --data")
	assert.NotContains(t, out, "[node 1]", "no node was started:\n%s", out)
	assert.NotContains(t, out, "pid ", "no node was started:\n%s", out)
	t.Logf("the second cluster said:\n%s", out)

	require.NoError(t, first.Process.Signal(syscall.SIGINT))
	select {
	case <-exited:
		assert.NoError(t, exitErr, "the first cluster stopped on Ctrl-C")
	case <-time.After(20 * time.Second):
		t.Fatal("the first cluster did not stop within 20 s of SIGINT")
	}
}

//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alive reports whether process pid runs (a zombie, dead but not yet reaped by
// whoever inherited it, does not count).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// When cluster itself dies without stopping its nodes (kill -9, a crash), the nodes
// stop too: they kept running, holding the ports, and the next 'raftplay cluster'
// could only say that the ports were in use.
func TestClusterNodesDieWithTheCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster process and its three nodes")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	base := freePortRun(t, 3)
	cmd := exec.Command(exe, "cluster", "--base-port", strconv.Itoa(base), "--http-base-port", strconv.Itoa(base+3),
		"--data", t.TempDir(), "--tick", "5ms")
	cmd.Env = append(os.Environ(), asRaftplayEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = nil
	require.NoError(t, cmd.Start())

	// The table of nodes: "1     127.0.0.1:PORT  http://...  PID  DIR".
	row := regexp.MustCompile(`^([123])\s+127\.0\.0\.1:\d+\s+http://\S+\s+(\d+)\s`)
	var pids []int
	lines := bufio.NewScanner(stdout)
	for len(pids) < 3 && lines.Scan() {
		if m := row.FindStringSubmatch(lines.Text()); m != nil {
			pid, _ := strconv.Atoi(m[2])
			pids = append(pids, pid)
		}
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	require.Len(t, pids, 3, "cluster printed its nodes' PIDs")
	for lines.Scan() { // a leader, then quiet: the nodes log nothing more on their own
		if strings.Contains(lines.Text(), "is the leader") {
			break
		}
	}
	go func() { // keep the pipe drained until cluster is gone
		for lines.Scan() {
		}
	}()
	time.Sleep(time.Second)

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	assert.Eventually(t, func() bool {
		for _, pid := range pids {
			if alive(pid) {
				return false
			}
		}
		return true
	}, 15*time.Second, 50*time.Millisecond, "the nodes outlived the cluster that started them")
}

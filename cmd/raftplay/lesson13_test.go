package main

import (
	"bytes"
	"context"
	"fmt"
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

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// lesson13Commands reads the shell commands of lesson 13, in order.
func lesson13Commands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../lessons/13-native-nodes.md")
	require.NoError(t, err)
	var cmds []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		for line := range strings.SplitSeq(block[1], "\n") {
			if line = strings.TrimSpace(line); line != "" {
				cmds = append(cmds, line)
			}
		}
	}
	return cmds
}

// TestLesson13CommandsOnARealCluster types the commands of lesson 13 as a learner
// would, against a cluster of real node processes (this test binary acting as raftplay):
// start the cluster, write through any node, kill -9 node 2, write, list its records,
// restart it with the command the cluster printed, kill -9 node 1 (whose HTTP port is
// the first default address), and write again with the default --addr. The only changes
// to the text are the ports and the data directory, which the test picks itself, and
// the default --addr, which names the cluster's ports; the commands run in the directory
// that holds raftplay-data, as the lesson's do.
func TestLesson13CommandsOnARealCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	t.Setenv(asRaftplayEnv, "1")
	base := freePortRun(t, 3)
	// The learner's directory: the cluster keeps its files (and its token, which the
	// client commands find there) in raftplay-data/cluster, and every command runs here.
	work := t.TempDir()
	dir := filepath.Join(work, "raftplay-data", "cluster")
	f := clusterFlags{basePort: base, httpBasePort: base + 3, data: dir, tick: 5 * time.Millisecond,
		stopTimeout: 10 * time.Second, logLevel: "warn"}
	httpURL := func(id int) string { return fmt.Sprintf("http://127.0.0.1:%d", base+3+id-1) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	done := make(chan error, 1)
	var own []*exec.Cmd // nodes the test restarted, outside the cluster's control
	defer func() {
		for _, c := range own {
			_ = c.Process.Signal(syscall.SIGTERM)
			_ = c.Wait()
		}
		if t.Failed() {
			t.Logf("cluster stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
		}
	}()

	cmds := lesson13Commands(t)
	require.NotEmpty(t, cmds)
	require.Equal(t, "raftplay cluster", cmds[0], "the lesson starts the cluster first")
	go func() { done <- runCluster(ctx, &stdout, &stderr, f) }()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "is the leader (term") }, 20*time.Second, 20*time.Millisecond)
	pids := map[int]int{}
	managed := map[int]bool{} // the cluster started it, and reports its exit
	for id := 1; id <= 3; id++ {
		pids[id], managed[id] = pidOf(t, stdout.String(), id), true
	}

	portRe := regexp.MustCompile(`127\.0\.0\.1:800(\d)`)
	killRe := regexp.MustCompile(`^kill -9 <pid of node (\d)>$`)
	for _, line := range cmds[1:] {
		if m := killRe.FindStringSubmatch(line); m != nil {
			id, _ := strconv.Atoi(m[1])
			if id == 1 {
				// Node 1 may or may not lead here (TestKVPassesOverDeadNodesAndRedirectsToThem
				// covers the redirect to a dead leader); say which case this run covers.
				st, _ := runRaftplayProcess(t, work, []string{"status", "--addr", httpURL(1)})
				t.Logf("before kill -9 of node 1:\n%s", st)
			}
			require.NoError(t, syscall.Kill(pids[id], syscall.SIGKILL), line)
			if managed[id] {
				exited := fmt.Sprintf("node %d (pid %d) exited", id, pids[id])
				require.Eventually(t, func() bool { return strings.Contains(stdout.String(), exited) }, 10*time.Second, 10*time.Millisecond, line)
			}
			continue
		}
		require.True(t, strings.HasPrefix(line, "raftplay "), "a command the test does not know: %q", line)
		line = portRe.ReplaceAllStringFunc(line, func(s string) string {
			id, _ := strconv.Atoi(s[len(s)-1:])
			return fmt.Sprintf("127.0.0.1:%d", base+3+id-1)
		})
		args := strings.Fields(line)[1:]
		if (args[0] == "kv" || args[0] == "status") && !strings.Contains(line, "--addr") {
			args = append(args, "--addr", strings.Join([]string{httpURL(1), httpURL(2), httpURL(3)}, ","))
		}
		out, code := runRaftplayProcess(t, work, args)
		require.Equal(t, 0, code, "%s:\n%s", line, out)
		if args[0] == "kv" && args[1] == "get" && args[2] == "x" {
			assert.Equal(t, "1\n", out, line)
		}
		if args[0] == "repair" {
			// The lesson restarts node 2 next, with the command the cluster printed.
			own = append(own, restartPrinted(t, &stdout, 2, pids[2]))
			pids[2], managed[2] = own[len(own)-1].Process.Pid, false
		}
	}
	require.True(t, strings.Contains(stdout.String(), fmt.Sprintf("node 1 (pid %d) exited", pids[1])), "the lesson killed node 1")
	out, code := runRaftplayProcess(t, work, []string{"kv", "get", "z", "--addr", httpURL(2)})
	require.Equal(t, 0, code, out)
	assert.Equal(t, "3\n", out, "the write after node 1's death went through")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		require.FailNow(t, "cluster did not stop")
	}
}

// runRaftplayProcess runs this test binary as `raftplay args...` in its own process, in
// directory dir, and returns what it wrote (stdout, then stderr) and its exit code.
func runRaftplayProcess(t *testing.T, dir string, args []string) (string, int) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asRaftplayEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "run %v: %v", args, err)
		code = ee.ExitCode()
	}
	return out.String() + errOut.String(), code
}

// restartPrinted starts node id with the command the cluster printed after its process
// pid exited.
func restartPrinted(t *testing.T, stdout *syncbuf.Buffer, id, pid int) *exec.Cmd {
	t.Helper()
	out := stdout.String()
	at := strings.Index(out, fmt.Sprintf("node %d (pid %d) exited", id, pid))
	require.GreaterOrEqual(t, at, 0, "node %d's exit was not reported", id)
	m := regexp.MustCompile(`restart it with:\n  (.*)\n`).FindStringSubmatch(out[at:])
	require.NotNil(t, m, "the cluster printed no restart command for node %d", id)
	fields := strings.Fields(m[1])
	for i, s := range fields {
		fields[i] = strings.Trim(s, "'")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, fields[1:]...)
	cmd.Env = append(os.Environ(), asRaftplayEnv+"=1")
	require.NoError(t, cmd.Start())
	return cmd
}

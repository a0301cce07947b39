package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/raftplay/raftplay/node"
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
	cmds := lesson13Commands(t)
	require.NotEmpty(t, cmds)
	require.Equal(t, "raftplay cluster", cmds[0], "the lesson starts the cluster first")
	// The learner's directory: the cluster keeps its files (and its token, which the
	// client commands find there) in raftplay-data/cluster, and every command runs here.
	work := t.TempDir()
	dir := filepath.Join(work, "raftplay-data", "cluster")
	c := startCluster(t, func(f *clusterFlags) { f.data, f.logLevel = dir, "warn" })
	base, httpURL, stdout := c.flags.basePort, c.httpURL, &c.stdout
	var own []*exec.Cmd // nodes the test restarted, outside the cluster's control
	defer func() {
		for _, cmd := range own {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}()

	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "is the leader (term") }, 20*time.Second, 20*time.Millisecond)
	pids := map[int]int{}
	managed := map[int]bool{} // the cluster started it, and reports its exit
	for id := 1; id <= 3; id++ {
		pids[id], managed[id] = pidOf(t, stdout.String(), id), true
	}

	portRe := regexp.MustCompile(`127\.0\.0\.1:800(\d)`)
	killRe := regexp.MustCompile(`^kill -9 <pid of node (\d)>$`)
	allAddrs := strings.Join([]string{httpURL(1), httpURL(2), httpURL(3)}, ",")
	// The last step's shell lines run as written, by sh, with raftplay on the PATH.
	shell := lessonShell(t, work)
	var writer *exec.Cmd // the last step's writer loop
	var writerOut bytes.Buffer
	var node3Log syncbuf.Buffer // node 3's output once the test restarted it
	for _, line := range cmds[1:] {
		if strings.HasPrefix(line, "for ") {
			// "Back to three": node 1 is restarted before the last step, with the command
			// the cluster printed for it.
			own = append(own, restartPrinted(t, stdout, 1, pids[1], nil))
			pids[1], managed[1] = own[len(own)-1].Process.Pid, false
			// The writer runs while node 3 is killed; the kv commands get the cluster's ports.
			writer = shell(strings.ReplaceAll(line, "raftplay kv put", "raftplay kv put --addr "+allAddrs))
			writer.Stdout, writer.Stderr = &writerOut, &writerOut
			require.NoError(t, writer.Start())
			require.Eventually(t, func() bool {
				out, code := runRaftplayProcess(t, work, []string{"kv", "get", "w3", "--addr", allAddrs})
				return code == 0 && out == "3\n"
			}, 30*time.Second, 100*time.Millisecond, "the writer's first writes are acknowledged")
			continue
		}
		if strings.HasPrefix(line, "truncate ") {
			require.NotNil(t, writer, "the writer runs before the truncate")
			waitErr := make(chan error, 1)
			go func() { waitErr <- writer.Wait() }()
			select {
			case err := <-waitErr:
				require.NoError(t, err, "the writer, with node 3 dead:\n%s", &writerOut)
			case <-time.After(90 * time.Second):
				_ = writer.Process.Kill()
				require.FailNow(t, "the writer did not finish", "%s", &writerOut)
			}
			logFile := filepath.Join(dir, "node3", "log-0000000000000001")
			before := fileSizeOf(t, logFile)
			out, err := func() ([]byte, error) { c := shell(line); return c.CombinedOutput() }()
			require.NoError(t, err, "%s: %s", line, out)
			require.Equal(t, before-5, fileSizeOf(t, logFile), "%s cuts 5 bytes", line)
			// The lesson restarts node 3 next, with the command the cluster printed.
			own = append(own, restartPrinted(t, stdout, 3, pids[3], &node3Log))
			pids[3], managed[3] = own[len(own)-1].Process.Pid, false
			require.Eventually(t, func() bool { return strings.Contains(node3Log.String(), "HTTP API on") }, 20*time.Second, 10*time.Millisecond, "node 3 restarts:\n%s", &node3Log)
			checkTornTailCut(t, node3Log.String(), before-5)
			t.Logf("node 3, restarted after %s:\n%s", line, &node3Log)
			continue
		}
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
			args = append(args, "--addr", allAddrs)
		}
		out, code := runRaftplayProcess(t, work, args)
		require.Equal(t, 0, code, "%s:\n%s", line, out)
		if args[0] == "kv" && args[1] == "get" && args[2] == "x" {
			assert.Equal(t, "1\n", out, line)
		}
		if args[0] == "repair" {
			// The lesson restarts node 2 next, with the command the cluster printed.
			own = append(own, restartPrinted(t, stdout, 2, pids[2], nil))
			pids[2], managed[2] = own[len(own)-1].Process.Pid, false
		}
	}
	require.True(t, strings.Contains(stdout.String(), "node 1 (pid "), "the lesson killed node 1")
	out, code := runRaftplayProcess(t, work, []string{"kv", "get", "z", "--addr", httpURL(2)})
	require.Equal(t, 0, code, out)
	assert.Equal(t, "3\n", out, "the write after node 1's death went through")

	// The last step: node 3, killed during the writes and restarted after its torn
	// tail was cut, catches up: its log ends where the leader's does, with every write.
	require.NotEmpty(t, node3Log.String(), "the lesson restarted node 3")
	out, code = runRaftplayProcess(t, work, []string{"kv", "put", "--addr", allAddrs, "after", "1"})
	require.Equal(t, 0, code, out)
	require.Eventually(t, func() bool {
		leader, three := leaderAndNode(t, work, allAddrs, 3)
		return leader != nil && three != nil && three.LastIndex == leader.LastIndex && three.CommitIndex == leader.CommitIndex &&
			three.Role == "follower" && three.Leader == leader.ID
	}, 20*time.Second, 100*time.Millisecond, "node 3's log catches up with the leader's")
	_, three := leaderAndNode(t, work, allAddrs, 3)
	require.NotNil(t, three.Storage, "node 3's /status says what its store found")
	require.NotNil(t, three.Storage.TornTail, "and the torn tail it cut: %+v", three.Storage)
	assert.Positive(t, three.Storage.TornTail.Bytes)
	out, code = runRaftplayProcess(t, work, []string{"kv", "get", "w100", "--addr", httpURL(3)})
	require.Equal(t, 0, code, out)
	assert.Equal(t, "100\n", out, "the writer's last write, read through node 3")
	// The lesson killed each of the three processes the cluster started (and restarted
	// them itself): the cluster ends then, saying so.
	require.ErrorContains(t, c.stop(t), "no node is running any more")
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
// pid exited; its output goes to logs (nil: discarded).
func restartPrinted(t *testing.T, stdout *syncbuf.Buffer, id, pid int, logs io.Writer) *exec.Cmd {
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
	if logs != nil {
		cmd.Stdout, cmd.Stderr = logs, logs
	}
	require.NoError(t, cmd.Start())
	return cmd
}

// lessonShell returns a function that prepares `sh -c line` in dir, with a raftplay on
// the PATH that is this test binary acting as raftplay.
func lessonShell(t *testing.T, dir string) func(line string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	bin := t.TempDir()
	require.NoError(t, os.Symlink(exe, filepath.Join(bin, "raftplay")))
	return func(line string) *exec.Cmd {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), asRaftplayEnv+"=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		return cmd
	}
}

func fileSizeOf(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}

// checkTornTailCut checks what lesson 13 says node 3 prints when it opens a log whose
// last record was cut short (the file ending at size): the store cut a torn tail there,
// and the node says either that it was what a crash leaves or, when the cut reached
// below its synced high-water mark, DATA LOST.
func checkTornTailCut(t *testing.T, log string, size int64) {
	t.Helper()
	m := regexp.MustCompile(`node 3: storage .*: replayed \d+ records .*; cut a torn tail of (\d+) bytes at offset (\d+) \(`).FindStringSubmatch(log)
	require.NotNil(t, m, "node 3 reports the torn tail it cut:\n%s", log)
	n, _ := strconv.ParseInt(m[1], 10, 64)
	off, _ := strconv.ParseInt(m[2], 10, 64)
	assert.Equal(t, size, off+n, "the torn tail runs to the end of the cut file")
	if strings.Contains(log, "DATA LOST") {
		t.Logf("the cut reached below node 3's synced high-water mark, as the lesson allows:\n%s", log)
		return
	}
	assert.Contains(t, log, "node 3: the log ended in an incomplete write (")
	assert.Contains(t, log, "); it was cut.")
}

// leaderAndNode asks every node of addrs for its status and returns the leader's (nil
// when none leads) and node id's (nil when it does not answer).
func leaderAndNode(t *testing.T, dir, addrs string, id uint64) (leader, self *node.Status) {
	t.Helper()
	out, _ := runRaftplayProcess(t, dir, []string{"status", "--json", "--addr", addrs})
	var rows []struct {
		Status *node.Status `json:"status"`
	}
	if json.Unmarshal([]byte(out), &rows) != nil {
		return nil, nil
	}
	for _, r := range rows {
		if r.Status == nil {
			continue
		}
		if r.Status.Role == "leader" {
			leader = r.Status
		}
		if r.Status.ID == id {
			self = r.Status
		}
	}
	return leader, self
}

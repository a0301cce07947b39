package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node/client"
)

// asRaftplayEnv makes the test binary behave as the raftplay command, so that cluster
// can start it as its nodes (os.Executable is the test binary).
const asRaftplayEnv = "RAFTPLAY_TEST_RUN_AS_RAFTPLAY"

func TestMain(m *testing.M) {
	if os.Getenv(asRaftplayEnv) == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// freePortRun finds n consecutive free loopback ports.
func freePortRun(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20000 + freeLoopbackPort(t)%10000
		f := clusterFlags{basePort: base, httpBasePort: base + n}
		if checkPortsFree(f.clusterNodes()) == nil {
			return base
		}
	}
	require.FailNow(t, "no free run of ports")
	return 0
}

func TestClusterFlagsCheck(t *testing.T) {
	valid := clusterFlags{basePort: 7001, data: "d", tick: time.Millisecond, stopTimeout: time.Second, logLevel: "info"}
	f := valid
	require.NoError(t, f.check())
	assert.Equal(t, 8001, f.httpBasePort, "the HTTP ports default to the Raft ports + 1000")
	tests := []struct {
		name  string
		tweak func(*clusterFlags)
		want  string
	}{
		{"ports out of range", func(f *clusterFlags) { f.basePort = 65534 }, "--base-port 65534: the ports 65534..65536"},
		{"overlap", func(f *clusterFlags) { f.httpBasePort = 7003 }, "overlap"},
		{"no data", func(f *clusterFlags) { f.data = "" }, "--data"},
		{"bad tick", func(f *clusterFlags) { f.tick = 0 }, "--tick"},
		{"bad stop timeout", func(f *clusterFlags) { f.stopTimeout = 0 }, "--stop-timeout"},
		{"bad log level", func(f *clusterFlags) { f.logLevel = "x" }, "--log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid
			tt.tweak(&f)
			err := f.check()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestClusterRefusesBusyPorts(t *testing.T) {
	base := freePortRun(t, 3)
	f := clusterFlags{basePort: base, httpBasePort: base + 3, data: t.TempDir(), tick: time.Millisecond, stopTimeout: time.Second, logLevel: "info"}
	nodes := f.clusterNodes()
	ln, err := net.Listen("tcp", nodes[1].httpAddr)
	require.NoError(t, err)
	defer ln.Close()
	err = runCluster(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, f)
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "cannot listen on "+nodes[1].httpAddr+" for node 2")
	assert.Contains(t, err.Error(), "--base-port")
}

// TestClusterRunsThreeNodes starts a cluster of real processes (this test binary acting
// as raftplay), writes through a follower, crashes a node and sees it restarted
// (--restart), then stops everything as Ctrl-C would.
func TestClusterRunsThreeNodes(t *testing.T) {
	c := startCluster(t, func(f *clusterFlags) { f.restart = true })
	ctx, base, dir := t.Context(), c.flags.basePort, c.flags.data
	stdout, stderr := &c.stdout, &c.stderr

	leaderLine := regexp.MustCompile(`node (\d) is the leader \(term \d+\)`)
	require.Eventually(t, func() bool { return leaderLine.MatchString(stdout.String()) }, 20*time.Second, 20*time.Millisecond)
	out := stdout.String()
	for id := 1; id <= 3; id++ {
		assert.Regexp(t, fmt.Sprintf(`(?m)^%d\s+127\.0\.0\.1:%d\s+http://127\.0\.0\.1:%d\s+\d+\s+%s/node%d$`, id, base+id-1, base+2+id, regexp.QuoteMeta(dir), id), out)
	}
	assert.Regexp(t, fmt.Sprintf(`raftplay\S* status --addr http://127\.0\.0\.1:%d,`, base+3), out) // the binary as it can be typed
	assert.Contains(t, out, "Ctrl-C stops all three nodes.")
	assert.Contains(t, stderr.String(), "[node 2] node 2: Raft on 127.0.0.1:")

	// The nodes are authenticated by default: cluster generated a token into a file only
	// its user can read, and handed the nodes its path, not the token.
	tokenFile := filepath.Join(dir, "token")
	info, err := os.Stat(tokenFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	token, err := readTokenFile(tokenFile)
	require.NoError(t, err)
	assert.Len(t, token, 64)
	assert.NotContains(t, out, token)
	assert.Contains(t, out, "--token-file "+tokenFile)
	assert.Contains(t, out, "cluster token: generated a random one into "+tokenFile)
	anonymous, err := http.Get(c.httpURL(1) + "/status")
	require.NoError(t, err)
	anonymous.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, anonymous.StatusCode, "a request without the token is refused")

	follower := c.httpURL(3) // leader or not
	var kvOut bytes.Buffer
	require.NoError(t, runKV(ctx, &kvOut, kvFlags{addr: follower, tokenFile: tokenFile, timeout: 10 * time.Second}, kvPut, []string{"k", "v"}))

	// Crash node 1 as kill -9 would: cluster reports it and restarts it.
	pid := pidOf(t, out, 1)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "node 1 restarted: pid ") },
		10*time.Second, 20*time.Millisecond)
	assert.Contains(t, stdout.String(), fmt.Sprintf("node 1 (pid %d) exited: signal: killed", pid))
	kvOut.Reset()
	require.NoError(t, runKV(ctx, &kvOut, kvFlags{addr: follower, tokenFile: tokenFile, timeout: 10 * time.Second}, kvGet, []string{"k"}))
	assert.Equal(t, "v\n", kvOut.String())
	// The restarted node serves again (and has installed its SIGTERM handler).
	node1, err := client.New([]string{c.httpURL(1)}, client.Options{Token: token, Timeout: time.Second})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := node1.Status(ctx); return err == nil }, 10*time.Second, 20*time.Millisecond)

	require.NoError(t, c.stop(t))
	assert.Equal(t, 3, strings.Count(stdout.String(), "stopped: exit status 0"), "every node stopped cleanly")
}

// pidOf reads node id's PID from cluster's table.
func pidOf(t *testing.T, out string, id int) int {
	t.Helper()
	m := regexp.MustCompile(fmt.Sprintf(`(?m)^%d\s+\S+\s+\S+\s+(\d+)\s`, id)).FindStringSubmatch(out)
	require.NotNil(t, m, "no row for node %d", id)
	pid, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return pid
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	p := &prefixWriter{mu: new(sync.Mutex), w: &out, prefix: "[node 1] "}
	_, err := p.Write([]byte("first line\nsecond "))
	require.NoError(t, err)
	_, err = p.Write([]byte("half\nthird"))
	require.NoError(t, err)
	assert.Equal(t, "[node 1] first line\n[node 1] second half\n", out.String())
	p.flush()
	assert.Equal(t, "[node 1] first line\n[node 1] second half\n[node 1] third\n", out.String())
}

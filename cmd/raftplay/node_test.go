package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
	"github.com/raftplay/raftplay/node"
)

func TestNodeFlagsConfig(t *testing.T) {
	valid := nodeFlags{id: 1, peers: "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", http: "127.0.0.1:8001",
		data: "d", tick: 10 * time.Millisecond, electionTicks: 20, logLevel: "info"}
	tests := []struct {
		name  string
		tweak func(*nodeFlags)
		want  string
	}{
		{"no id", func(f *nodeFlags) { f.id = 0 }, "--id is required"},
		{"no peers", func(f *nodeFlags) { f.peers = "" }, "--peers is required"},
		{"no http", func(f *nodeFlags) { f.http = "" }, "--http is required"},
		{"no data", func(f *nodeFlags) { f.data = "" }, "--data is required"},
		{"peer without port", func(f *nodeFlags) { f.peers = "1=127.0.0.1:7001,2=localhost" }, `--peers: "2=localhost" has no port; expected ID=HOST:PORT`},
		{"peer without id", func(f *nodeFlags) { f.peers = "127.0.0.1:7001" }, `--peers: "127.0.0.1:7001" has no id; expected ID=HOST:PORT`},
		{"peer id zero", func(f *nodeFlags) { f.peers = "0=127.0.0.1:7001" }, `the id "0" is not a positive number`},
		{"peer bad port", func(f *nodeFlags) { f.peers = "1=127.0.0.1:70001" }, `has the port "70001", not a number in 1..65535`},
		{"peer twice", func(f *nodeFlags) { f.peers = "1=127.0.0.1:7001,1=127.0.0.1:7002" }, "--peers: id 1 is listed twice"},
		{"id not a peer", func(f *nodeFlags) { f.id = 4 }, "--id 4 is not in --peers (ids [1 2 3])"},
		{"http without port", func(f *nodeFlags) { f.http = "127.0.0.1" }, `--http: "127.0.0.1" has no port`},
		{"bad peer-http", func(f *nodeFlags) { f.peerHTTP = "1=x" }, `--peer-http: "1=x" has no port`},
		{"bad tick", func(f *nodeFlags) { f.tick = 0 }, "--tick must be positive"},
		{"bad election tick", func(f *nodeFlags) { f.electionTicks = 2 }, "--election-ticks must be above"},
		{"bad log level", func(f *nodeFlags) { f.logLevel = "loud" }, `--log-level "loud"`},
		{"underivable peer-http", func(f *nodeFlags) { f.http = "127.0.0.1:65535" }, "--peer-http is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid
			tt.tweak(&f)
			_, err := f.config()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNodeFlagsConfigDerivesPeerHTTP(t *testing.T) {
	t.Setenv(tokenEnv, "from-env")
	f := nodeFlags{id: 1, peers: "1=127.0.0.1:7001, 2=127.0.0.2:7002,3=[::1]:7003", http: "127.0.0.1:8001",
		data: "d", tick: 5 * time.Millisecond, electionTicks: 30, logLevel: "debug"}
	cfg, err := f.config()
	require.NoError(t, err)
	assert.Equal(t, map[uint64]string{1: "127.0.0.1:8001", 2: "127.0.0.2:8002", 3: "[::1]:8003"}, cfg.PeerHTTP)
	assert.Equal(t, map[uint64]string{1: "127.0.0.1:7001", 2: "127.0.0.2:7002", 3: "[::1]:7003"}, cfg.Peers)
	assert.Equal(t, "from-env", cfg.Token)
	assert.Equal(t, 5*time.Millisecond, cfg.TickInterval)
	assert.Equal(t, 30, cfg.ElectionTicks)

	f.peerHTTP, f.token = "1=http://a:1,2=https://b:2/,3=c:3", "flag"
	cfg, err = f.config()
	require.NoError(t, err)
	assert.Equal(t, map[uint64]string{1: "http://a:1", 2: "https://b:2/", 3: "c:3"}, cfg.PeerHTTP)
	assert.Equal(t, "flag", cfg.Token)
}

// freeLoopbackPort returns a port that was free a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runOneNode runs a single-voter node on dir until it has served a write, calls while
// (if not nil) with the node's HTTP address, then stops it.
func runOneNode(t *testing.T, dir string, while func(url string)) string {
	t.Helper()
	raftPort, httpPort := freeLoopbackPort(t), freeLoopbackPort(t)
	f := nodeFlags{id: 1, peers: fmt.Sprintf("1=127.0.0.1:%d", raftPort), http: "127.0.0.1:" + strconv.Itoa(httpPort),
		data: dir, tick: 5 * time.Millisecond, electionTicks: 10, logLevel: "warn"}
	cfg, err := f.config()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- runNode(ctx, &stderr, f, cfg) }()
	url := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	var out bytes.Buffer
	require.Eventually(t, func() bool {
		out.Reset()
		return runKV(ctx, &out, kvFlags{addr: url, timeout: time.Second}, kvPut, []string{"k", "v"}) == nil
	}, 10*time.Second, 20*time.Millisecond, "the node never served a write; its log:\n%s", &stderr)
	if while != nil {
		while(url)
	}
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the node did not stop")
	}
	return stderr.String()
}

func TestRunNodeRecoversItsStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node1")
	first := runOneNode(t, dir, nil)
	assert.Contains(t, first, "created a new store")
	assert.Contains(t, first, "node 1: stopped")

	// A crash in the middle of a write leaves a torn tail: the node cuts it and says so.
	logs, err := filepath.Glob(filepath.Join(dir, "log-*"))
	require.NoError(t, err)
	require.Len(t, logs, 1)
	file, err := os.OpenFile(logs[0], os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = file.Write([]byte{0x20, 0, 0, 0, 1, 2, 3})
	require.NoError(t, err)
	require.NoError(t, file.Close())

	second := runOneNode(t, dir, nil)
	assert.Contains(t, second, "replayed")
	assert.Contains(t, second, "the log ended in an incomplete write (7 bytes")
	assert.Contains(t, second, "The log still reaches its synced high-water mark")
	assert.NotContains(t, second, "DATA LOST")
}

func TestRunNodeRefusesACorruptStore(t *testing.T) {
	dir := corruptStore(t)
	f := nodeFlags{id: 1, peers: "1=127.0.0.1:1", http: "127.0.0.1:2", data: dir, tick: time.Millisecond, electionTicks: 10, logLevel: "info"}
	cfg, err := f.config()
	require.NoError(t, err)
	err = runNode(context.Background(), &bytes.Buffer{}, f, cfg)
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "raftplay repair --data "+dir+" --truncate")
}

func TestRunNodeRefusesExposureWithoutToken(t *testing.T) {
	f := nodeFlags{id: 1, peers: "1=0.0.0.0:7001", http: "127.0.0.1:8001", data: t.TempDir(), tick: time.Millisecond, electionTicks: 10, logLevel: "info"}
	_, err := f.config()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--insecure")
}

// exitCodeOf is the exit code run gives for err.
func exitCodeOf(err error) int {
	var exit *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	}
	return 1
}

// execute runs a raftplay command line and returns what it printed and its exit code.
func execute(args ...string) (string, int) {
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		out.WriteString(err.Error())
	}
	return out.String(), exitCodeOf(err)
}

func TestNativeCommandsHelpAndUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"node", "--help"}, 0, "raftplay node [flags]"},
		{[]string{"cluster", "--help"}, 0, "raftplay cluster [flags]"},
		{[]string{"kv", "--help"}, 0, "raftplay kv [command]"},
		{[]string{"kv", "put", "--help"}, 0, "raftplay kv put KEY VALUE"},
		{[]string{"kv", "get", "--help"}, 0, "raftplay kv get KEY"},
		{[]string{"kv", "del", "--help"}, 0, "raftplay kv del KEY"},
		{[]string{"kv", "cas", "--help"}, 0, "raftplay kv cas KEY OLD NEW"},
		{[]string{"status", "--help"}, 0, "raftplay status [flags]"},
		{[]string{"watch", "--help"}, 0, "raftplay watch [flags]"},
		{[]string{"repair", "--help"}, 0, "raftplay repair [flags]"},
		{[]string{"node"}, 2, "--id is required"},
		{[]string{"node", "--id", "1", "--peers", "1=x", "--http", ":1", "--data", "d"}, 2, `--peers: "1=x" has no port`},
		{[]string{"node", "extra"}, 2, "unknown command"},
		{[]string{"kv"}, 2, "name an operation: put, get, del or cas"},
		{[]string{"kv", "put", "k"}, 2, "accepts 2 arg(s), received 1"},
		{[]string{"kv", "get", "k", "--addr", "ftp://x"}, 2, "expected a node's URL"},
		{[]string{"kv", "get", "k", "--timeout", "soon"}, 2, "invalid argument"},
		{[]string{"status", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"watch", "--tail", "-1"}, 2, "--tail must not be negative"},
		{[]string{"repair"}, 2, "--data is required"},
		{[]string{"cluster", "--base-port", "65535"}, 2, "--base-port 65535"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, code := execute(tt.args...)
			assert.Equal(t, tt.code, code, out)
			assert.Contains(t, out, tt.want)
			if tt.code == 2 {
				assert.Contains(t, out, "--help' for usage", "a usage error says where help is")
			}
		})
	}
}

// TestElectionTicksFlag: the flag is named as node.Config.ElectionTicks is; command
// lines written with its first name, --election-tick, still work.
func TestElectionTicksFlag(t *testing.T) {
	for _, flag := range []string{"--election-ticks", "--election-tick"} {
		cmd := newNodeCommand()
		require.NoError(t, cmd.Flags().Parse([]string{flag, "37"}), flag)
		got, err := cmd.Flags().GetInt("election-ticks")
		require.NoError(t, err)
		assert.Equal(t, 37, got, flag)
	}
	got, err := newNodeCommand().Flags().GetInt("election-ticks")
	require.NoError(t, err)
	assert.Equal(t, node.DefaultElectionTicks, got)
}

package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// A node whose port is taken said "Raft on ..., HTTP API on ... (Ctrl-C to stop)" and
// created its data directory before it failed to listen. It now listens first: the
// error names the port and what to do, nothing claims it runs, and the data directory
// is left alone.
func TestNodeWithAPortInUse(t *testing.T) {
	for _, which := range []string{"raft", "http"} {
		t.Run(which, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer busy.Close()
			busyAddr := busy.Addr().String()
			raftAddr := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
			httpAddr := "127.0.0.1:" + strconv.Itoa(freeLoopbackPort(t))
			if which == "raft" {
				raftAddr = busyAddr
			} else {
				httpAddr = busyAddr
			}
			dir := filepath.Join(t.TempDir(), "node1")
			f := nodeFlags{id: 1, peers: "1=" + raftAddr, http: httpAddr, data: dir, tick: 5 * time.Millisecond, electionTicks: 10, logLevel: "warn"}
			cfg, err := f.config()
			require.NoError(t, err)
			var stderr syncbuf.Buffer
			err = runNode(context.Background(), &stderr, f, cfg)
			require.Error(t, err)
			assert.Equal(t, 1, exitCodeOf(err))
			assert.Contains(t, err.Error(), busyAddr)
			assert.Contains(t, err.Error(), "address already in use")
			assert.Contains(t, err.Error(), "is another node running")
			assert.NotContains(t, stderr.String(), "Ctrl-C to stop")
			assert.NoDirExists(t, dir, "nothing is written before the node can run")
		})
	}
}

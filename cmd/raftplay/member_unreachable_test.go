package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node/nodetest"
)

// freeLoopback is a loopback HOST:PORT where nothing listens (it was free a moment ago).
func freeLoopback(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// member add of a server where nothing answers fails at once, naming the address,
// and adds nothing; with --force it adds the learner, and when that learner never
// catches up the error says how to undo the add.
func TestMemberAddUnreachable(t *testing.T) {
	c := nodetest.Start(t, nil)
	c.Leader()
	addr := strings.Join(c.URLs, ",")
	raft, httpAddr := freeLoopback(t), freeLoopback(t)

	start := time.Now()
	out, code := execute("member", "add", "4", "--raft", raft, "--http-addr", httpAddr, "--addr", addr)
	assert.Equal(t, 1, code, out)
	assert.Less(t, time.Since(start), 10*time.Second, "refused at once, not after --timeout: %s", out)
	assert.Contains(t, out, raft, "the error names the address")
	assert.Contains(t, out, "takes no connection")
	assert.Contains(t, out, "--force")
	out, code = execute("member", "list", "--addr", addr)
	require.Equal(t, 0, code, out)
	assert.NotContains(t, out, raft, "nothing was added")
	assert.Equal(t, 3, strings.Count(out, "voter"), out)

	out, code = execute("member", "add", "4", "--force", "--raft", raft, "--http-addr", httpAddr, "--addr", addr, "--timeout", "2s")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "server 4 is a learner (configuration entry")
	assert.Contains(t, out, "'raftplay member remove 4'", "the error says how to undo the add")
}

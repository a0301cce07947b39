package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node/nodetest"
)

func TestNodeJoinFlags(t *testing.T) {
	join := nodeFlags{id: 4, peers: "4=127.0.0.1:7004", http: "127.0.0.1:8004", data: "d",
		tick: 10 * time.Millisecond, electionTicks: 20, logLevel: "info", join: true}
	cfg, err := join.config()
	require.NoError(t, err)
	assert.Equal(t, map[uint64]string{4: "127.0.0.1:7004"}, cfg.Peers)
	assert.Equal(t, "127.0.0.1:8004", cfg.PeerHTTP[4], "its own HTTP address, which it hands to the leader nowhere else")

	f := join
	f.peers = "1=127.0.0.1:7001,4=127.0.0.1:7004"
	_, err = f.config()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--join: --peers lists ids [1 4]; a joining node lists itself alone (--peers 4=HOST:PORT)")

	f = join
	f.peerHTTP = "4=127.0.0.1:8004"
	_, err = f.config()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--join: --peer-http is not needed")
}

func TestMemberUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"member"}, "name an operation: add, remove or list"},
		{[]string{"member", "add"}, "accepts 1 arg"},
		{[]string{"member", "add", "x", "--raft", "127.0.0.1:7004", "--http-addr", "127.0.0.1:8004"}, `member id "x" is not a positive number`},
		{[]string{"member", "add", "4", "--http-addr", "127.0.0.1:8004"}, "--raft is required"},
		{[]string{"member", "add", "4", "--raft", "127.0.0.1:7004"}, "--http-addr is required"},
		{[]string{"member", "add", "4", "--raft", "127.0.0.1", "--http-addr", "127.0.0.1:8004"}, `--raft: "127.0.0.1" has no port`},
		{[]string{"member", "add", "4", "--raft", "127.0.0.1:7004", "--http-addr", "ftp://x"}, "--http-addr"},
		{[]string{"member", "remove", "0"}, `member id "0" is not a positive number`},
		{[]string{"member", "list", "--addr", ","}, "names no node"},
	} {
		out, code := execute(tc.args...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, out)
		assert.Contains(t, out, tc.want, "%v", tc.args)
	}
}

// member list against three nodes prints each member with its role and addresses;
// member remove of a server that is no member fails with the node's explanation.
func TestMemberListAndRemoveUnknown(t *testing.T) {
	c := nodetest.Start(t, nil)
	c.Leader()
	addr := strings.Join(c.URLs, ",")
	out, code := execute("member", "list", "--addr", addr)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "configuration of entry 0 (committed)")
	assert.Contains(t, out, "ID  ROLE   RAFT")
	for i, u := range c.URLs {
		assert.Contains(t, out, strings.TrimPrefix(u, "http://"), "node %d's HTTP address", i+1)
	}
	assert.Equal(t, 3, strings.Count(out, "voter"), "three voters: %s", out)
	out, code = execute("member", "remove", "9", "--addr", addr, "--timeout", "5s")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "not a member")
}

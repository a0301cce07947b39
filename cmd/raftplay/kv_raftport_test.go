package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kv pointed at a node's Raft port retried its EOF until --timeout (10 s by default),
// although its message already said "is it a node's Raft port?". It gives up after
// one retry now, from kv's own process with the default timeout; a node that is
// restarting is still waited for (TestKVRetriesWhileTheLeaderIsDead).
func TestKVAtARaftPortGivesUpSoon(t *testing.T) {
	c := startCluster(t, nil)
	require.Eventually(t, func() bool { return strings.Contains(c.stdout.String(), "is the leader") }, 20*time.Second, 20*time.Millisecond)
	raft := fmt.Sprintf("http://127.0.0.1:%d", c.flags.basePort)
	for _, args := range [][]string{{"kv", "get", "x"}, {"kv", "put", "x", "1"}} {
		start := time.Now()
		out, code := runRaftplayBounded(t, append(args, "--addr", raft))
		took := time.Since(start)
		assert.Equal(t, 1, code, "output:\n%s", out)
		assert.Contains(t, out, raft+" closed the connection without an HTTP answer: is it a node's Raft port?")
		assert.Less(t, took, 3*time.Second, "%v gave up after %v", args, took)
	}
}

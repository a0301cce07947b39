package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/nodetest"
)

// member remove whose first attempt times out on the leader ("outcome-unknown": the
// entry could not commit while the leader was cut off from a voter of C_new) and whose
// retry then finds the server gone ("unknown-member", because that first attempt did
// take effect once the link healed) reports success: the server was already removed.
func TestMemberRemoveRetryFindsItDone(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) {
		cfg.RequestTimeout = 300 * time.Millisecond
		cfg.ElectionTicks = 300 // 3 s: check-quorum keeps the leader through the cut below
	})
	lead := c.Leader()
	victim, other := (lead+1)%3, (lead+2)%3
	cl, err := client.New([]string{c.URLs[lead]}, client.Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Without the other follower, C_new = {leader, other} has no majority.
	_, err = cl.Link(ctx, uint64(other+1), true)
	require.NoError(t, err)

	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		out, code := execute("member", "remove", fmt.Sprint(victim+1), "--addr", strings.Join(c.URLs, ","), "--timeout", "20s")
		done <- result{out, code}
	}()
	time.Sleep(900 * time.Millisecond) // past the 300 ms RequestTimeout, and a retry or two
	_, err = cl.Link(ctx, uint64(other+1), false)
	require.NoError(t, err)

	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		require.FailNow(t, "member remove did not return")
	}
	assert.Equal(t, 0, res.code, res.out)
	assert.Contains(t, res.out, fmt.Sprintf("server %d already removed", victim+1), res.out)
	m, err := cl.Members(ctx)
	require.NoError(t, err)
	assert.Len(t, m.Voters, 2)
	assert.NotContains(t, m.Voters, uint64(victim+1))
}

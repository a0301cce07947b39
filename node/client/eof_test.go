package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangUp listens on a loopback port and, like a node's Raft port asked over HTTP,
// reads each request and closes the connection without an answer. It returns its URL
// and how many requests it has read.
func hangUp(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var requests atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				requests.Add(1)
			}
			_ = conn.Close()
		}
	}()
	return "http://" + ln.Addr().String(), &requests
}

// An address that closes the connection right after the request (a node's Raft port,
// 7001 typed for 8001) was asked again every 200 ms until the context ended: 10 s of
// `raftplay kv` for a message that already said "is it a node's Raft port?". No node
// restarting answers like that twice running (a stopped node refuses the connection):
// the client gives up after one retry.
func TestHangUpIsRetriedOnce(t *testing.T) {
	for _, n := range []int{1, 3} {
		addrs := make([]string, n)
		counts := make([]*atomic.Int32, n)
		for i := range addrs {
			addrs[i], counts[i] = hangUp(t)
		}
		cl, err := New(addrs, Options{})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		_, err = cl.Get(ctx, "k")
		cancel()
		require.Error(t, err)
		assert.Less(t, time.Since(start), 2*time.Second, "%d addresses", n)
		assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
		var unreachable *UnreachableError
		require.ErrorAs(t, err, &unreachable)
		for i, c := range counts {
			assert.Equal(t, int32(2), c.Load(), "address %d of %d: asked once and retried once", i+1, n)
		}
	}
}

// One address that hangs up among nodes in an election (503) is still retried with
// them: the cluster may elect a leader in a moment.
func TestHangUpAmongUnavailableNodesIsRetried(t *testing.T) {
	gone, count := hangUp(t)
	busy := answering(t, http.StatusServiceUnavailable, "application/json", `{"error":"no leader is known","code":"no-leader"}`)
	cl, err := New([]string{gone, busy}, Options{RetryDelay: 50 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = cl.Get(ctx, "k")
	require.Error(t, err)
	assert.Greater(t, count.Load(), int32(4), "retried until the deadline")
}

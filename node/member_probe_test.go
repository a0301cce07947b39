package node

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server whose HTTP API takes the connection and never answers is given up on after
// memberProbeTimeout, with an error naming the address, not waited for until the
// request's own deadline.
func TestProbeGivesUpOnAnHTTPAPIThatNeverAnswers(t *testing.T) {
	raft := listenLoopback(t)
	defer raft.Close()
	go acceptAndHold(raft)
	silent := listenLoopback(t)
	defer silent.Close()
	go acceptAndHold(silent)

	n := &Node{cfg: Config{ClusterID: 1}}
	start := time.Now()
	err := n.probeMember(context.Background(), 4, MemberAddrs{Raft: raft.Addr().String(), HTTP: "http://" + silent.Addr().String()})
	took := time.Since(start)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not answer GET /status")
	assert.Contains(t, err.Error(), silent.Addr().String())
	assert.Less(t, took, memberProbeTimeout+time.Second, "the probe waited %v", took)
	assert.GreaterOrEqual(t, took, memberProbeTimeout-100*time.Millisecond, "gave up early, after %v", took)
}

// The client the node uses for other servers' HTTP APIs takes no proxy from the
// environment, and bounds every step (the e2e test TestMemberAddProbeGoesAroundTheEnvironmentsProxy
// shows the proxy case with real processes).
func TestClusterHTTPClientHasNoProxyAndBoundsEveryStep(t *testing.T) {
	c := clusterHTTPClient(time.Second, false)
	tr, ok := c.Transport.(*http.Transport)
	require.True(t, ok)
	assert.Nil(t, tr.Proxy, "a proxy from the environment would take cluster-internal addresses")
	assert.Equal(t, time.Second, c.Timeout)
	assert.Equal(t, time.Second, tr.TLSHandshakeTimeout)
	assert.Equal(t, time.Second, tr.ResponseHeaderTimeout)
	assert.True(t, tr.DisableKeepAlives)
}

// acceptAndHold accepts connections and never writes to them, until ln is closed.
func acceptAndHold(ln net.Listener) {
	var held []net.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		held = append(held, c)
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node/client"
)

func TestKVAddrList(t *testing.T) {
	_, err := newNodeClient(client.SplitAddrs(" , "), " , ", "", time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "names no node")
	_, err = newNodeClient(client.SplitAddrs("http://127.0.0.1:1,ftp://x"), "", "", time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `--addr "ftp://x"`)
	cs, err := newNodeClient(client.SplitAddrs("127.0.0.1:1, http://127.0.0.1:2"), "", "", time.Second)
	require.NoError(t, err)
	require.Len(t, cs.Addrs(), 2)
	assert.Equal(t, "http://127.0.0.1:2", cs.Addrs()[1])
}

// A dead node first in --addr, then a follower that still redirects to it, then the
// node that serves: kv passes over the first two, with one session for every attempt.
func TestKVPassesOverDeadNodesAndRedirectsToThem(t *testing.T) {
	dead := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dead+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer follower.Close()
	var sessions []string
	var served atomic.Int32
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		sessions = append(sessions, r.Header.Get("X-Raftplay-Client"))
		fmt.Fprint(w, `{"index": 7}`)
	}))
	defer leader.Close()
	var out bytes.Buffer
	f := kvFlags{addr: dead + "," + follower.URL + "," + leader.URL, timeout: 5 * time.Second}
	require.NoError(t, runKV(context.Background(), &out, f, kvPut, []string{"k", "v"}))
	assert.Equal(t, "OK: index 7 (new key)\n", out.String())
	assert.Equal(t, int32(1), served.Load())
	assert.NotEmpty(t, sessions[0])
}

// While only a redirect to a dead leader is to be had (an election under way), kv keeps
// trying until --timeout, and then names the node it could not reach.
func TestKVRetriesWhileTheLeaderIsDead(t *testing.T) {
	dead := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	var calls atomic.Int32
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, dead+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer follower.Close()
	start := time.Now()
	err := runKV(context.Background(), &bytes.Buffer{}, kvFlags{addr: dead + "," + follower.URL, timeout: 700 * time.Millisecond}, kvGet, []string{"k"})
	require.Error(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond, "it retried until the timeout")
	assert.Greater(t, calls.Load(), int32(1))
	assert.Contains(t, err.Error(), "cannot reach a node at "+dead)
}

// When no address answers at all, nothing is running: kv says so at once.
func TestKVFailsFastWhenNothingRuns(t *testing.T) {
	a := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	b := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	start := time.Now()
	err := runKV(context.Background(), &bytes.Buffer{}, kvFlags{addr: a + "," + b, timeout: 10 * time.Second}, kvGet, []string{"k"})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Contains(t, err.Error(), "connection refused; is it running?")
}

package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
)

func TestCallsAgainstACluster(t *testing.T) {
	c := startTestNodes(t, "tok")
	lead := c.Leader()
	follower := c.URLs[(lead+1)%3] // every call goes through a redirect
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := New([]string{follower}, Options{Token: "tok", Timeout: 5 * time.Second})
	require.NoError(t, err)

	v, err := cl.Get(ctx, "a/b c")
	require.NoError(t, err)
	assert.False(t, v.Found)
	res, err := cl.Put(ctx, "a/b c", "one")
	require.NoError(t, err)
	assert.Equal(t, node.WriteResult{Key: "a/b c", Index: res.Index}, res)
	v, err = cl.Get(ctx, "a/b c")
	require.NoError(t, err)
	assert.Equal(t, Value{Value: "one", Found: true, Index: v.Index}, v)
	assert.GreaterOrEqual(t, v.Index, res.Index, "the read is served at or after the write")

	_, err = cl.CAS(ctx, "a/b c", "other", "two")
	require.Error(t, err)
	assert.Equal(t, node.CodeCASFailed, Code(err))
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.Status)
	assert.True(t, apiErr.Body.Found)
	assert.Equal(t, "one", apiErr.Body.Current)
	res, err = cl.CAS(ctx, "a/b c", "one", "two")
	require.NoError(t, err)
	assert.Equal(t, "one", res.Previous)

	res, err = cl.Delete(ctx, "a/b c")
	require.NoError(t, err)
	assert.True(t, res.Found)
	assert.Equal(t, "two", res.Previous)
	res, err = cl.Delete(ctx, "a/b c")
	require.NoError(t, err)
	assert.False(t, res.Found)

	st, err := cl.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64((lead+1)%3+1), st.ID, "status is the node's own, not the leader's")

	anonymous, err := New([]string{follower}, Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = anonymous.Put(ctx, "k", "v")
	assert.Equal(t, node.CodeUnauthorized, Code(err))
	assert.Contains(t, err.Error(), "answered 401 Unauthorized")
}

// A write is retried while no leader is known, with one session for every attempt, so
// it is applied at most once; past the deadline the last 503 is the answer.
func TestRetriesWhileThereIsNoLeader(t *testing.T) {
	var (
		calls    atomic.Int32
		mu       sync.Mutex
		sessions []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sessions = append(sessions, r.Header.Get(node.HeaderClient)+"/"+r.Header.Get(node.HeaderSeq))
		mu.Unlock()
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"code":"no-leader","error":"an election is under way"}`)
			return
		}
		fmt.Fprintln(w, `{"key":"k","index":7,"found":false}`)
	}))
	defer srv.Close()
	cl, err := New([]string{srv.URL}, Options{RetryDelay: 10 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := cl.Put(ctx, "k", "v")
	require.NoError(t, err)
	assert.Equal(t, uint64(7), res.Index)
	_, err = cl.Put(ctx, "k", "w")
	require.NoError(t, err)
	mu.Lock()
	got := append([]string(nil), sessions...)
	mu.Unlock()
	require.Len(t, got, 4)
	assert.Regexp(t, `^[1-9]\d*/1$`, got[0])
	assert.Equal(t, got[0], got[2], "a retry carries the same session")
	assert.Regexp(t, `/2$`, got[3], "the next write takes the next seq")

	calls.Store(-1000)
	short, cancelShort := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelShort()
	_, err = cl.Put(short, "k", "v")
	assert.Equal(t, node.CodeNoLeader, Code(err))
	assert.True(t, NotApplied(err), "a no-leader 503 says the write was not proposed")
}

// A dead node first, then a follower that still redirects to it (a leader just killed),
// then the node that serves: the first two are passed over.
func TestPassesOverDeadNodesAndRedirectsToThem(t *testing.T) {
	dead := deadURL(t)
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dead+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer follower.Close()
	var served atomic.Int32
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		fmt.Fprint(w, `{"index": 7}`)
	}))
	defer leader.Close()
	cl, err := New([]string{dead, follower.URL, leader.URL}, Options{})
	require.NoError(t, err)
	res, err := cl.Put(context.Background(), "k", "v")
	require.NoError(t, err)
	assert.Equal(t, uint64(7), res.Index)
	assert.Equal(t, int32(1), served.Load())

	// With only the redirect to the dead leader to be had, it retries until the deadline
	// and names the node it could not reach.
	cl, err = New([]string{dead, follower.URL}, Options{RetryDelay: 20 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = cl.Get(ctx, "k")
	require.Error(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "it retried until the deadline")
	assert.Contains(t, err.Error(), "cannot reach a node at "+dead)
	var unreachable *UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Equal(t, dead, unreachable.Node)
}

func TestFailsFastWhenNothingRuns(t *testing.T) {
	cl, err := New([]string{deadURL(t), deadURL(t)}, Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = cl.Put(ctx, "k", "v")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.True(t, NotApplied(err))
	assert.Contains(t, err.Error(), "connection refused; is it running?")
}

// With Once, an answer that would be retried is the caller's at once.
func TestOnceDoesNotRetry(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"code":"outcome-unknown","error":"timed out"}`)
	}))
	defer srv.Close()
	cl, err := New([]string{srv.URL, srv.URL}, Options{Once: true})
	require.NoError(t, err)
	_, err = cl.Put(context.Background(), "k", "v")
	assert.Equal(t, node.CodeOutcomeUnknown, Code(err))
	assert.False(t, NotApplied(err), "the write may still be applied")
	assert.Equal(t, int32(1), calls.Load())
}

func TestAddresses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8001", "http://127.0.0.1:8001"},
		{"http://127.0.0.1:8001/", "http://127.0.0.1:8001"},
		{"127.0.0.1:8002", "http://127.0.0.1:8002"},
		{"https://node.example", "https://node.example"},
		{"ftp://x", ""},
		{"http://127.0.0.1:8001/kv", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := BaseURL(tt.in)
		if tt.want == "" {
			require.Error(t, err, tt.in)
			assert.Contains(t, err.Error(), "expected a node's URL such as http://127.0.0.1:8001")
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
	assert.Equal(t, []string{"127.0.0.1:1", "http://127.0.0.1:2"}, SplitAddrs(" 127.0.0.1:1, ,http://127.0.0.1:2,"))
	_, err := New(nil, Options{})
	assert.Error(t, err)
	_, err = New([]string{"ftp://x"}, Options{})
	assert.ErrorContains(t, err, `node address "ftp://x"`)
	cl, err := New([]string{"127.0.0.1:1", "127.0.0.1:2"}, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"http://127.0.0.1:2"}, cl.At(1).Addrs())
	assert.Equal(t, "/kv/a/b%20c/%3F", keyPath("a/b c/?"))
}

// After a redirect the client goes to the leader first: one redirect, not one per call.
func TestRemembersTheNodeThatServed(t *testing.T) {
	var leaderCalls, followerCalls atomic.Int32
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaderCalls.Add(1)
		fmt.Fprint(w, `{"index": 3}`)
	}))
	defer leader.Close()
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followerCalls.Add(1)
		http.Redirect(w, r, leader.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer follower.Close()
	cl, err := New([]string{follower.URL}, Options{})
	require.NoError(t, err)
	for range 3 {
		_, err := cl.Put(context.Background(), "k", "v")
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), followerCalls.Load())
	assert.Equal(t, int32(3), leaderCalls.Load())

	// Once the leader is gone, the list is tried again (and redirects to the dead leader
	// until the deadline).
	leader.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = cl.Put(ctx, "k", "v")
	require.Error(t, err)
	assert.Greater(t, followerCalls.Load(), int32(1))
}

// Concurrent writes through one client go one at a time, each with the next seq, so no
// write of the session is stale (a later seq applied before an earlier one).
func TestConcurrentWritesShareTheSessionInTurn(t *testing.T) {
	c := startTestNodes(t, "")
	c.Leader()
	cl, err := New(c.URLs, Options{Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = cl.At(i%3).Put(ctx, fmt.Sprintf("k%d", i), "v") })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "write %d", i)
	}

	// A write waiting for its turn gives up with its context.
	cl.session.turn <- struct{}{}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	_, err = cl.Put(short, "k", "v")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	<-cl.session.turn
}

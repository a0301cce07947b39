package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

func TestKVAgainstACluster(t *testing.T) {
	c := nodetest.Start(t, nil)
	lead := c.Leader()
	follower := c.URLs[(lead+1)%3] // every request goes through a redirect
	kvRun := func(op kvOp, args ...string) (string, error) {
		var out bytes.Buffer
		err := runKV(context.Background(), &out, kvFlags{addr: follower, timeout: 5 * time.Second}, op, args)
		return out.String(), err
	}
	steps := []struct {
		name    string
		op      kvOp
		args    []string
		out     string
		errText string
	}{
		{"get absent", kvGet, []string{"greeting"}, "", `key not found: "greeting"`},
		{"put new", kvPut, []string{"greeting", "hello"}, "(new key)", ""},
		{"get", kvGet, []string{"greeting"}, "hello\n", ""},
		{"put again", kvPut, []string{"greeting", "hi there"}, `(was "hello")`, ""},
		{"cas mismatch", kvCAS, []string{"greeting", "hello", "bonjour"}, "", `key "greeting" holds "hi there", not the expected value`},
		{"cas", kvCAS, []string{"greeting", "hi there", "bonjour"}, `(was "hi there")`, ""},
		{"get after cas", kvGet, []string{"greeting"}, "bonjour\n", ""},
		{"key with slash and space", kvPut, []string{"a/b c", "x"}, "(new key)", ""},
		{"get key with slash", kvGet, []string{"a/b c"}, "x\n", ""},
		{"del", kvDel, []string{"greeting"}, `OK: deleted "greeting" (was "bonjour")`, ""},
		{"del absent", kvDel, []string{"greeting"}, `OK: "greeting" was not there`, ""},
		{"cas absent", kvCAS, []string{"greeting", "a", "b"}, "", `key "greeting" not found (use put to create it)`},
	}
	for _, s := range steps {
		out, err := kvRun(s.op, s.args...)
		if s.errText != "" {
			require.Error(t, err, s.name)
			assert.Equal(t, 1, exitCodeOf(err), s.name)
			assert.Contains(t, err.Error(), s.errText, s.name)
			continue
		}
		require.NoError(t, err, s.name)
		assert.Contains(t, out, s.out, s.name)
	}
}

func TestKVToken(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "s3cret" })
	url := c.URLs[(c.Leader()+1)%3]
	flags := kvFlags{addr: url, timeout: 5 * time.Second}
	err := runKV(context.Background(), &bytes.Buffer{}, flags, kvPut, []string{"k", "v"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "answered 401")
	assert.Contains(t, err.Error(), "pass --token-file or set RAFTPLAY_TOKEN")

	flags.token = "s3cret" // sent again on the redirect
	require.NoError(t, runKV(context.Background(), &bytes.Buffer{}, flags, kvPut, []string{"k", "v"}))
	t.Setenv(tokenEnv, "s3cret")
	var out bytes.Buffer
	require.NoError(t, runKV(context.Background(), &out, kvFlags{addr: url, timeout: 5 * time.Second}, kvGet, []string{"k"}))
	assert.Equal(t, "v\n", out.String())
}

func TestKVRetriesWhileThereIsNoLeader(t *testing.T) {
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
			fmt.Fprintln(w, `{"error":"no leader is known; an election is probably under way"}`)
			return
		}
		fmt.Fprintln(w, `{"key":"k","index":7,"found":false}`)
	}))
	defer srv.Close()
	var out bytes.Buffer
	require.NoError(t, runKV(context.Background(), &out, kvFlags{addr: srv.URL, timeout: 5 * time.Second}, kvPut, []string{"k", "v"}))
	assert.Equal(t, "OK: index 7 (new key)\n", out.String())
	mu.Lock()
	sessions = append([]string(nil), sessions...)
	mu.Unlock()
	require.Len(t, sessions, 3)
	assert.NotEqual(t, "/", sessions[0])
	assert.Equal(t, sessions[0], sessions[2], "a retry carries the same session, so it applies at most once")

	// Past the timeout the last 503 is the answer.
	calls.Store(-1000)
	err := runKV(context.Background(), &bytes.Buffer{}, kvFlags{addr: srv.URL, timeout: 300 * time.Millisecond}, kvPut, []string{"k", "v"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "answered 503: no leader is known")
}

func TestKVUnreachable(t *testing.T) {
	url := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	err := runKV(context.Background(), &bytes.Buffer{}, kvFlags{addr: url, timeout: time.Second}, kvGet, []string{"k"})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "connection refused; is it running?")
}

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// fakeDist writes a minimal built playground into a temporary folder.
func fakeDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"index.html":   "<!doctype html><title>raftplay</title>",
		"app.wasm":     "\x00asm",
		"app.wasm.gz":  "gz",
		"wasm_exec.js": "globalThis.Go = class {}",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	return dir
}

func TestServeServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncbuf.Buffer
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &out, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t)}, func(a net.Addr) { addrs <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start listening")
	}
	assert.Contains(t, out.String(), "at http://"+addr.String()+"/")

	req, err := http.NewRequest("GET", "http://"+addr.String()+"/app.wasm", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/wasm", res.Header.Get("Content-Type"))
	assert.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	assert.Equal(t, "gz", string(body))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not shut down")
	}
	assert.Contains(t, out.String(), "raftplay: stopped")
}

// execServe runs the root command with args and returns its error.
func execServe(args ...string) error {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root.Execute()
}

func TestServeWithoutDist(t *testing.T) {
	dir := t.TempDir()
	err := execServe("serve", "--dist", dir, "--addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has no index.html: the playground is not built; run `make dist` first")
	var exit *exitError
	assert.False(t, errors.As(err, &exit), "a missing dist is a failure (exit 1), not a usage error")
}

func TestServeBadAddress(t *testing.T) {
	err := runServe(context.Background(), io.Discard, serveFlags{addr: "256.0.0.1:99999", dist: fakeDist(t)}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "serve: listen on 256.0.0.1:99999")
}

func TestServeUsage(t *testing.T) {
	err := execServe("serve", "extra")
	var exit *exitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.code)
}

func TestDisplayURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/"},
		{"[::]:8080", "http://127.0.0.1:8080/"},
		{"[::1]:9000", "http://[::1]:9000/"},
		{"192.168.1.5:80", "http://192.168.1.5:80/"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		require.NoError(t, err)
		assert.Equal(t, tt.want, displayURL(addr), tt.addr)
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// startServe runs runServe with f until the test ends and returns its base URL.
func startServe(t *testing.T, f serveFlags, out io.Writer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, out, f, func(a net.Addr) { addrs <- a }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	select {
	case a := <-addrs:
		return "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start listening")
	}
	return ""
}

func TestServeShares(t *testing.T) {
	shareDir := filepath.Join(t.TempDir(), "data", "share")
	var out syncbuf.Buffer
	base := startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), shareDir: shareDir}, &out)
	assert.Contains(t, out.String(), "shared scenarios are kept in "+shareDir)

	res, err := http.Post(base+"/api/share", "application/json", strings.NewReader(`{"v":1,"seed":3}`))
	require.NoError(t, err)
	var answer struct{ ID, URL string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&answer))
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "/s/"+answer.ID, answer.URL)
	assert.FileExists(t, filepath.Join(shareDir, answer.ID+".json"))

	res, err = http.Get(base + "/api/share/" + answer.ID)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), `"seed":3`)

	res, err = http.Get(base + answer.URL)
	require.NoError(t, err)
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "<!doctype html><title>raftplay</title>", string(body))
}

func TestServeWithoutShareDirHasNoShareAPI(t *testing.T) {
	var out syncbuf.Buffer
	base := startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t)}, &out)
	assert.NotContains(t, out.String(), "shared scenarios")
	res, err := http.Post(base+"/api/share", "application/json", strings.NewReader(`{"v":1,"seed":3}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "the page sees no API and falls back to the fragment")
}

func TestServeBadShareDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	err := runServe(context.Background(), io.Discard, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), shareDir: filepath.Join(file, "share")}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "serve: share: create folder")
}

func TestServeShareDirFlagDefault(t *testing.T) {
	cmd := newServeCommand()
	flag := cmd.Flags().Lookup("share-dir")
	require.NotNil(t, flag)
	assert.Equal(t, "./raftplay-data/share", flag.DefValue)
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNodeTakesItsTokenFromAFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(file, []byte("s3cret\n"), 0o600))
	f := nodeFlags{id: 1, peers: "1=0.0.0.0:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", http: "127.0.0.1:8001",
		data: dir, tick: time.Millisecond, electionTicks: 10, logLevel: "info", tokenFile: file}
	cfg, err := f.config()
	require.NoError(t, err, "a token from the file allows the exposed address")
	assert.Equal(t, "s3cret", cfg.Token)

	f.token = "other"
	_, err = f.config()
	assert.ErrorContains(t, err, "not both")

	for name, content := range map[string]string{"empty": " \n", "two lines": "a\nb\n", "too long": strings.Repeat("x", 5000)} {
		require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
		_, err := readTokenFile(file)
		assert.Error(t, err, name)
	}
	_, err = readTokenFile(filepath.Join(dir, "missing"))
	assert.ErrorContains(t, err, "read the cluster token")
}

func TestEnsureClusterTokenKeepsTheFirstToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	path, created, err := ensureClusterToken(dir)
	require.NoError(t, err)
	assert.True(t, created)
	first, err := readTokenFile(path)
	require.NoError(t, err)
	path2, created, err := ensureClusterToken(dir)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, path, path2)
	again, err := readTokenFile(path)
	require.NoError(t, err)
	assert.Equal(t, first, again)

	other, _, err := ensureClusterToken(filepath.Join(t.TempDir(), "other"))
	require.NoError(t, err)
	otherToken, err := readTokenFile(other)
	require.NoError(t, err)
	assert.NotEqual(t, first, otherToken, "each cluster gets its own random token")
}

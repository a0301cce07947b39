package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A token holding control bytes cannot travel in an Authorization header: a node used
// to start with one from --token-file, and every client then failed with net/http's
// "invalid header field value for \"Authorization\"". The node, cluster and client
// commands refuse it at once (exit 2), naming where it came from and the byte.
func TestATokenWithControlBytesIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte("abc\x00\x01def\n"), 0o600))
	peer := fmt.Sprintf("1=127.0.0.1:%d", freeLoopbackPort(t))
	http := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
	data := filepath.Join(t.TempDir(), "node1")

	for _, args := range [][]string{
		{"node", "--id", "1", "--peers", peer, "--http", http, "--data", data, "--token-file", file},
		{"kv", "get", "x", "--addr", "http://" + http, "--token-file", file},
		{"status", "--addr", "http://" + http, "--token-file", file},
	} {
		out, code := runRaftplayBounded(t, args)
		assert.Equal(t, 2, code, "%v output:\n%s", args, out)
		assert.Contains(t, out, "the token in "+file+" holds the control byte 0x00 at offset 3: a token is text that fits in an HTTP header", "%v", args)
	}
	assert.NoDirExists(t, data, "the node refused before creating its store")

	t.Setenv(tokenEnv, "abc\tdef")
	out, code := runRaftplayBounded(t, []string{"kv", "get", "x", "--addr", "http://" + http})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, "the token in $"+tokenEnv+" holds the control byte 0x09 at offset 3")
	out, code = runRaftplayBounded(t, []string{"kv", "get", "x", "--addr", "http://" + http, "--token", "a\x7fb"})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, "the token in --token holds the control byte 0x7f at offset 1")
}

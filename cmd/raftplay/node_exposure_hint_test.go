package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The refusal names the flags a user of raftplay node has, the token file first: it
// said "set Token (--token), or Insecure (--insecure)", Go field names, and pointed at
// the one way of giving a token that every user of the machine can read in ps.
func TestNodeExposureRefusalNamesTheFlags(t *testing.T) {
	out, code := execute("node", "--id", "1", "--peers", "1=0.0.0.0:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
		"--http", "127.0.0.1:8001", "--data", filepath.Join(t.TempDir(), "node1"))
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "--token-file FILE")
	assert.Contains(t, out, "RAFTPLAY_TOKEN")
	assert.Contains(t, out, "--insecure")
	assert.NotContains(t, out, "set Token")
}

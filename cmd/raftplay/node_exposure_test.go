package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A node refused for listening on a non-loopback address without a token leaves no
// trace on disk: the refusal comes before the data directory is created.
func TestNodeRefusesExposureBeforeTouchingTheDisk(t *testing.T) {
	data := filepath.Join(t.TempDir(), "node1")
	out, code := execute("node", "--id", "1", "--peers", "1=0.0.0.0:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
		"--http", "127.0.0.1:8001", "--data", data)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "not a loopback address")
	assert.NoDirExists(t, data)
}

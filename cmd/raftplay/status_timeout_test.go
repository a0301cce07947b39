package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// status took --timeout 0 and --timeout -1s without a word (kv and link refuse them):
// the first meant no limit at all, the opposite of what it reads as.
func TestStatusNonPositiveTimeoutIsAUsageMistake(t *testing.T) {
	for _, timeout := range []string{"0", "-1s"} {
		out, code := runRaftplayBounded(t, []string{"status", "--addr", "http://127.0.0.1:1", "--timeout", timeout})
		assert.Equal(t, 2, code, "--timeout %s output:\n%s", timeout, out)
		assert.Contains(t, out, "--timeout must be positive, got ", "--timeout %s", timeout)
	}
}

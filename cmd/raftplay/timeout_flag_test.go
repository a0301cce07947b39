package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// kv and link with --timeout 0 or below gave up at once with "no answer in time" or
// "wait for this client's previous write: context deadline exceeded".
func TestNonPositiveTimeoutIsAUsageMistake(t *testing.T) {
	for _, args := range [][]string{
		{"kv", "put", "k", "v", "--timeout", "0"},
		{"kv", "get", "k", "--timeout", "-1s"},
		{"link", "cut", "1", "2", "--timeout", "0s"},
	} {
		out, code := execute(args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, out, "--timeout must be positive", "%v", args)
	}
}

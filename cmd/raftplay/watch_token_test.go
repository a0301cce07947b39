package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A wrong token is not a node that is down: retrying every second cannot fix it.
// watch with a wrong --token used to print one DOWN line per node ("answered 401")
// and then sit there retrying until Ctrl-C; it stops at once now, exit status 1,
// naming the token as the problem.
func TestWatchStopsOnAWrongToken(t *testing.T) {
	c := startCluster(t, nil)
	out, code := runRaftplayBounded(t, []string{"watch", "--plain", "--addr", c.allURLs(), "--token", "not-the-cluster-token"})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, "answered 401: missing or wrong cluster token")
	assert.Contains(t, out, "retrying cannot fix a wrong token")
	require.NotContains(t, out, "goroutine ", "no Go stack trace")
}

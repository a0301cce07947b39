package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// With no node answering at --addr (all down, or a wrong token), link printed "could
// not cut on node 1: not among the nodes that answered at --addr" for each side before
// the reason: two lines that read as if the node ids were wrong. It gives the reason
// alone now.
func TestLinkWithNoNodeAnsweringGivesTheReasonAlone(t *testing.T) {
	out, code := runRaftplayBounded(t, []string{"link", "cut", "1", "2", "--addr", "http://127.0.0.1:1"})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.NotContains(t, out, "not among the nodes that answered")
	assert.Contains(t, out, "no node at --addr answered, so the link between 1 and 2 is unchanged: http://127.0.0.1:1: cannot reach a node at http://127.0.0.1:1: connection refused")
}

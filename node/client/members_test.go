package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
)

// The typed membership calls, through a follower first: the POST is redirected to the
// leader with its body, and the answers are decoded or turned into coded errors.
func TestMembershipCalls(t *testing.T) {
	c := startTestNodes(t, "tok")
	lead := c.Leader()
	follower := (lead + 1) % 3
	cl, err := New([]string{c.URLs[follower], c.URLs[lead]}, Options{Token: "tok", Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	m, err := cl.Members(ctx)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2, 3}, m.Voters)
	assert.Equal(t, uint64(follower+1), m.Node, "any node answers GET /members for itself")
	require.Len(t, m.Members, 3)

	// Node 2 again, at its own addresses: redirected to the leader with its body, and
	// answered as the add that changes nothing.
	st := c.Nodes[1].Status()
	var raft, httpURL string
	for _, p := range st.Peers {
		if p.ID == 2 {
			raft, httpURL = p.RaftAddr, p.HTTPURL
		}
	}
	m, err = cl.AddMember(ctx, 2, raft, strings.TrimPrefix(httpURL, "http://"))
	require.NoError(t, err)
	assert.Zero(t, m.Index)

	_, err = cl.AddMember(ctx, 2, "127.0.0.1:1", httpURL)
	assert.Equal(t, node.CodeMemberExists, Code(err))
	_, err = cl.AddMember(ctx, 4, "no-port", httpURL)
	assert.Equal(t, node.CodeBadRequest, Code(err))
	_, err = cl.RemoveMember(ctx, 9)
	assert.Equal(t, node.CodeUnknownMember, Code(err))
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.Status)
}

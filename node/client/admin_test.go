package client

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

func TestLinkCutsAndHealsOneNodesLink(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "tok" })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := New(c.URLs[:1], Options{Token: "tok"})
	require.NoError(t, err)
	res, err := cl.Link(ctx, 3, true)
	require.NoError(t, err)
	assert.Equal(t, node.LinkResult{Peer: 3, Cut: true, Changed: true, CutLinks: []uint64{3}}, res)
	assert.Equal(t, []uint64{3}, c.Nodes[0].Status().CutLinks)
	res, err = cl.Link(ctx, 3, false)
	require.NoError(t, err)
	assert.Equal(t, node.LinkResult{Peer: 3, Cut: false, Changed: true, CutLinks: []uint64{}}, res)

	_, err = cl.Link(ctx, 1, true)
	assert.Equal(t, node.CodeBadRequest, Code(err), "a node has no link to itself")
	anonymous, err := New(c.URLs[:1], Options{})
	require.NoError(t, err)
	_, err = anonymous.Link(ctx, 2, true)
	assert.Equal(t, node.CodeUnauthorized, Code(err))
	assert.Empty(t, c.Nodes[0].Status().CutLinks)
}

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

func TestLinkCommandRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"link"},
		{"link", "cut", "1"},
		{"link", "cut", "1", "1"},
		{"link", "heal", "0", "2"},
		{"link", "cut", "one", "2"},
	} {
		assert.Equal(t, 2, run(args), "%v is a usage error", args)
	}
}

// link cut finds the two nodes by their /status and cuts both sides; with one of them
// down the other still cuts; with neither it fails.
func TestLinkCutsBothSides(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "link-token" })
	f := linkFlags{addr: strings.Join(c.URLs, ","), token: "link-token", timeout: 5 * time.Second}
	var out bytes.Buffer
	require.NoError(t, runLink(t.Context(), &out, f, 1, 3, true))
	assert.Contains(t, out.String(), "node 1 now drops the Raft messages to and from node 3")
	assert.Contains(t, out.String(), "node 3 now drops the Raft messages to and from node 1")
	assert.Equal(t, []uint64{3}, c.Nodes[0].Status().CutLinks)
	assert.Equal(t, []uint64{1}, c.Nodes[2].Status().CutLinks)

	c.Stop(2)
	out.Reset()
	require.NoError(t, runLink(t.Context(), &out, f, 1, 3, false))
	assert.Contains(t, out.String(), "node 1 now delivers the Raft messages to and from node 3")
	assert.Contains(t, out.String(), "could not heal on node 3: not among the nodes that answered")
	assert.Empty(t, c.Nodes[0].Status().CutLinks)

	c.Stop(0)
	err := runLink(t.Context(), &out, f, 1, 3, true)
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "neither node 1 nor node 3 could cut the link")

	wrong := f
	wrong.token = "nope"
	out.Reset()
	err = runLink(t.Context(), &out, wrong, 2, 3, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401", "the nodes' refusal is named")
}

package client

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

// startTestNodes starts three nodes in this process, with the cluster token token.
func startTestNodes(t *testing.T, token string) *nodetest.Cluster {
	return nodetest.Start(t, func(cfg *node.Config) { cfg.Token = token })
}

// deadURL is the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	return url
}

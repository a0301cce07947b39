package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/raftplay/raftplay/internal/syncbuf"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

// serve --live given addresses where no node answers said nothing about it: the
// terminal printed the page's address, and the page drew an empty cluster. It now
// names each node that does not answer and why, before serving.
func TestServeLiveWarnsAboutNodesThatDoNotAnswer(t *testing.T) {
	dead := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	var out syncbuf.Buffer
	startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), live: dead}, &out)
	text := out.String()
	assert.Contains(t, text, "warning: "+dead+" does not answer")
	assert.Contains(t, text, "connection refused")
	assert.Contains(t, text, "the page shows it once it answers")
}

// A wrong cluster token is named as such: every node answers 401.
func TestServeLiveWarnsAboutAWrongToken(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "right" })
	t.Setenv(tokenEnv, "wrong")
	var out syncbuf.Buffer
	startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), live: strings.Join(c.URLs, ",")}, &out)
	text := out.String()
	for _, u := range c.URLs {
		assert.Contains(t, text, "warning: "+u+" refuses this server: ")
	}
	assert.Contains(t, text, "401")
	assert.Contains(t, text, "cluster token")
}

// Nodes that answer bring no warning.
func TestServeLiveQuietWhenTheNodesAnswer(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = "fine" })
	t.Setenv(tokenEnv, "fine")
	var out syncbuf.Buffer
	startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), live: strings.Join(c.URLs, ",")}, &out)
	assert.NotContains(t, out.String(), "warning")
}

package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/raftplay/raftplay/node/client"
)

// AddJoiner lays out one more node, with the next id, on free loopback ports, to be
// started with --join (it knows only itself, and learns the cluster from the leader
// once `raftplay member add` adds it). It does not start it: Start does. The cluster's
// client then knows its URL too.
func (c *Cluster) AddJoiner() (*Node, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	id := uint64(len(c.Nodes) + 1)
	n := &Node{
		ID:       id,
		RaftAddr: "127.0.0.1:" + strconv.Itoa(ports[0]),
		HTTPAddr: "127.0.0.1:" + strconv.Itoa(ports[1]),
		DataDir:  filepath.Join(c.opts.Dir, fmt.Sprintf("node%d", id)),
		LogFile:  filepath.Join(c.opts.Dir, fmt.Sprintf("node%d.log", id)),
	}
	n.Args = append([]string{"node", "--id", strconv.FormatUint(id, 10),
		"--peers", fmt.Sprintf("%d=%s", id, n.RaftAddr), "--http", n.HTTPAddr,
		"--data", n.DataDir, "--join"}, c.opts.NodeArgs...)
	c.Nodes = append(c.Nodes, n)
	api, err := client.New(c.URLs(), client.Options{Timeout: 3 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	c.api.CloseIdleConnections()
	c.api = api
	return n, nil
}

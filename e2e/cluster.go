// Package e2e checks raftplay end to end: three real `raftplay node` processes on
// 127.0.0.1, each with its log on disk (fsync on), driven over their HTTP API.
//
// TestEndToEnd runs concurrent clients doing put, get and compare-and-set while the
// leader is killed with SIGKILL and restarted, twice; then it checks with porcupine
// (package lincheck) that the history the clients saw is linearizable, and, from each
// node's log on disk once they are stopped, that every acknowledged write is on all
// three nodes. BenchmarkPut and the putbench command (e2e/cmd/putbench) measure
// acknowledged PUTs per second and their latency.
//
// The package's exported helpers start and stop such a cluster (Cluster), build the
// raftplay binary (Build) and generate load (RunPuts); they are shared by the tests
// and the putbench command.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/localcluster"
)

// Build compiles cmd/raftplay into dir and returns the binary's path. It runs the go
// command found on the PATH, from the current directory, which must be inside the
// raftplay module.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "raftplay")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/raftplay/raftplay/cmd/raftplay")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build raftplay: %w\n%s", err, out)
	}
	return bin, nil
}

// Options configures a Cluster.
type Options struct {
	// Bin is the raftplay binary (see Build).
	Bin string
	// Dir holds each node's data directory (nodeN) and log file (nodeN.log).
	Dir string
	// NodeArgs are extra arguments for every `raftplay node`, such as "--tick", "5ms".
	NodeArgs []string
	// NodeArgsOf, if not nil, gives further arguments for node id.
	NodeArgsOf func(id uint64) []string
	// Voters is the number of nodes; default 3.
	Voters int
}

// Node is one node of a Cluster.
type Node struct {
	ID       uint64
	RaftAddr string
	HTTPAddr string
	DataDir  string
	LogFile  string
	Args     []string // the command line after the binary

	process
}

// URL is the base URL of the node's HTTP API.
func (n *Node) URL() string { return "http://" + n.HTTPAddr }

// Cluster is a set of `raftplay node` processes on 127.0.0.1. Its methods are not safe
// for concurrent use.
type Cluster struct {
	opts  Options
	Nodes []*Node // by id - 1
	api   *client.Client
}

// NewCluster lays out a cluster on free loopback ports and starts every node.
func NewCluster(opts Options) (*Cluster, error) {
	if opts.Voters == 0 {
		opts.Voters = 3
	}
	ports, err := freePorts(2 * opts.Voters)
	if err != nil {
		return nil, err
	}
	layout := make([]localcluster.Ports, opts.Voters)
	for i := range layout {
		layout[i] = localcluster.Ports{Raft: ports[2*i], HTTP: ports[2*i+1]}
	}
	members := localcluster.Layout(layout, opts.Dir)
	c := &Cluster{opts: opts}
	for _, m := range members {
		n := &Node{
			ID: m.ID, RaftAddr: m.RaftAddr, HTTPAddr: m.HTTPAddr, DataDir: m.DataDir,
			LogFile: filepath.Join(opts.Dir, fmt.Sprintf("node%d.log", m.ID)),
			Args:    append(localcluster.NodeArgs(members, m), opts.NodeArgs...),
		}
		if opts.NodeArgsOf != nil {
			n.Args = append(n.Args, opts.NodeArgsOf(n.ID)...)
		}
		c.Nodes = append(c.Nodes, n)
	}
	if c.api, err = client.New(c.URLs(), client.Options{Timeout: 3 * time.Second}); err != nil {
		return nil, fmt.Errorf("e2e: %w", err)
	}
	for _, n := range c.Nodes {
		if err := c.Start(n.ID); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// freePorts finds n ports that are free now, below the kernel's range of ephemeral
// ports, so that a node killed and restarted finds its ports still free: an outgoing
// connection could otherwise be given one of them while the node is down.
func freePorts(n int) ([]int, error) {
	low := 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if fields := strings.Fields(string(data)); len(fields) == 2 {
			if v, err := strconv.Atoi(fields[0]); err == nil && v > 12000 {
				low = v
			}
		}
	}
	var ports []int
	for attempt := 0; attempt < 10000 && len(ports) < n; attempt++ {
		port := 10000 + rand.IntN(low-10000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = ln.Close()
		dup := false
		for _, p := range ports {
			dup = dup || p == port
		}
		if !dup {
			ports = append(ports, port)
		}
	}
	if len(ports) < n {
		return nil, errors.New("e2e: cannot find free loopback ports")
	}
	return ports, nil
}

// Node returns the node with the given id.
func (c *Cluster) Node(id uint64) *Node { return c.Nodes[id-1] }

// URLs lists the base URLs of every node.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		urls[i] = n.URL()
	}
	return urls
}

// Start starts node id, which must not be running, with its command line: the same
// every time, so a restarted node reopens its data directory.
func (c *Cluster) Start(id uint64) error {
	n := c.Node(id)
	if n.running() {
		return fmt.Errorf("e2e: node %d is already running", id)
	}
	banner := fmt.Sprintf("=== e2e: starting %s %s", c.opts.Bin, strings.Join(n.Args, " "))
	if err := n.spawn(n.LogFile, banner, c.opts.Bin, n.Args); err != nil {
		return fmt.Errorf("e2e: start node %d: %w", id, err)
	}
	return nil
}

// Running reports whether node id's process is running (as far as the cluster knows).
func (c *Cluster) Running(id uint64) bool { return c.Node(id).running() }

// PID returns node id's process id, or 0.
func (c *Cluster) PID(id uint64) int {
	if n := c.Node(id); n.cmd != nil {
		return n.cmd.Process.Pid
	}
	return 0
}

// Kill kills node id with SIGKILL, as a crash would, and waits for the process to end.
func (c *Cluster) Kill(id uint64) error {
	n := c.Node(id)
	if !n.running() {
		return fmt.Errorf("e2e: node %d is not running", id)
	}
	n.kill()
	c.reap(n, "killed with SIGKILL")
	return nil
}

// Stop stops node id with SIGTERM and waits for a clean exit; after timeout it kills
// the node and returns an error.
func (c *Cluster) Stop(id uint64, timeout time.Duration) error {
	n := c.Node(id)
	if !n.running() {
		return nil
	}
	r := n.terminate(timeout)
	if r.timedOut {
		c.reap(n, "killed after a SIGTERM timeout")
	} else {
		c.reap(n, "stopped")
	}
	if err := r.err(timeout); err != nil {
		return fmt.Errorf("e2e: node %d: %w; see %s", id, err, n.LogFile)
	}
	return nil
}

func (c *Cluster) reap(n *Node, how string) {
	n.release(fmt.Sprintf("=== e2e: node %d %s", n.ID, how))
}

// StopAll stops every running node with SIGTERM, at once, and returns the first error.
func (c *Cluster) StopAll(timeout time.Duration) error {
	procs := make([]*process, len(c.Nodes))
	for i, n := range c.Nodes {
		procs[i] = &n.process
	}
	results := terminateAll(procs, timeout)
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.running() {
			c.reap(n, "stopped")
		}
		if err := results[i].err(timeout); err != nil {
			errs[i] = fmt.Errorf("e2e: node %d: %w; see %s", n.ID, err, n.LogFile)
		}
	}
	return errors.Join(errs...)
}

// Close kills every node still running. It is safe to call more than once.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		if n.running() {
			_ = c.Kill(n.ID)
		}
	}
	c.api.CloseIdleConnections()
}

// Client speaks to the nodes' HTTP API, trying them in turn and retrying until its
// context is done (node/client's retry policy), each exchange bounded by 3 s.
func (c *Cluster) Client() *client.Client { return c.api }

// NewClient returns a client of the nodes with other options, such as client.Options.Once
// for a test that decides about retries itself.
func (c *Cluster) NewClient(opts client.Options) (*client.Client, error) {
	return client.New(c.URLs(), opts)
}

// Status asks node id for its GET /status.
func (c *Cluster) Status(ctx context.Context, id uint64) (node.Status, error) {
	st, err := c.api.At(int(id - 1)).Status(ctx)
	if err != nil {
		return st, fmt.Errorf("e2e: node %d: %w", id, err)
	}
	return st, nil
}

// WaitLeader waits until a running node says it is the leader and every other running
// node that answers follows it in the same term, and returns its id.
func (c *Cluster) WaitLeader(ctx context.Context) (uint64, error) {
	for {
		if lead, ok := c.agreedLeader(ctx); ok {
			return lead, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("e2e: no agreed leader: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *Cluster) agreedLeader(ctx context.Context) (uint64, bool) {
	var lead, term uint64
	var followers []node.Status
	for _, n := range c.Nodes {
		if n.cmd == nil {
			continue
		}
		st, err := c.Status(ctx, n.ID)
		if err != nil {
			continue
		}
		if st.Role == "leader" {
			if lead != 0 {
				return 0, false
			}
			lead, term = st.ID, st.Term
		} else {
			followers = append(followers, st)
		}
	}
	if lead == 0 {
		return 0, false
	}
	for _, st := range followers {
		if st.Leader != lead || st.Term != term {
			return 0, false
		}
	}
	return lead, true
}

// WaitApplied waits until every node has applied index, and their commit indices agree.
func (c *Cluster) WaitApplied(ctx context.Context, index uint64) error {
	for {
		ok := true
		var commits []uint64
		for _, n := range c.Nodes {
			st, err := c.Status(ctx, n.ID)
			if err != nil || st.LastApplied < index {
				ok = false
				break
			}
			commits = append(commits, st.CommitIndex)
		}
		for _, cm := range commits {
			ok = ok && cm == commits[0]
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("e2e: the nodes did not all apply index %d: %w", index, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/live"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/localcluster"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newClusterCommand) }

// Timing of cluster.
const (
	clusterRestartDelay = time.Second      // before --restart starts a node that exited
	clusterLeaderWait   = 20 * time.Second // how long to look for the first leader
)

type clusterFlags struct {
	basePort     int
	httpBasePort int
	data         string
	token        string
	tokenFile    string
	tick         time.Duration
	logLevel     string
	restart      bool
	stopTimeout  time.Duration
	exe          string // hidden: the raftplay binary to run (default: this one)

	web      string // serve the live page on this address ("" for none)
	dist     string // the built playground the live page is served from
	insecure bool   // allow a non-loopback --web
}

func newClusterCommand() *cobra.Command {
	var f clusterFlags
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Start three local node processes; Ctrl-C stops them",
		Long: `cluster starts three "raftplay node" processes on 127.0.0.1, node N with its
Raft port at --base-port+N-1 and its HTTP API at --http-base-port+N-1, and its log
in --data/nodeN. It prints each node's addresses, PID and data directory, what to
try next, and each node's log prefixed with [node N].

Crash a node with kill -9 PID and restart it with the command printed for it (its
log on disk survives; it catches up from the leader). With --restart, cluster
restarts a node that exited by itself a second later, unless it stopped itself
with exit status 1 (a damaged disk, say), which starting it again cannot fix.

The nodes are authenticated: without --token-file, --token or RAFTPLAY_TOKEN,
cluster generates a random token into --data/token (mode 0600; kept for the next
run) and hands the nodes its path. The client commands (kv, status, watch) read
raftplay-data/cluster/token by themselves when run from the same directory;
elsewhere pass --token-file.

With --web 127.0.0.1:8080, cluster also serves the playground (built by make dist,
--dist) in live mode at that address: the page draws these three processes as they
run, and its buttons crash (SIGKILL) and restart them, cut and heal links and write
to the store. It holds the cluster token; the page never sees it. --web listens on
loopback only unless --insecure is given. Crashing every node from the page does
not end cluster: the page can restart them.

Ctrl-C (or SIGTERM) stops all three: each gets SIGTERM and shuts down cleanly,
and one that has not stopped after --stop-timeout is killed. A node restarted by
hand in another terminal is not cluster's child: stop it there.`,
		Example: `  raftplay cluster
  raftplay cluster --web 127.0.0.1:8080     # and open http://127.0.0.1:8080/?live
  raftplay cluster --data /tmp/raftplay --restart
  raftplay cluster --base-port 9001 --http-base-port 9101`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return usageError(cmd, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCluster(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.basePort, "base-port", 7001, "Raft port of node 1; node N uses base-port+N-1")
	fl.IntVar(&f.httpBasePort, "http-base-port", 0, "HTTP port of node 1; node N uses http-base-port+N-1 (default base-port+1000)")
	fl.StringVar(&f.data, "data", filepath.Join("raftplay-data", "cluster"), "directory holding node1, node2 and node3")
	fl.StringVar(&f.token, "token", "", "cluster token handed to the nodes (visible in ps; prefer --token-file or $"+tokenEnv+")")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the cluster token (default: $"+tokenEnv+", else a random token generated into --data/"+clusterTokenName+")")
	fl.DurationVar(&f.tick, "tick", node.DefaultTickInterval, "real time of one Raft tick")
	fl.StringVar(&f.logLevel, "log-level", "info", "the nodes' log level: debug (every engine event), info, warn or error")
	fl.BoolVar(&f.restart, "restart", false, "restart a node a second after it exits (kill -9 it and watch it come back)")
	fl.DurationVar(&f.stopTimeout, "stop-timeout", 10*time.Second, "how long a node may take to stop before it is killed")
	fl.StringVar(&f.exe, "exe", "", "raftplay binary to run the nodes with (default: this one)")
	_ = fl.MarkHidden("exe")
	fl.StringVar(&f.web, "web", "", "also serve the live playground on this address (host:port), drawing and driving these nodes")
	fl.StringVar(&f.dist, "dist", "dist", "with --web, the folder of the built playground (make dist)")
	fl.BoolVar(&f.insecure, "insecure", false, "with --web, allow a non-loopback address: whoever reaches it controls the cluster")
	return cmd
}

const clusterSize = 3

// maxLogLine is the longest line of a node's log printed whole; a longer one is cut.
const maxLogLine = 1 << 20

func (f *clusterFlags) check() error {
	if f.httpBasePort == 0 {
		f.httpBasePort = f.basePort + 1000
	}
	switch {
	case f.basePort < 1 || f.basePort+clusterSize-1 > 65535:
		return fmt.Errorf("--base-port %d: the ports %d..%d must be in 1..65535", f.basePort, f.basePort, f.basePort+clusterSize-1)
	case f.httpBasePort < 1 || f.httpBasePort+clusterSize-1 > 65535:
		return fmt.Errorf("--http-base-port %d: the ports %d..%d must be in 1..65535", f.httpBasePort, f.httpBasePort, f.httpBasePort+clusterSize-1)
	case f.httpBasePort < f.basePort+clusterSize && f.basePort < f.httpBasePort+clusterSize:
		return fmt.Errorf("--base-port %d and --http-base-port %d overlap: each needs %d ports", f.basePort, f.httpBasePort, clusterSize)
	case f.data == "":
		return errors.New("--data must not be empty")
	case f.tick <= 0:
		return fmt.Errorf("--tick must be positive, got %v", f.tick)
	case f.stopTimeout <= 0:
		return fmt.Errorf("--stop-timeout must be positive, got %v", f.stopTimeout)
	case f.token != "" && f.tokenFile != "":
		return errors.New("give --token or --token-file, not both")
	}
	if f.web != "" {
		if err := checkLiveAddr("--web", f.web, f.insecure); err != nil {
			return err
		}
	}
	if info, err := os.Stat(f.data); err == nil && !info.IsDir() {
		return fmt.Errorf("--data %s is a file, not a directory: give the directory that holds (or will hold) node1, node2 and node3", f.data)
	}
	_, err := logLevel(f.logLevel)
	return err
}

// clusterNode is one node of the cluster and, while it runs, its process.
type clusterNode struct {
	id       uint64
	raftAddr string
	httpAddr string
	dataDir  string
	args     []string // the node command line, without the executable

	cmd  *exec.Cmd // nil while the node is not running
	logs *prefixWriter
}

// nodeExit reports that a node's process ended.
type nodeExit struct {
	node *clusterNode
	err  error // from Wait
}

func (n *clusterNode) url() string { return "http://" + n.httpAddr }

// clusterNodes lays out the three nodes.
func (f clusterFlags) clusterNodes() []*clusterNode {
	ports := make([]localcluster.Ports, clusterSize)
	for i := range ports {
		ports[i] = localcluster.Ports{Raft: f.basePort + i, HTTP: f.httpBasePort + i}
	}
	members := localcluster.Layout(ports, f.data)
	nodes := make([]*clusterNode, clusterSize)
	for i, m := range members {
		n := &clusterNode{id: m.ID, raftAddr: m.RaftAddr, httpAddr: m.HTTPAddr, dataDir: m.DataDir,
			args: localcluster.NodeArgs(members, m)}
		if f.tick != node.DefaultTickInterval {
			n.args = append(n.args, "--tick", f.tick.String())
		}
		if f.logLevel != "info" {
			n.args = append(n.args, "--log-level", f.logLevel)
		}
		nodes[i] = n
	}
	return nodes
}

// clusterSupervisor starts the node processes and learns when they end.
type clusterSupervisor struct {
	exe    string
	env    []string
	stderr io.Writer     // where the nodes' logs go, each line prefixed
	logMu  sync.Mutex    // keeps the nodes' log lines whole
	exits  chan nodeExit // one per process that ended
}

// start runs node n's process; its exit is reported on s.exits.
func (s *clusterSupervisor) start(n *clusterNode) error {
	n.logs = &prefixWriter{mu: &s.logMu, w: s.stderr, prefix: fmt.Sprintf("[node %d] ", n.id)}
	cmd := exec.Command(s.exe, n.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, n.logs, n.logs
	cmd.SysProcAttr = nodeProcAttr()
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node %d (%s): %w", n.id, s.exe, err)
	}
	n.cmd = cmd
	go func() { s.exits <- nodeExit{n, cmd.Wait()} }()
	return nil
}

// runCluster starts the nodes and supervises them until ctx is done, then stops them.
func runCluster(ctx context.Context, stdout, stderr io.Writer, f clusterFlags) error {
	exe, err := clusterExecutable(f.exe)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	nodes := f.clusterNodes()
	if err := checkPortsFree(nodes); err != nil {
		return &exitError{code: 1, err: err}
	}
	var webLn net.Listener
	if f.web != "" {
		if err := checkDist(f.dist); err != nil {
			return &exitError{code: 1, err: fmt.Errorf("--web: %w", err)}
		}
		if webLn, err = net.Listen("tcp", f.web); err != nil {
			return &exitError{code: 1, err: fmt.Errorf("--web: listen on %s: %w", f.web, err)}
		}
		defer webLn.Close()
	}
	sup := &clusterSupervisor{exe: exe, env: os.Environ(), stderr: stderr, exits: make(chan nodeExit, clusterSize)}
	token, err := f.setUpToken(stdout, nodes, sup)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, n := range nodes {
		if err := sup.start(n); err != nil {
			_ = stopClusterNodes(stdout, nodes, sup.exits, f.stopTimeout)
			return &exitError{code: 1, err: err}
		}
	}
	display := displayCommand(exe)
	printClusterIntro(stdout, f, nodes, display)
	leaderCtx, stopLeaderSearch := context.WithCancel(ctx)
	defer stopLeaderSearch()
	go reportFirstLeader(leaderCtx, stdout, nodes, token)

	// The live page's crash and restart requests come to this loop, which owns the
	// processes.
	controls := make(chan nodeControl)
	webDone := make(chan error, 1)
	webCtx, stopWeb := context.WithCancel(ctx)
	defer stopWeb()
	if webLn != nil {
		srv, err := newClusterLive(f, nodes, token, &loopSupervisor{controls: controls, stopped: webCtx.Done()})
		if err != nil {
			stopWeb()
			_ = stopClusterNodes(stdout, nodes, sup.exits, f.stopTimeout)
			return &exitError{code: 1, err: err}
		}
		go func() { webDone <- serveLiveOn(webCtx, stdout, webLn, f.dist, srv, nil) }()
	}
	// stopAll stops the page, then the nodes.
	stopAll := func() error {
		stopLeaderSearch()
		stopWeb()
		if webLn != nil {
			if err := <-webDone; err != nil {
				fmt.Fprintf(stdout, "%v\n", err)
			}
		}
		fmt.Fprintln(stdout, "\nstopping the nodes...")
		return stopClusterNodes(stdout, nodes, sup.exits, f.stopTimeout)
	}

	// A node has at most one pending restart (it is scheduled when the node exits), so
	// the timers never block on this channel.
	restarts := make(chan *clusterNode, clusterSize)
	pending := 0
	for {
		select {
		case <-ctx.Done():
			return stopAll()
		case err := <-webDone:
			// The page stopped by itself (its listener failed): stop like Ctrl-C.
			webLn = nil
			stopErr := stopAll()
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			return stopErr
		case c := <-controls:
			c.reply <- controlNode(stdout, sup, nodes, c)
			continue
		case ev := <-sup.exits:
			n := ev.node
			n.logs.flush()
			fmt.Fprintf(stdout, "node %d (pid %d) exited: %s\n", n.id, n.cmd.Process.Pid, exitDescription(ev.err))
			n.cmd = nil
			if f.restart && refusedToRun(ev.err) {
				fmt.Fprintf(stdout, "node %d stopped itself (exit status 1: its log above says why), which starting it again cannot fix, so --restart leaves it down; fix the cause, then restart it with:\n  %s\n",
					n.id, nodeCommandLine(display, n))
			} else if f.restart {
				fmt.Fprintf(stdout, "restarting node %d in %v (--restart)\n", n.id, clusterRestartDelay)
				pending++
				time.AfterFunc(clusterRestartDelay, func() { restarts <- n })
			} else {
				fmt.Fprintf(stdout, "restart it with:\n  %s\n", nodeCommandLine(display, n))
			}
		case n := <-restarts:
			pending--
			if n.cmd != nil {
				continue // restarted meanwhile, from the live page
			}
			if err := sup.start(n); err != nil {
				fmt.Fprintf(stdout, "cannot restart node %d: %v\n", n.id, err)
			} else {
				fmt.Fprintf(stdout, "node %d restarted: pid %d\n", n.id, n.cmd.Process.Pid)
			}
		}
		if runningNodes(nodes) == 0 && pending == 0 && f.web == "" {
			return &exitError{code: 1, err: errors.New("no node is running any more; their logs above say why")}
		}
	}
}

// refusedToRun reports whether a node's process ended with exit status 1: raftplay
// node's own refusal (a damaged disk, a port in use, a wrong flag), which starting it
// again cannot fix. A kill -9, a crash (a Go panic exits 2) or a clean stop is not one.
func refusedToRun(waitErr error) bool {
	var exit *exec.ExitError
	return errors.As(waitErr, &exit) && exit.ExitCode() == 1
}

// nodeControl is a crash or restart request of the live page, for the loop that owns
// the processes.
type nodeControl struct {
	id    uint64
	crash bool
	reply chan error
}

// loopSupervisor is the live server's Supervisor: it hands each request to the
// cluster loop and waits for its answer.
type loopSupervisor struct {
	controls chan<- nodeControl
	stopped  <-chan struct{}
}

// Crash kills node id's process (SIGKILL).
func (s *loopSupervisor) Crash(id uint64) error { return s.ask(id, true) }

// Restart starts node id's process again.
func (s *loopSupervisor) Restart(id uint64) error { return s.ask(id, false) }

func (s *loopSupervisor) ask(id uint64, crash bool) error {
	c := nodeControl{id: id, crash: crash, reply: make(chan error, 1)}
	select {
	case s.controls <- c:
	case <-s.stopped:
		return errors.New("the cluster is stopping")
	}
	return <-c.reply
}

// controlNode carries out a request of the live page, in the cluster loop.
func controlNode(out io.Writer, sup *clusterSupervisor, nodes []*clusterNode, c nodeControl) error {
	var n *clusterNode
	for _, candidate := range nodes {
		if candidate.id == c.id {
			n = candidate
		}
	}
	switch {
	case n == nil:
		return fmt.Errorf("%w: the cluster's nodes are 1 to %d", live.ErrNoSuchNode, len(nodes))
	case c.crash && n.cmd == nil:
		return live.ErrNotRunning
	case c.crash:
		if err := n.cmd.Process.Kill(); err != nil {
			return fmt.Errorf("kill node %d (pid %d): %w", n.id, n.cmd.Process.Pid, err)
		}
		fmt.Fprintf(out, "node %d (pid %d) killed from the live page (SIGKILL)\n", n.id, n.cmd.Process.Pid)
		return nil
	case n.cmd != nil:
		return live.ErrRunning
	}
	if err := sup.start(n); err != nil {
		return err
	}
	fmt.Fprintf(out, "node %d restarted from the live page: pid %d\n", n.id, n.cmd.Process.Pid)
	return nil
}

// newClusterLive prepares the live server of cluster --web for its nodes.
func newClusterLive(f clusterFlags, nodes []*clusterNode, token string, sup live.Supervisor) (*live.Server, error) {
	urls := make([]string, len(nodes))
	ids := make([]uint64, len(nodes))
	for i, n := range nodes {
		urls[i], ids[i] = n.url(), n.id
	}
	return live.New(live.Options{Nodes: urls, IDs: ids, Token: token, Supervisor: sup, AllowedHosts: allowedHosts(f.web)})
}

// setUpToken decides the cluster token and how the nodes get it: the path of a token
// file on their command line (a generated one unless --token-file names one), or the
// environment for --token and $RAFTPLAY_TOKEN, never the token itself on a command
// line, where ps shows it. It returns the token.
func (f *clusterFlags) setUpToken(out io.Writer, nodes []*clusterNode, sup *clusterSupervisor) (string, error) {
	switch {
	case f.token != "" || (f.tokenFile == "" && os.Getenv(tokenEnv) != ""):
		token := f.token
		if token == "" {
			token = os.Getenv(tokenEnv)
		}
		sup.env = append(sup.env, tokenEnv+"="+token)
		return token, nil
	case f.tokenFile == "":
		path, created, err := ensureClusterToken(f.data)
		if err != nil {
			return "", err
		}
		f.tokenFile = path
		if created {
			fmt.Fprintf(out, "cluster token: generated a random one into %s (mode 0600)\n", path)
		} else {
			fmt.Fprintf(out, "cluster token: the one in %s\n", path)
		}
	}
	token, err := readTokenFile(f.tokenFile)
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		n.args = append(n.args, "--token-file", f.tokenFile)
	}
	return token, nil
}

func runningNodes(nodes []*clusterNode) int {
	running := 0
	for _, n := range nodes {
		if n.cmd != nil {
			running++
		}
	}
	return running
}

// stopClusterNodes sends SIGTERM to every running node, waits up to timeout for all of
// them, then kills the rest.
func stopClusterNodes(out io.Writer, nodes []*clusterNode, exits <-chan nodeExit, timeout time.Duration) error {
	for _, n := range nodes {
		if n.cmd != nil {
			_ = n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.After(timeout)
	var killed []string
	for runningNodes(nodes) > 0 {
		select {
		case ev := <-exits:
			n := ev.node
			n.logs.flush()
			fmt.Fprintf(out, "node %d (pid %d) stopped: %s\n", n.id, n.cmd.Process.Pid, exitDescription(ev.err))
			n.cmd = nil
		case <-deadline:
			for _, n := range nodes {
				if n.cmd != nil {
					_ = n.cmd.Process.Kill()
					killed = append(killed, fmt.Sprintf("node %d (pid %d)", n.id, n.cmd.Process.Pid))
				}
			}
			deadline = nil // wait for the killed ones without a deadline: SIGKILL cannot be refused
		}
	}
	if len(killed) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%s did not stop within %v and was killed", strings.Join(killed, ", "), timeout)}
	}
	return nil
}

func exitDescription(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// clusterExecutable is the raftplay binary the nodes run.
func clusterExecutable(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the raftplay binary to start the nodes with: %w", err)
	}
	return exe, nil
}

// displayCommand is how to type exe: "raftplay" when that finds the same file on the
// PATH, else its path from the current folder when it is under it, else its path.
func displayCommand(exe string) string {
	if found, err := exec.LookPath("raftplay"); err == nil {
		a, errA := os.Stat(found)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "raftplay"
		}
	}
	// Under the current folder (bin/raftplay of the repository, as the README runs it),
	// the path from here: shorter, and as valid as the commands' relative --data.
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, exe); err == nil && filepath.IsLocal(rel) {
			if !strings.ContainsRune(rel, filepath.Separator) {
				rel = "." + string(filepath.Separator) + rel
			}
			return shellQuote(rel)
		}
	}
	return shellQuote(exe)
}

func nodeCommandLine(display string, n *clusterNode) string {
	parts := []string{display}
	for _, a := range n.args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// checkPortsFree fails early, and clearly, when a port is taken.
func checkPortsFree(nodes []*clusterNode) error {
	for _, n := range nodes {
		for _, addr := range []string{n.raftAddr, n.httpAddr} {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("cannot listen on %s for node %d: %w\nis another cluster or node running? stop it, or choose other ports with --base-port and --http-base-port", addr, n.id, err)
			}
			_ = ln.Close()
		}
	}
	return nil
}

func printClusterIntro(out io.Writer, f clusterFlags, nodes []*clusterNode, display string) {
	fmt.Fprintf(out, "raftplay cluster: %d nodes on 127.0.0.1, data in %s\n\n", len(nodes), f.data)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tRAFT\tHTTP\tPID\tDATA")
	var urls []string
	for _, n := range nodes {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", n.id, n.raftAddr, n.url(), n.cmd.Process.Pid, n.dataDir)
		urls = append(urls, n.url())
	}
	_ = tw.Flush()
	all := strings.Join(urls, ",")
	watch := display + " watch"
	if f.httpBasePort != 8001 {
		watch += " --addr " + all
	}
	// The client commands find the default token file by themselves.
	tokenArg, curlAuth := "", ""
	if f.tokenFile != "" {
		if f.tokenFile != defaultClusterTokenFile {
			tokenArg = " --token-file " + shellQuote(f.tokenFile)
			watch += tokenArg
		}
		// curl -L drops the header on a redirect to another port; --location-trusted keeps it.
		curlAuth = fmt.Sprintf(`--location-trusted -H "Authorization: Bearer $(cat %s)" `, shellQuote(f.tokenFile))
	} else {
		curlAuth = `--location-trusted -H "Authorization: Bearer $` + tokenEnv + `" `
	}
	fmt.Fprintf(out, `
Try, in another terminal:
  %s status --addr %s%s
  %s
  %s kv put greeting hello --addr %s%s
  curl %s%s/kv/greeting
  kill -9 PID         # crash a node (the leader, say) and watch the others elect a new one
`, display, all, tokenArg, watch, display, urls[1], tokenArg, curlAuth, urls[2])
	if f.restart {
		fmt.Fprintln(out, "A node that exits is restarted a second later (--restart).")
	} else {
		fmt.Fprintln(out, "Restart a crashed node with its command:")
		for _, n := range nodes {
			fmt.Fprintf(out, "  %s\n", nodeCommandLine(display, n))
		}
		if f.tokenFile == "" {
			fmt.Fprintf(out, "  (with %s set to the cluster token)\n", tokenEnv)
		}
	}
	fmt.Fprintln(out, "Ctrl-C stops all three nodes.")
	fmt.Fprintln(out)
}

// reportFirstLeader prints the first leader the nodes agree on.
func reportFirstLeader(ctx context.Context, out io.Writer, nodes []*clusterNode, token string) {
	urls := make([]string, len(nodes))
	for i, n := range nodes {
		urls[i] = n.url()
	}
	cl, err := client.New(urls, client.Options{Token: token, Timeout: time.Second})
	if err != nil {
		fmt.Fprintf(out, "cannot look for the leader: %v\n", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, clusterLeaderWait)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				fmt.Fprintf(out, "no leader after %v: see the nodes' logs, and 'raftplay status'\n", clusterLeaderWait)
			}
			return
		case <-tick.C:
		}
		for _, st := range fetchStatuses(ctx, cl) {
			if st.Status != nil && st.Status.Role == "leader" {
				fmt.Fprintf(out, "node %d is the leader (term %d)\n", st.Status.ID, st.Status.Term)
				return
			}
		}
	}
}

// prefixWriter writes each complete line it is given with a prefix, under a mutex
// shared by the nodes, so their lines never interleave.
type prefixWriter struct {
	mu      *sync.Mutex
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.partial[:i]); err != nil {
			return 0, err
		}
		p.partial = p.partial[i+1:]
	}
	if len(p.partial) > maxLogLine { // a runaway line without a newline
		_, _ = fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.partial)
		p.partial = p.partial[:0]
	}
	return len(b), nil
}

// flush writes what is left of an unfinished last line.
func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.partial) > 0 {
		_, _ = fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.partial)
		p.partial = p.partial[:0]
	}
}

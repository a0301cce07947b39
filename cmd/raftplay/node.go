package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/filestore"
	"github.com/raftplay/raftplay/node"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newNodeCommand) }

type nodeFlags struct {
	id            uint64
	peers         string
	peerHTTP      string
	http          string
	data          string
	token         string
	tokenFile     string
	insecure      bool
	tick          time.Duration
	electionTicks int
	logLevel      string
	cpuProfile    string // hidden: write a CPU profile until shutdown
	noFsync       bool   // hidden: skip fdatasync, to measure what it costs

	snapshotEntries int
	snapshotBytes   int64
	join            bool // start empty and learn the configuration from the leader
}

func newNodeCommand() *cobra.Command {
	var f nodeFlags
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run one native Raft node: log on disk, TCP to its peers, key-value API over HTTP",
		Long: `node runs one native raftplay node until Ctrl-C or SIGTERM. It keeps its Raft
log and HardState in --data (created if missing; what it finds there on start is
printed: a torn tail left by a crash is cut), talks to the other voters over TCP,
and serves the key-value API on --http:

  GET /status    GET /events (Server-Sent Events)
  GET|PUT|DELETE /kv/{key}   (PUT with the header X-Raftplay-Expect: OLD is compare-and-set)

Only the leader serves /kv; a follower answers 307 with Location on the leader's
HTTP address, so "curl -L" and "raftplay kv" follow it. The followers learn those
addresses from --peer-http. Without it they are derived from --peers: each peer's
HTTP port is its Raft port plus the offset between this node's --http and Raft
ports (7001 -> 8001 gives 7002 -> 8002 and 7003 -> 8003), on the peer's Raft host.

Every node listens on 127.0.0.1 unless told otherwise. A non-loopback address
needs a cluster token (--token-file, the RAFTPLAY_TOKEN environment variable, or
--token, which ps shows to every user of the machine), which
peers present to each other and clients send as "Authorization: Bearer TOKEN";
--insecure allows it without one on a network you trust.

Restart a node with the same command and the same --data: it reloads its term, vote
and log from disk and catches up with the leader.

To grow a running cluster, start a new node with --join (and --peers naming itself
alone), then add it with 'raftplay member add'. It learns the configuration, and
every member's addresses, from the leader.`,
		Example: `  raftplay node --id 1 --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
      --http 127.0.0.1:8001 --data raftplay-data/node1
  RAFTPLAY_TOKEN=s3cret raftplay node --id 2 --peers 1=10.0.0.1:7001,2=10.0.0.2:7001,3=10.0.0.3:7001 \
      --http 10.0.0.2:8001 --peer-http 1=10.0.0.1:8001,2=10.0.0.2:8001,3=10.0.0.3:8001 --data /var/lib/raftplay`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return usageError(cmd, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runNode(ctx, cmd.ErrOrStderr(), f, cfg)
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&f.id, "id", 0, "this node's id: one of the ids in --peers (required)")
	fl.StringVar(&f.peers, "peers", "", "every voter's Raft address, this node's included: ID=HOST:PORT,... (required)")
	fl.StringVar(&f.peerHTTP, "peer-http", "", "every voter's HTTP address, for redirects to the leader: ID=HOST:PORT or ID=URL,... (default: derived from --peers, see above)")
	fl.StringVar(&f.http, "http", "", "HOST:PORT the HTTP API listens on (required)")
	fl.StringVar(&f.data, "data", "", "directory of this node's log and state, created if missing (required)")
	fl.StringVar(&f.token, "token", "", tokenFlagHelp)
	fl.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp)
	fl.BoolVar(&f.insecure, "insecure", false, "allow a non-loopback address without a token (trusted networks only)")
	fl.DurationVar(&f.tick, "tick", node.DefaultTickInterval, "real time of one Raft tick")
	fl.IntVar(&f.electionTicks, "election-ticks", node.DefaultElectionTicks, "election timeout in ticks (random in [N, 2N))")
	// The flag's first name, kept for the command lines written with it.
	fl.IntVar(&f.electionTicks, "election-tick", node.DefaultElectionTicks, "")
	_ = fl.MarkDeprecated("election-tick", "use --election-ticks")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug (every engine event), info, warn or error")
	fl.IntVar(&f.snapshotEntries, "snapshot-entries", node.DefaultSnapshotEntries, "snapshot the state machine and drop the log before it once this many entries were applied since the last snapshot (0: never on entries)")
	fl.Int64Var(&f.snapshotBytes, "snapshot-bytes", node.DefaultSnapshotBytes, "likewise, once the commands applied since the last snapshot reach this many bytes (0: never on bytes)")
	fl.BoolVar(&f.join, "join", false, "start empty, as a server to be added to a running cluster ('raftplay member add'): --peers lists this node alone, and it learns the members from the leader")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to this file until the node stops")
	fl.BoolVar(&f.noFsync, "unsafe-no-fsync", false, "UNSAFE: never fsync the log (benchmarks only: a machine crash loses acknowledged writes)")
	_ = fl.MarkHidden("cpuprofile")
	_ = fl.MarkHidden("unsafe-no-fsync")
	return cmd
}

// config checks the flags and builds the node's Config (without its Store).
func (f nodeFlags) config() (node.Config, error) {
	var cfg node.Config
	switch {
	case f.id == 0:
		return cfg, errors.New("--id is required: this node's id, one of the ids in --peers")
	case f.peers == "":
		return cfg, errors.New("--peers is required: every voter's Raft address, such as 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003")
	case f.http == "":
		return cfg, errors.New("--http is required: the HOST:PORT of this node's HTTP API, such as 127.0.0.1:8001")
	case f.data == "":
		return cfg, errors.New("--data is required: the directory of this node's log, such as raftplay-data/node1")
	case f.tick <= 0:
		return cfg, fmt.Errorf("--tick must be positive, got %v", f.tick)
	case f.electionTicks <= node.DefaultHeartbeatTicks:
		return cfg, fmt.Errorf("--election-ticks must be above the heartbeat interval of %d ticks, got %d", node.DefaultHeartbeatTicks, f.electionTicks)
	case f.snapshotEntries < 0:
		return cfg, fmt.Errorf("--snapshot-entries must not be negative (0 turns it off), got %d", f.snapshotEntries)
	case f.snapshotBytes < 0:
		return cfg, fmt.Errorf("--snapshot-bytes must not be negative (0 turns it off), got %d", f.snapshotBytes)
	}
	peers, err := parseIDAddrs("--peers", f.peers, false)
	if err != nil {
		return cfg, err
	}
	if _, ok := peers[f.id]; !ok {
		return cfg, fmt.Errorf("--id %d is not in --peers (ids %v)", f.id, slices.Sorted(maps.Keys(peers)))
	}
	if f.join && len(peers) > 1 {
		return cfg, fmt.Errorf("--join: --peers lists ids %v; a joining node lists itself alone (--peers %d=HOST:PORT) and learns the members from the leader", slices.Sorted(maps.Keys(peers)), f.id)
	}
	if f.join && f.peerHTTP != "" {
		return cfg, errors.New("--join: --peer-http is not needed: a joining node learns the members' HTTP addresses from the leader")
	}
	if problem := hostPortProblem(f.http); problem != "" {
		return cfg, fmt.Errorf("--http: %q %s; expected HOST:PORT", f.http, problem)
	}
	var peerHTTP map[uint64]string
	if f.peerHTTP != "" {
		if peerHTTP, err = parseIDAddrs("--peer-http", f.peerHTTP, true); err != nil {
			return cfg, err
		}
	} else if peerHTTP, err = derivePeerHTTP(peers, f.id, f.http); err != nil {
		return cfg, err
	}
	if _, err := logLevel(f.logLevel); err != nil {
		return cfg, err
	}
	token, err := nodeToken(f.token, f.tokenFile)
	if err != nil {
		return cfg, err
	}
	cfg = node.Config{
		ID: f.id, Peers: peers, PeerHTTP: peerHTTP, HTTPAddr: f.http,
		TickInterval: f.tick, ElectionTicks: f.electionTicks,
		Token: token, Insecure: f.insecure,
		SnapshotEntries: offIfZero(f.snapshotEntries), SnapshotBytes: offIfZero(f.snapshotBytes),
	}
	// Refuse an exposed address now, before runNode creates the data directory.
	if err := cfg.CheckExposure(); err != nil {
		return node.Config{}, err
	}
	return cfg, nil
}

// offIfZero maps a flag's 0 ("never") to the Config's negative value for it (where 0
// means the default).
func offIfZero[T int | int64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// parseIDAddrs parses "1=host:port,2=host:port". With urls, an address may also be an
// http(s) URL.
func parseIDAddrs(flag, list string, urls bool) (map[uint64]string, error) {
	addrs := make(map[uint64]string)
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		idText, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q has no id; expected ID=HOST:PORT", flag, item)
		}
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%s: %q: the id %q is not a positive number; expected ID=HOST:PORT", flag, item, idText)
		}
		if _, dup := addrs[id]; dup {
			return nil, fmt.Errorf("%s: id %d is listed twice", flag, id)
		}
		isURL := urls && (strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://"))
		if problem := hostPortProblem(addr); !isURL && problem != "" {
			return nil, fmt.Errorf("%s: %q %s; expected ID=HOST:PORT", flag, item, problem)
		}
		// Two servers cannot listen at one address: the node would dial itself as its peer.
		for other, seen := range addrs {
			if seen == addr {
				first, second := min(id, other), max(id, other)
				return nil, fmt.Errorf("%s: ids %d and %d both have the address %s; each server needs its own", flag, first, second, addr)
			}
		}
		addrs[id] = addr
	}
	return addrs, nil
}

// hostPortProblem says what is wrong with addr as HOST:PORT with a port in 1..65535,
// or returns "".
func hostPortProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	switch {
	case err != nil && !strings.Contains(addr, ":"):
		return "has no port"
	case err != nil:
		return "is not HOST:PORT (an IPv6 host goes in brackets: [::1]:7001)"
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Sprintf("has the port %q, not a number in 1..65535", port)
	}
	return ""
}

// derivePeerHTTP applies this node's offset between HTTP and Raft ports to every peer.
func derivePeerHTTP(peers map[uint64]string, self uint64, httpAddr string) (map[uint64]string, error) {
	_, selfRaft, _ := net.SplitHostPort(peers[self])
	_, selfHTTP, _ := net.SplitHostPort(httpAddr)
	raftPort, _ := strconv.Atoi(selfRaft)
	httpPort, _ := strconv.Atoi(selfHTTP)
	offset := httpPort - raftPort
	out := make(map[uint64]string, len(peers))
	for id, addr := range peers {
		if id == self {
			out[id] = httpAddr
			continue
		}
		host, portText, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(portText)
		if port+offset < 1 || port+offset > 65535 {
			return nil, fmt.Errorf("--peer-http is needed: peer %d's HTTP port cannot be derived from its Raft port %d (offset %d); give every node's HTTP address, such as --peer-http 1=127.0.0.1:8001,2=127.0.0.1:8002,3=127.0.0.1:8003", id, port, offset)
		}
		out[id] = net.JoinHostPort(host, strconv.Itoa(port+offset))
	}
	return out, nil
}

func logLevel(name string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(name)); err != nil {
		return 0, fmt.Errorf("--log-level %q: expected debug, info, warn or error", name)
	}
	return level, nil
}

// publicReport is report with its files named under the data directory's own name
// (node1/log-…) instead of their full paths: /status hands the summary to live pages and
// the traces they export, which need not learn where on the machine the data lives.
// The node's own log (stderr) keeps the full paths.
func publicReport(report filestore.RecoveryReport, dataDir string) filestore.RecoveryReport {
	name := filepath.Base(dataDir)
	if abs, err := filepath.Abs(dataDir); err == nil {
		name = filepath.Base(abs) // "." and "node1/" have a name too
	}
	under := func(path string) string { return filepath.Join(name, filepath.Base(path)) }
	report.LogFile = under(report.LogFile)
	var removed []string
	for _, path := range report.Removed {
		removed = append(removed, under(path))
	}
	report.Removed = removed
	if report.TornTail != nil {
		torn := *report.TornTail
		torn.File = under(torn.File)
		report.TornTail = &torn
	}
	return report
}

// runNode opens the store, runs the node until ctx is done and closes the store.
func runNode(ctx context.Context, stderr io.Writer, f nodeFlags, cfg node.Config) (err error) {
	level, _ := logLevel(f.logLevel)
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// Listen before the store is opened: a port in use then fails before anything is
	// written to the data directory, and the line saying where the node runs is true.
	if err := listenNode(&cfg); err != nil {
		return &exitError{code: 1, err: err}
	}
	listening := true
	defer func() {
		if listening { // node.New never took them
			_ = cfg.RaftListener.Close()
			_ = cfg.HTTPListener.Close()
		}
	}()
	opts := filestore.Options{Voters: slices.Sorted(maps.Keys(cfg.Peers)), NoSync: f.noFsync}
	if f.join {
		opts.Voters, opts.Join = nil, true
	}
	store, report, err := filestore.Open(f.data, opts)
	if err != nil {
		return &exitError{code: 1, err: openStoreError(f.data, err)}
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = &exitError{code: 1, err: fmt.Errorf("close the store in %s: %w", f.data, cerr)}
		}
	}()
	fmt.Fprintf(stderr, "node %d: storage %s: %s\n", cfg.ID, f.data, report)
	cfg.Storage = &node.StorageReport{Opened: time.Now().UTC(), Summary: publicReport(report, f.data).String()}
	if report.TornTail != nil {
		cfg.Storage.TornTail = &node.TornTailReport{Offset: report.TornTail.Offset, Bytes: report.TornTail.Bytes, Reason: report.TornTail.Reason}
	}
	if report.TornTail != nil && report.Loss == nil {
		fmt.Fprintf(stderr, "node %d: the log ended in an incomplete write (%d bytes at offset %d: %s); it was cut. The log still reaches its synced high-water mark, so this is what a crash leaves; only entries synced in the last second before the crash could be in it undetected\n",
			cfg.ID, report.TornTail.Bytes, report.TornTail.Offset, report.TornTail.Reason)
	}
	if report.Loss != nil {
		fmt.Fprintf(stderr, "node %d: DATA LOST: %s. Entries this node acknowledged may be gone: it will neither vote nor count toward any quorum until it has caught up from a leader\n",
			cfg.ID, report.Loss)
	} else if report.Recovering {
		fmt.Fprintf(stderr, "node %d: still recovering from an earlier loss: it will neither vote nor count toward any quorum until it has caught up from a leader\n", cfg.ID)
	}
	if f.noFsync {
		fmt.Fprintf(stderr, "node %d: UNSAFE: --unsafe-no-fsync: a machine crash can lose acknowledged writes\n", cfg.ID)
	}
	cfg.Store = store
	n, err := node.New(cfg)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	listening = false // the node closes its listeners when it stops
	if f.cpuProfile != "" {
		stopProfile, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		defer stopProfile()
	}
	fmt.Fprintf(stderr, "node %d: Raft on %s, HTTP API on http://%s (Ctrl-C to stop)\n", cfg.ID, shownAddr(cfg.Peers[cfg.ID]), shownAddr(cfg.HTTPAddr))
	if err := n.Run(ctx); err != nil {
		return &exitError{code: 1, err: err}
	}
	fmt.Fprintf(stderr, "node %d: stopped\n", cfg.ID)
	return nil
}

// listenNode opens the node's Raft and HTTP listeners into cfg. A port in use is the
// likeliest mistake (a node or a cluster already running), so the error says so.
func listenNode(cfg *node.Config) error {
	listen := func(what, addr, flag string) (net.Listener, error) {
		ln, err := net.Listen("tcp", shownAddr(addr))
		if err != nil && errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("node %d: cannot listen for %s on %s: %w; is another node running there ('raftplay cluster' uses 7001-7003 and 8001-8003)? stop it, or choose another port in %s",
				cfg.ID, what, shownAddr(addr), err, flag)
		}
		if err != nil {
			return nil, fmt.Errorf("node %d: cannot listen for %s on %s: %w", cfg.ID, what, shownAddr(addr), err)
		}
		return ln, nil
	}
	raftLn, err := listen("Raft peers", cfg.Peers[cfg.ID], "--peers")
	if err != nil {
		return err
	}
	httpLn, err := listen("HTTP", cfg.HTTPAddr, "--http")
	if err != nil {
		_ = raftLn.Close()
		return err
	}
	cfg.RaftListener, cfg.HTTPListener = raftLn, httpLn
	return nil
}

// shownAddr is addr as the node listens on it: an empty host means 127.0.0.1.
func shownAddr(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// openStoreError explains a store that cannot be opened and what to do about it.
func openStoreError(dir string, err error) error {
	var corrupt *filestore.CorruptionError
	if errors.As(err, &corrupt) && corrupt.InStateFile() {
		return fmt.Errorf("%w\nthe state file in %s is missing or damaged; rebuild it from the log (a backup is kept, and the node rejoins as a non-voter until it has caught up) with 'raftplay repair --data %s --truncate --voters ID,ID,...'", err, dir, dir)
	}
	var voters *filestore.VotersMismatchError
	if errors.As(err, &voters) {
		return fmt.Errorf("--peers names the voters %v, but the store in %s belongs to a cluster whose voters are %v: give the --peers it was started with, or another --data for a new cluster",
			voters.Given, dir, voters.Stored)
	}
	if errors.As(err, &corrupt) && corrupt.InSnapshot() {
		return fmt.Errorf("%w\nthe snapshot %s is missing or damaged; move what is left of it and the log after it aside (a backup is kept) and start an empty log, so that the node rejoins as a non-voter and gets a new snapshot from the leader, with 'raftplay repair --data %s --truncate'", err, corrupt.File, dir)
	}
	if errors.As(err, &corrupt) && corrupt.MissingLog() {
		return fmt.Errorf("%w\nstart an empty log in its place (the node rejoins as a non-voter and gets every entry from the leader) with 'raftplay repair --data %s --truncate'", err, dir)
	}
	if errors.As(err, &corrupt) {
		return fmt.Errorf("%w\nthe log in %s is damaged in a way a crash cannot explain; inspect it with 'raftplay repair --data %s', and cut the damage (a backup is kept) with 'raftplay repair --data %s --truncate'", err, dir, dir, dir)
	}
	return fmt.Errorf("open the node's storage in %s: %w", dir, err)
}

func startCPUProfile(path string) (stop func(), err error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = file.Close()
	}, nil
}

package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// Config sets up a Node. Fill in the identity, addresses and Store; the zero value of
// every other field means "the default" (see the field comments).
type Config struct {
	// ID is this node's peer id: nonzero, a key of Peers and a voter of Store.
	ID uint64
	// ClusterID names the Raft cluster (group). Peers of different clusters refuse each
	// other's connections. Default 1.
	ClusterID uint64

	// Peers maps every voter's id, this node's included, to the host:port of its Raft
	// TCP transport. Peers[ID] is the address this node listens on. A host left empty
	// (":7001") means 127.0.0.1; to listen on every interface, say "0.0.0.0:7001".
	Peers map[uint64]string
	// PeerHTTP maps voter ids to their HTTP API, as host:port or as a URL
	// ("https://node2.example:8002"). A follower redirects clients to the leader's
	// entry; a peer without one cannot be redirected to (clients get 503).
	PeerHTTP map[uint64]string
	// HTTPAddr is the host:port the HTTP API listens on (required unless HTTPListener
	// is set). An empty host means 127.0.0.1, as for Peers.
	HTTPAddr string

	// RaftListener and HTTPListener, when set, are used instead of listening on
	// Peers[ID] and HTTPAddr. Tests listen on port 0 first, to learn the ports before
	// they build the configurations. Run closes them.
	RaftListener net.Listener
	HTTPListener net.Listener

	// Store holds the node's durable state (the Raft log, HardState and ConfState). Its
	// voters must be exactly the keys of Peers. The node drives it from one goroutine
	// and does not close it: close it after Run has returned.
	Store engine.LogStore

	// TickInterval is the real time of one engine tick. Default 10 ms.
	TickInterval time.Duration
	// ElectionTicks is the election timeout in ticks: a follower campaigns after a random
	// timeout in [ElectionTicks, 2*ElectionTicks) without a leader. Default 20 (200 to
	// 400 ms at the default tick). Raise it for slow or distant networks: it must be
	// well above the round-trip time between nodes.
	ElectionTicks int
	// HeartbeatTicks is the interval between a leader's heartbeats, in ticks. Default 2.
	HeartbeatTicks int

	// Token is the cluster secret. When set, a peer connection must present it in its
	// handshake and HTTP requests must carry "Authorization: Bearer <Token>". Tokens are
	// compared in constant time. At most MaxTokenLen bytes.
	Token string
	// Insecure allows listening on a non-loopback address without a Token. Without it,
	// New refuses such a configuration: anyone who can reach the ports could otherwise
	// join the cluster or change its data.
	Insecure bool

	// Logger receives the node's log; nil discards it.
	Logger *slog.Logger

	// Storage is what the program that opened Store found on disk (a torn tail cut,
	// records replayed), shown as is in /status so that a live page can narrate the
	// recovery of a restarted node; nil when nothing is known (a memory store).
	Storage *StorageReport

	// RequestTimeout bounds how long an HTTP request waits for its entry to be applied
	// or its read to be confirmed before it is answered 503. Default 10 s.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds a PUT body (the value); larger bodies are answered 413.
	// Default and maximum kv.MaxValueLen (1 MiB).
	MaxBodyBytes int64
	// BodyReadTimeout bounds how long reading a PUT body may take; a slower client is
	// answered 408 and disconnected, so that a body trickling in a byte at a time does
	// not hold a connection and a handler forever. Default 30 s (a 1 MiB value at 35
	// KB/s).
	BodyReadTimeout time.Duration
	// MaxHTTPConns bounds the open HTTP connections. Past it a new connection is
	// closed at once (and the refusals logged once a minute), so a flood of idle
	// connections cannot exhaust the node's memory or file descriptors. Default 1024.
	MaxHTTPConns int
	// SendQueueLen bounds the frames queued for one peer. When the queue is full new
	// frames are dropped (Raft retransmits what matters); the Ready loop never waits
	// for a slow peer. Default 1024.
	SendQueueLen int
	// SendQueueBytes bounds the bytes queued for one peer, likewise. Default 64 MiB.
	SendQueueBytes int64
	// EventBuffer bounds the events buffered for one /events subscriber. A subscriber
	// that falls further behind loses events and is told how many ("lagging"). Default 256.
	EventBuffer int
	// MaxEventSubscribers bounds concurrent /events streams; more are answered 503.
	// Default 64.
	MaxEventSubscribers int

	// SnapshotEntries: the node snapshots its state machine, and drops the log before
	// it (§7), once this many entries were applied since its last snapshot. Default
	// 10,000; negative never snapshots on entries. Snapshots need a Store that keeps
	// them (engine.SnapshotLogStore, such as filestore); with another the node never
	// takes one.
	SnapshotEntries int
	// SnapshotBytes: likewise, once the commands applied since the last snapshot
	// reach this many bytes. Default 64 MiB; negative never snapshots on bytes.
	SnapshotBytes int64
}

// Defaults of the Config fields left zero.
const (
	DefaultClusterID           = 1
	DefaultTickInterval        = 10 * time.Millisecond
	DefaultElectionTicks       = 20
	DefaultHeartbeatTicks      = 2
	DefaultRequestTimeout      = 10 * time.Second
	DefaultSendQueueLen        = 1024
	DefaultSendQueueBytes      = 64 << 20
	DefaultEventBuffer         = 256
	DefaultMaxEventSubscribers = 64
	DefaultBodyReadTimeout     = 30 * time.Second
	DefaultMaxHTTPConns        = 1024
	DefaultSnapshotEntries     = 10_000
	DefaultSnapshotBytes       = 64 << 20
	// defaultMaxBodyBytes is also the most MaxBodyBytes may be: a value kv accepts.
	defaultMaxBodyBytes = kv.MaxValueLen
)

// withDefaults returns c with every zero tuning field set to its default.
func (c Config) withDefaults() Config {
	setDefault(&c.ClusterID, DefaultClusterID)
	setDefault(&c.TickInterval, DefaultTickInterval)
	setDefault(&c.ElectionTicks, DefaultElectionTicks)
	setDefault(&c.HeartbeatTicks, DefaultHeartbeatTicks)
	setDefault(&c.RequestTimeout, DefaultRequestTimeout)
	setDefault(&c.MaxBodyBytes, defaultMaxBodyBytes)
	setDefault(&c.SendQueueLen, DefaultSendQueueLen)
	setDefault(&c.SendQueueBytes, DefaultSendQueueBytes)
	setDefault(&c.EventBuffer, DefaultEventBuffer)
	setDefault(&c.MaxEventSubscribers, DefaultMaxEventSubscribers)
	setDefault(&c.BodyReadTimeout, DefaultBodyReadTimeout)
	setDefault(&c.MaxHTTPConns, DefaultMaxHTTPConns)
	setDefault(&c.SnapshotEntries, DefaultSnapshotEntries)
	setDefault(&c.SnapshotBytes, DefaultSnapshotBytes)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// validate reports the first setting that cannot work; c has its defaults.
func (c *Config) validate() error {
	switch {
	case c.ID == engine.None:
		return errors.New("node config: ID must be nonzero")
	case c.Store == nil:
		return errors.New("node config: Store is required")
	case len(c.Peers) == 0:
		return errors.New("node config: Peers is empty; list every voter's Raft address, this node's included")
	case c.Peers[c.ID] == "" && c.RaftListener == nil:
		return fmt.Errorf("node config: Peers has no address for this node (id %d)", c.ID)
	case c.HTTPAddr == "" && c.HTTPListener == nil:
		return errors.New("node config: HTTPAddr is required")
	case c.TickInterval < 0:
		return fmt.Errorf("node config: TickInterval must be positive, got %v", c.TickInterval)
	case c.HeartbeatTicks <= 0 || c.ElectionTicks <= c.HeartbeatTicks:
		return fmt.Errorf("node config: need 0 < HeartbeatTicks (%d) < ElectionTicks (%d)", c.HeartbeatTicks, c.ElectionTicks)
	case len(c.Token) > MaxTokenLen:
		return fmt.Errorf("node config: Token is %d bytes, the limit is %d", len(c.Token), MaxTokenLen)
	case c.MaxBodyBytes < 0 || c.MaxBodyBytes > defaultMaxBodyBytes:
		return fmt.Errorf("node config: MaxBodyBytes %d outside [1, %d]", c.MaxBodyBytes, defaultMaxBodyBytes)
	case c.RequestTimeout < 0 || c.SendQueueLen < 0 || c.SendQueueBytes < 0 || c.EventBuffer < 0 || c.MaxEventSubscribers < 0 ||
		c.BodyReadTimeout < 0 || c.MaxHTTPConns < 0:
		return errors.New("node config: RequestTimeout, SendQueueLen, SendQueueBytes, EventBuffer, MaxEventSubscribers, BodyReadTimeout and MaxHTTPConns must not be negative")
	}
	for id, addr := range c.Peers {
		if id == engine.None {
			return fmt.Errorf("node config: Peers has the id 0 (address %q); peer ids are nonzero", addr)
		}
		if addr == "" && id != c.ID {
			return fmt.Errorf("node config: Peers has no address for peer %d", id)
		}
	}
	for id, addr := range c.PeerHTTP {
		if _, err := httpBaseURL(addr); err != nil {
			return fmt.Errorf("node config: PeerHTTP for peer %d: %w", id, err)
		}
	}
	return c.checkExposure()
}

// checkVoters checks that the store's voters are exactly the configured peers, while
// the store's configuration is the one it was created with (no member has a context)
// and Peers lists more than this node. Once a change gave the members contexts
// (member.go), their addresses come from the configuration and Peers needs only this
// node's own; a node that joined lists itself alone, and may hold a configuration
// from before it was added (the leader's snapshot); a store without a configuration (a
// node that joins) is checked by New.
func (c *Config) checkVoters(cs engine.ConfState) error {
	if cs.IsEmpty() || len(cs.Contexts) > 0 || len(c.Peers) == 1 {
		if _, ok := c.Peers[c.ID]; !ok && c.RaftListener == nil {
			return fmt.Errorf("node config: Peers has no address for this node (id %d)", c.ID)
		}
		return nil
	}
	voters := slices.Sorted(slices.Values(cs.Voters))
	var peers []uint64
	for id := range c.Peers {
		peers = append(peers, id)
	}
	slices.Sort(peers)
	if !slices.Equal(voters, peers) {
		return fmt.Errorf("node config: Peers lists ids %v but the store's voters are %v", peers, voters)
	}
	return nil
}

// checkExposure refuses to listen beyond the loopback interface without a token.
// CheckExposure reports the error New gives for a Raft or HTTP address that is not
// loopback while there is no token and no Insecure; a caller can check it before it
// opens the store, so that a refused node leaves nothing on disk.
func (c *Config) CheckExposure() error { return c.checkExposure() }

func (c *Config) checkExposure() error {
	if c.Token != "" || c.Insecure {
		return nil
	}
	check := func(what, addr string, ln net.Listener) error {
		if ln != nil {
			addr = ln.Addr().String()
		}
		if !isLoopback(addr) {
			return fmt.Errorf("node config: refusing to listen for %s on %q, which is not a loopback address, without a cluster token: give every node the same token (Config.Token; raftplay node --token-file FILE or $RAFTPLAY_TOKEN), or set Config.Insecure (--insecure) if the network is trusted", what, addr)
		}
		return nil
	}
	if err := check("Raft peers", c.Peers[c.ID], c.RaftListener); err != nil {
		return err
	}
	return check("HTTP", c.HTTPAddr, c.HTTPListener)
}

// isLoopback reports whether listening on addr reaches only this machine. An empty host
// is loopback here because listenAddr turns it into 127.0.0.1. A host name other than
// "localhost" counts as exposed: it may resolve to anything.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// listenAddr is the address to listen on for a configured addr: an empty host becomes
// 127.0.0.1, so that nothing listens on every interface unless asked to.
func listenAddr(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// httpBaseURL turns a PeerHTTP entry into a base URL without a trailing slash.
func httpBaseURL(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("empty address")
	}
	if strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://") {
		return strings.TrimSuffix(addr, "/"), nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", fmt.Errorf("address %q is neither host:port nor an http(s) URL: %w", addr, err)
	}
	return "http://" + listenAddr(addr), nil
}

// Package live is the server side of the playground's live mode: the page, served by
// `raftplay cluster --web` or `raftplay serve --live`, draws real raftplay nodes instead
// of the simulator. The page talks only to its own origin; this package holds the
// cluster token and proxies:
//
//   - GET /api/live/cluster: every known node with its /status (null when it does not
//     answer);
//   - GET /api/live/stream: one Server-Sent Events stream merging the nodes' /status and
//     /events?messages=1 streams ("status", "event", "message" and "sampled" events,
//     each JSON with the node's "id");
//   - POST /api/live/nodes/{id}/crash and /restart, through a Supervisor (only when the
//     server started the nodes itself);
//   - POST /api/live/links/{a}/{b}/cut and /heal, through each node's authenticated
//     POST /admin/links/{peer}/cut|heal;
//   - GET, PUT and DELETE /api/live/kv/{key}, through node/client (the leader found and
//     the request retried as `raftplay kv` does).
//
// Memory stays bounded however long a page stays open and however busy the nodes are:
// every stream has a fixed buffer, and a client that falls behind loses items, which
// it is told about in "sampled" events (as it is of what the nodes sampled: their
// messages, and their frequent engine events).
// Nodes that stop answering are shown down and reconnected to; nodes that a node's
// /status names and that were not known yet are followed too.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/node/client"
)

// Supervisor crashes and restarts node processes: `raftplay cluster --web` has one,
// `raftplay serve --live` (nodes started elsewhere) does not.
type Supervisor interface {
	// Crash kills node id's process at once (SIGKILL): no clean shutdown, what it had
	// not synced is lost, as in a power cut. ErrNotRunning when it is not running.
	Crash(id uint64) error
	// Restart starts node id's process again with its data directory. ErrRunning when
	// it is running.
	Restart(id uint64) error
}

// The errors a Supervisor returns for a request that does not fit the node's state.
var (
	ErrNotRunning = errors.New("the node is not running")
	ErrRunning    = errors.New("the node is already running")
	ErrNoSuchNode = errors.New("no such node")
)

// Defaults of the Options fields left zero.
const (
	DefaultStatusInterval = 200 * time.Millisecond
	DefaultRetryInterval  = 500 * time.Millisecond
	DefaultStreamBuffer   = 512
	DefaultMaxStreams     = 16
	DefaultRequestTimeout = 10 * time.Second
)

// maxNodes bounds the nodes a server follows, however many the nodes' statuses name.
const maxNodes = 64

// Options configures a Server.
type Options struct {
	// Nodes are the base URLs of the nodes' HTTP APIs to start from (at least one).
	Nodes []string
	// IDs, when not empty, are the ids of Nodes, in the same order (cluster --web knows
	// them); otherwise each node's id is learned from its /status, or a peer's.
	IDs []uint64
	// Token is the cluster token the server sends to the nodes ("" for none).
	Token string
	// Supervisor crashes and restarts nodes; nil answers those requests 409.
	Supervisor Supervisor
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger

	// StatusInterval is how often the stream repeats each node's status at the least.
	StatusInterval time.Duration
	// RetryInterval is the wait before reconnecting to a node that does not answer.
	RetryInterval time.Duration
	// StreamBuffer is how many items a stream client may fall behind before it loses
	// some.
	StreamBuffer int
	// MaxStreams bounds the concurrent /api/live/stream clients.
	MaxStreams int
	// RequestTimeout bounds a control or kv request, retries included.
	RequestTimeout time.Duration
	// AllowedHosts are the host names (besides IP literals and "localhost") that the
	// Host header may name; any other is refused, so that a web site whose name
	// resolves to this machine (DNS rebinding) cannot use the server.
	AllowedHosts []string
	// Transport carries the requests to the nodes; nil means a new http.Transport.
	Transport http.RoundTripper
}

// Server is the live-mode proxy. Create it with New, add its routes with Register,
// and call Run.
type Server struct {
	opts  Options
	log   *slog.Logger
	http  *http.Client // no timeout: it carries the event streams
	hub   *hub
	thin  *thinner
	start chan *nodeState // nodes to follow, discovered after Run started

	mu      sync.Mutex
	nodes   []*nodeState // in the order they became known; at most maxNodes
	running bool
	wg      sync.WaitGroup
}

// nodeState is what the server knows of one node.
type nodeState struct {
	url string

	// Guarded by Server.mu.
	id     uint64          // 0 until the node or a peer of it said
	up     bool            // its event stream is open
	err    string          // why it is down
	status json.RawMessage // its last status, as it sent it
	sentAt time.Time       // when the stream last carried its status
	key    statusKey       // of the latest status
	sent   statusKey       // of the status the stream last carried
}

// New checks opts and prepares a server; it contacts no node before Run.
func New(opts Options) (*Server, error) {
	if len(opts.Nodes) == 0 {
		return nil, errors.New("live: no node address given")
	}
	setDefault(&opts.StatusInterval, DefaultStatusInterval)
	setDefault(&opts.RetryInterval, DefaultRetryInterval)
	setDefault(&opts.StreamBuffer, DefaultStreamBuffer)
	setDefault(&opts.MaxStreams, DefaultMaxStreams)
	setDefault(&opts.RequestTimeout, DefaultRequestTimeout)
	if opts.StatusInterval < 0 || opts.RetryInterval < 0 || opts.StreamBuffer < 0 || opts.MaxStreams < 0 ||
		opts.RequestTimeout < 0 {
		return nil, errors.New("live: the intervals, sizes and timeouts of Options must not be negative")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	s := &Server{
		opts:  opts,
		log:   opts.Logger,
		http:  &http.Client{Transport: opts.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		hub:   newHub(opts.StreamBuffer, opts.MaxStreams),
		thin:  newThinner(),
		start: make(chan *nodeState, 64),
	}
	if len(opts.Nodes) > maxNodes {
		return nil, fmt.Errorf("live: %d nodes; a live server follows at most %d", len(opts.Nodes), maxNodes)
	}
	if len(opts.IDs) != 0 && len(opts.IDs) != len(opts.Nodes) {
		return nil, fmt.Errorf("live: %d ids for %d nodes", len(opts.IDs), len(opts.Nodes))
	}
	for i, addr := range opts.Nodes {
		base, err := client.BaseURL(addr)
		if err != nil {
			return nil, fmt.Errorf("live: node address %w", err)
		}
		if s.find(base) != nil {
			return nil, fmt.Errorf("live: node address %q given twice", addr)
		}
		n := &nodeState{url: base, err: "not contacted yet"}
		if len(opts.IDs) != 0 {
			n.id = opts.IDs[i]
		}
		s.nodes = append(s.nodes, n)
	}
	return s, nil
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// find returns the node at base URL url, or nil; s.mu must be held or Run not started.
func (s *Server) find(url string) *nodeState {
	for _, n := range s.nodes {
		if n.url == url {
			return n
		}
	}
	return nil
}

// Supervised reports whether the server can crash and restart the nodes.
func (s *Server) Supervised() bool { return s.opts.Supervisor != nil }

// Run follows every node until ctx is done, then returns once its goroutines have; the
// streams of connected pages end.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("live: Run called twice")
	}
	s.running = true
	nodes := slices.Clone(s.nodes)
	s.mu.Unlock()
	for _, n := range nodes {
		s.wg.Go(func() { s.follow(ctx, n) })
	}
	ticker := time.NewTicker(s.opts.StatusInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			s.hub.close()
			s.wg.Wait()
			return nil
		case n := <-s.start:
			s.wg.Go(func() { s.follow(ctx, n) })
		case now := <-ticker.C:
			s.repeatStatuses(now)
			for _, h := range s.thin.flush(now) {
				s.hub.publish(h.id, sseEvent, h.item, 1)
			}
		}
	}
}

// repeatStatuses sends the status of every node whose status the stream has not
// carried for a StatusInterval: a page that lost an item, or a follower whose status
// has not changed, still gets one at least every StatusInterval (plus a tick).
func (s *Server) repeatStatuses(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nodes {
		if n.id != 0 && now.Sub(n.sentAt) >= s.opts.StatusInterval-s.opts.StatusInterval/4 {
			s.publishStatusLocked(n, now)
		}
	}
}

// publishStatusLocked sends n's status (or that it is down) to every stream.
func (s *Server) publishStatusLocked(n *nodeState, now time.Time) {
	n.sentAt = now
	n.sent = n.key
	s.hub.publish(n.id, sseStatus, n.statusItem(), 1)
}

// statusItem is the data of n's "status" item; s.mu is held.
func (n *nodeState) statusItem() []byte {
	if n.up {
		return encode(statusData{ID: n.id, URL: n.url, Up: true, Status: n.status})
	}
	return encode(statusData{ID: n.id, URL: n.url, Up: false, Error: n.err})
}

// statusData is the data of a "status" item of the stream.
type statusData struct {
	ID     uint64          `json:"id"`
	URL    string          `json:"http_url"`
	Up     bool            `json:"up"`
	Status json.RawMessage `json:"status,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// peerInfo is the part of a node's status the server reads: who it is and who its
// peers are.
type peerInfo struct {
	ID    uint64 `json:"id"`
	Peers []struct {
		ID      uint64 `json:"id"`
		HTTPURL string `json:"http_url"`
	} `json:"peers"`
}

// noteStatus records a status n sent and learns ids and new nodes from it; it fails
// when raw is not a node's status.
func (s *Server) noteStatus(n *nodeState, raw []byte, now time.Time) error {
	var info peerInfo
	var key statusKey
	if err := json.Unmarshal(raw, &info); err != nil || info.ID == 0 {
		return fmt.Errorf("%s sent a status that is not a node's status", n.url)
	}
	if err := json.Unmarshal(raw, &key); err != nil {
		return fmt.Errorf("%s sent a status that is not a node's status", n.url)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.id != 0 && n.id != info.ID {
		s.log.Warn("a node's id changed: another node answers at its address now", "url", n.url, "was", n.id, "now", info.ID)
	}
	wasUp := n.up
	n.id, n.up, n.err = info.ID, true, ""
	n.status = append(n.status[:0:0], raw...)
	n.key = key
	for _, p := range info.Peers {
		if p.HTTPURL == "" {
			continue
		}
		base, err := client.BaseURL(p.HTTPURL)
		if err != nil {
			continue
		}
		if known := s.find(base); known != nil {
			if known.id == 0 {
				known.id = p.ID // it has not answered yet; its peer says who it is
			}
			continue
		}
		// A peer this server did not know: membership grew, or only some nodes were
		// named on the command line.
		if len(s.nodes) >= maxNodes {
			s.log.Warn("not following a node: a live server follows at most max nodes", "url", base, "max", maxNodes)
			continue
		}
		added := &nodeState{url: base, id: p.ID, err: "not contacted yet"}
		s.nodes = append(s.nodes, added)
		if s.running {
			select {
			case s.start <- added:
			default:
				s.log.Warn("too many new nodes at once; not following one", "url", base)
			}
		}
	}
	// A status that only moved indices waits for the next statusGap (repeatStatuses
	// sends the latest): a busy node reports many a second, and a page redraws the
	// node for each.
	if !wasUp || key.urgent(n.sent) || now.Sub(n.sentAt) >= statusGap {
		s.publishStatusLocked(n, now)
	}
	return nil
}

// noteDown records that n stopped answering, and tells the streams once.
func (s *Server) noteDown(n *nodeState, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := describeDown(err)
	wasUp := n.up
	n.up, n.status = false, nil
	if wasUp || n.err != msg {
		n.err = msg
		if n.id != 0 {
			s.publishStatusLocked(n, time.Now())
		}
	}
}

// describeDown is the short reason a page shows for a node that does not answer.
func describeDown(err error) string {
	var urlErr *url.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: the process is not running"
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	}
	return err.Error()
}

// snapshot returns copies of the node states, for a new stream or the cluster answer.
func (s *Server) snapshot() []nodeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]nodeState, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = nodeState{url: n.url, id: n.id, up: n.up, err: n.err, status: n.status}
	}
	return out
}

// nodeByID returns the base URL of node id. When no node is known by that id yet, it
// asks the nodes whose id is still unknown for their status first.
func (s *Server) nodeByID(ctx context.Context, id uint64) (string, bool) {
	if u, ok := s.knownID(id); ok {
		return u, true
	}
	var unknown []*nodeState
	s.mu.Lock()
	for _, n := range s.nodes {
		if n.id == 0 {
			unknown = append(unknown, n)
		}
	}
	s.mu.Unlock()
	for _, n := range unknown {
		if raw, err := s.fetchStatus(ctx, n.url); err == nil {
			_ = s.noteStatus(n, raw, time.Now())
		}
	}
	return s.knownID(id)
}

func (s *Server) knownID(id uint64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nodes {
		if n.id == id {
			return n.url, true
		}
	}
	return "", false
}

// urls returns the base URLs of every known node.
func (s *Server) urls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.url
	}
	return out
}

// encode is v as JSON, or nil when it cannot be encoded (a json.RawMessage a node
// sent that is not JSON): the hub never sends a nil item.
func encode(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return data
}

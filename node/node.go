package node

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftplay/raftplay/engine"
)

// Capacities of the channels that carry work into the Ready loop. Senders wait when
// they are full (an HTTP handler up to its timeout, a connection reader until the loop
// catches up: TCP then slows the sender down), the loop never does.
const (
	recvQueueLen     = 4096
	proposeQueueLen  = 1024
	readQueueLen     = 1024
	confQueueLen     = 16
	maxInputsPerLoop = 4096 // inputs taken before each Ready, so one fsync covers many
	shutdownTimeout  = 5 * time.Second
	warnInterval     = time.Minute // at most one warning of a kind per interval
)

// Node is one native raftplay node: an engine.Peer driven by real time, a TCP transport
// to the other voters, a kv.Store as its state machine and an HTTP API. Create it with
// New, then call Run.
type Node struct {
	cfg   Config
	log   *slog.Logger
	loop  *raftLoop
	trans *transport
	hub   *hub
	http  *http.Server

	// Work for the Ready loop.
	recvc chan engine.Message
	propc chan *proposal
	readc chan *readRequest
	confc chan *confRequest
	// removalc carries proof that this node was removed (removal.go) to the loop.
	removalc chan removalNotice
	// stopping is closed once the loop has stopped and answered everything it held;
	// requests still waiting are answered 503, /events streams end.
	stopping chan struct{}

	warnLimit *logLimiter // warnings that a flood could repeat, one per kind and minute

	addrs       atomic.Pointer[addrBook] // where the members of the configuration in force are
	tokenDigest [sha256.Size]byte

	statusMu sync.Mutex
	status   Status // the loop's view; Peers carries the leader's progress

	started  atomic.Bool
	fatalMu  sync.Mutex
	fatalErr error // the first failure of a goroutine other than the loop
	wg       sync.WaitGroup
}

// New checks cfg, loads the node's durable state from cfg.Store and prepares the node.
// It opens no socket and starts no goroutine: Run does.
func New(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	_, cs, err := cfg.Store.InitialState()
	if err != nil {
		return nil, fmt.Errorf("node %d: load initial state: %w", cfg.ID, err)
	}
	if err := cfg.checkVoters(cs); err != nil {
		return nil, err
	}
	if len(cfg.Peers) > 1 && cs.IsEmpty() {
		return nil, fmt.Errorf("node config: the store has no configuration (it joins a cluster), so Peers must list this node alone, got %d peers: a joining node learns the members from the leader", len(cfg.Peers))
	}
	ecfg := engine.DefaultConfig(cfg.ID, cfg.Store)
	ecfg.ClusterID = cfg.ClusterID
	ecfg.ElectionTicks = cfg.ElectionTicks
	ecfg.HeartbeatTicks = cfg.HeartbeatTicks
	ecfg.Seed = randomUint64() // nodes restarted together must not time out in lockstep
	marks, _ := cfg.Store.(durableMarks)
	ecfg.Recovering = marks != nil && marks.Recovering()
	peer, err := engine.NewPeer(ecfg)
	if err != nil {
		return nil, fmt.Errorf("node %d: %w", cfg.ID, err)
	}
	n := &Node{
		cfg:         cfg,
		log:         cfg.Logger.With("node", cfg.ID),
		hub:         newHub(cfg.EventBuffer, cfg.MaxEventSubscribers),
		recvc:       make(chan engine.Message, recvQueueLen),
		propc:       make(chan *proposal, proposeQueueLen),
		readc:       make(chan *readRequest, readQueueLen),
		confc:       make(chan *confRequest, confQueueLen),
		removalc:    make(chan removalNotice),
		stopping:    make(chan struct{}),
		warnLimit:   newLogLimiter(warnInterval),
		tokenDigest: tokenDigest([]byte(cfg.Token)),
	}
	st := peer.Status()
	book := n.newBook(st.Conf, st.ConfIndex, nil)
	n.restoreLingering(book, peer, st)
	n.addrs.Store(book)
	n.trans = newTransport(n, n.log.With("component", "transport"),
		book.talkTo(cfg.ID, st.ConfCommitted, st.Role == engine.RoleLeader, nil), book.joining)
	if n.loop, err = newRaftLoop(n, peer); err != nil {
		return nil, err
	}
	n.http = n.newHTTPServer()
	return n, nil
}

// durableMarks is what a store that guards against a damaged disk offers the node
// (filestore.Store does): a high-water mark of its synced log, refreshed about once a
// second, and the memory of a loss found when it was opened, which makes the node
// start as a non-voter until it has caught up from a leader (engine.Config.Recovering).
type durableMarks interface {
	Recovering() bool
	MarkRecovered() error
	Checkpoint() error
}

// checkpointInterval is how often the node refreshes its store's high-water mark: a
// damaged tail can take the entries synced since then without a trace.
const checkpointInterval = time.Second

// randomUint64 draws from crypto/rand (which does not fail on supported platforms).
func randomUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// Run listens, runs the node until ctx is cancelled, then shuts down cleanly: the loop
// stops, requests still waiting are answered 503, the HTTP server and the transport
// close, and every goroutine Run started has returned. It returns nil after a clean
// shutdown, or the error that stopped the node (a failed Save, a listener that failed).
// Run may be called once.
func (n *Node) Run(ctx context.Context) error {
	if !n.started.CompareAndSwap(false, true) {
		return errors.New("node: Run called twice")
	}
	raftLn, httpLn, err := n.listen()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpLn = newCappedListener(httpLn, n.cfg.MaxHTTPConns, func(remote net.Addr) {
		if ok, suppressed := n.warnLimit.allow("http-conns", time.Now()); ok {
			n.log.Warn("closed a new HTTP connection: too many HTTP connections", "remote", remote.String(),
				"limit", n.cfg.MaxHTTPConns, "similar_closed_before", suppressed)
		}
	})
	n.trans.start(raftLn)
	n.wg.Go(func() { n.watchRemoval(ctx) })
	n.wg.Go(func() {
		if err := n.http.Serve(httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.fail(fmt.Errorf("node %d: HTTP server on %s: %w", n.cfg.ID, httpLn.Addr(), err), cancel)
		}
	})
	n.log.Info("node running", "raft", raftLn.Addr().String(), "http", httpLn.Addr().String(),
		"cluster", n.cfg.ClusterID, "peers", len(n.cfg.Peers))

	loopErr := n.loop.run(ctx)
	if loopErr != nil {
		n.log.Error("Ready loop stopped", "err", loopErr)
	}
	cancel() // the goroutines that watch ctx (watchRemoval) end before shutdown waits for them
	n.shutdown()
	n.log.Info("node stopped")
	if loopErr != nil {
		return loopErr
	}
	n.fatalMu.Lock()
	defer n.fatalMu.Unlock()
	return n.fatalErr
}

// fail records the first error of a background goroutine and stops the node.
func (n *Node) fail(err error, cancel context.CancelFunc) {
	n.fatalMu.Lock()
	if n.fatalErr == nil {
		n.fatalErr = err
	}
	n.fatalMu.Unlock()
	n.log.Error("stopping the node", "err", err)
	cancel()
}

// listen opens the Raft and HTTP listeners, unless the Config brought its own. On error
// it closes the listener it holds, be it the Config's.
func (n *Node) listen() (raftLn, httpLn net.Listener, err error) {
	raftLn, httpLn = n.cfg.RaftListener, n.cfg.HTTPListener
	if raftLn == nil {
		addr := listenAddr(n.cfg.Peers[n.cfg.ID])
		if raftLn, err = net.Listen("tcp", addr); err != nil {
			if httpLn != nil {
				_ = httpLn.Close()
			}
			return nil, nil, fmt.Errorf("node %d: listen for Raft peers on %s: %w", n.cfg.ID, addr, err)
		}
	}
	if httpLn == nil {
		addr := listenAddr(n.cfg.HTTPAddr)
		if httpLn, err = net.Listen("tcp", addr); err != nil {
			_ = raftLn.Close()
			return nil, nil, fmt.Errorf("node %d: listen for HTTP on %s: %w", n.cfg.ID, addr, err)
		}
	}
	return raftLn, httpLn, nil
}

// shutdown runs after the loop has returned.
func (n *Node) shutdown() {
	n.loop.abortAll()
	close(n.stopping)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := n.http.Shutdown(ctx); err != nil {
		n.log.Warn("HTTP server did not drain in time; closing its connections", "err", err)
		_ = n.http.Close()
	}
	n.trans.stop()
	n.wg.Wait()
}

// ID returns the node's peer id.
func (n *Node) ID() uint64 { return n.cfg.ID }

// Status returns a snapshot of the node's state, as GET /status shows it.
func (n *Node) Status() Status {
	n.statusMu.Lock()
	st := n.status
	st.Peers = slices.Clone(n.status.Peers)
	st.LogTail = append(make([]LogRef, 0, len(n.status.LogTail)), n.status.LogTail...) // [] rather than null when empty
	n.statusMu.Unlock()
	st.CutLinks = n.trans.links.list()
	for i := range st.Peers {
		p := &st.Peers[i]
		p.Connected = p.ID == n.cfg.ID || n.trans.connected(p.ID)
	}
	return st
}

// IsLeader reports whether the node is the leader of its cluster right now.
func (n *Node) IsLeader() bool {
	n.statusMu.Lock()
	defer n.statusMu.Unlock()
	return n.status.Role == engine.RoleLeader.String()
}

// Leader returns the id of the leader the node knows of, or 0.
func (n *Node) Leader() uint64 {
	n.statusMu.Lock()
	defer n.statusMu.Unlock()
	return n.status.Leader
}

// TransportStats returns the counters of the node's peer transport.
func (n *Node) TransportStats() TransportStats { return n.trans.stats.snapshot() }

// initialStatus builds the Status of a node that has not run yet.
func (n *Node) initialStatus(st engine.Status) Status {
	s := Status{
		ID: n.cfg.ID, ClusterID: n.cfg.ClusterID, Role: st.Role.String(), Term: st.Term,
		Leader: st.Lead, CommitIndex: st.CommitIndex, LastApplied: st.LastApplied, LastIndex: st.LastIndex,
		SnapshotIndex: st.SnapshotIndex, FirstIndex: st.FirstIndex, Storage: n.cfg.Storage,
	}
	n.setConfStatus(&s, n.book())
	return s
}

// restoreLingering gives book, the address book a node starts with, the members that
// its configuration dropped, when that configuration's entry is not known committed:
// the node talks to them until it is (addrBook.lingering), and, if it is elected
// meanwhile, its engine replicates to the servers that entry removed until they know
// (engine.Peer.Leaving), which needs their addresses. A node that was running when it
// adopted the configuration kept them in memory; a restarted one reads them from the
// configuration before it in its log (or from Peers, for members the cluster was
// created with), which is where they were all along. st is peer's status at start.
func (n *Node) restoreLingering(book *addrBook, peer *engine.Peer, st engine.Status) {
	if st.ConfIndex == 0 || st.ConfCommitted {
		return
	}
	earlier, err := peer.ConfBefore(st.ConfIndex)
	if err != nil {
		n.log.Warn("cannot read the configuration before the one in force: the members it drops are not reached until it is committed",
			"conf_index", st.ConfIndex, "err", err)
		return
	}
	prev, bad := newAddrBook(&n.cfg, earlier, 0, nil)
	for _, err := range bad {
		n.log.Warn("a member's addresses in the earlier configuration cannot be read; using --peers for it, if it is there", "err", err)
	}
	for id, a := range prev.addrs {
		if id != n.cfg.ID && !book.conf.IsMember(id) {
			book.lingering[id] = a
		}
	}
}

// book returns the addresses of the members of the configuration in force.
func (n *Node) book() *addrBook { return n.addrs.Load() }

// newBook builds the address book of cs, logging the member contexts it cannot read.
func (n *Node) newBook(cs engine.ConfState, index uint64, prev *addrBook) *addrBook {
	book, bad := newAddrBook(&n.cfg, cs, index, prev)
	for _, err := range bad {
		n.log.Warn("a member's addresses in the configuration cannot be read; using --peers for it, if it is there", "err", err)
	}
	for _, id := range cs.Members() {
		if _, ok := book.addrs[id]; !ok && id != n.cfg.ID {
			n.log.Warn("no Raft address is known for a member of the configuration: this node cannot send to it", "member", id, "conf", cs.String())
		}
	}
	return book
}

// setConfStatus fills the configuration fields of s from book: the members (this node
// included) with their addresses, the voters, learners and outgoing voters.
func (n *Node) setConfStatus(s *Status, book *addrBook) {
	cs := book.conf
	s.Voters, s.Learners = orEmpty(cs.Voters), orEmpty(cs.Learners)
	s.Outgoing = slices.Clone(cs.VotersOutgoing)
	s.Removed = book.out
	ids := cs.Members()
	if !slices.Contains(ids, n.cfg.ID) {
		ids = append(ids, n.cfg.ID)
	}
	old := s.Peers
	s.Peers = make([]PeerStatus, 0, len(ids))
	for _, id := range ids {
		a := book.addrs[id]
		p := PeerStatus{ID: id, RaftAddr: a.Raft, HTTPURL: a.HTTP}
		if i := slices.IndexFunc(old, func(o PeerStatus) bool { return o.ID == id }); i >= 0 {
			p.MatchIndex, p.NextIndex, p.Mode, p.Recovering = old[i].MatchIndex, old[i].NextIndex, old[i].Mode, old[i].Recovering
		}
		s.Peers = append(s.Peers, p)
	}
	slices.SortFunc(s.Peers, func(a, b PeerStatus) int { return cmp.Compare(a.ID, b.ID) })
}

// orEmpty returns ids, or an empty slice for nil (JSON [] rather than null).
func orEmpty(ids []uint64) []uint64 {
	if ids == nil {
		return []uint64{}
	}
	return slices.Clone(ids)
}

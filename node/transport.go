package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftplay/raftplay/engine"
)

// Timing of the transport.
const (
	dialTimeout      = 2 * time.Second
	handshakeTimeout = 5 * time.Second // an inbound connection must identify itself within this
	writeTimeout     = 5 * time.Second // a peer that accepts no bytes for this long is dropped
	minBackoff       = 10 * time.Millisecond
	maxBackoff       = time.Second // a restarted peer is reconnected within about this
	// stableConnection is how long a connection must last for the back-off to start
	// over: a peer that accepts and then drops us (a wrong token) is retried slowly.
	stableConnection = time.Second
	maxInboundConns  = 64
	connBufferSize   = 64 << 10
	maxWriteBatch    = 256 // frames written between two write deadlines and flushes
	pooledFrameCap   = 1 << 20
	// healDialWait bounds how long a heal waits for the connection to the peer, which
	// the cut closed, to be dialed again before it answers.
	healDialWait = 500 * time.Millisecond
)

// TransportStats counts what a node's peer transport did, for tests and diagnostics.
type TransportStats struct {
	// Accepted counts inbound connections whose handshake was accepted.
	Accepted uint64
	// Rejected counts inbound connections refused at the handshake: not a raftplay peer,
	// another version, cluster or recipient, a sender outside the configuration, or a
	// token mismatch.
	Rejected uint64
	// ClosedOnError counts accepted connections closed for an oversized, empty or
	// malformed frame.
	ClosedOnError uint64
	// FramesReceived counts messages handed to the Ready loop.
	FramesReceived uint64
	// FramesDropped counts received messages dropped: from an id outside the
	// configuration, from another id than the connection's, or addressed to another peer.
	FramesDropped uint64
	// FramesSent counts frames written to peers.
	FramesSent uint64
	// SendDrops counts frames dropped on the sending side: a full queue, or a peer that
	// could not be reached.
	SendDrops uint64
	// Dials and DialFailures count outbound connection attempts.
	Dials, DialFailures uint64
	// LinkDrops counts messages dropped, in either direction, because the link to
	// their peer is cut (POST /admin/links/{peer}/cut).
	LinkDrops uint64
}

type transportCounters struct {
	accepted, rejected, closedOnError         atomic.Uint64
	framesReceived, framesDropped, framesSent atomic.Uint64
	sendDrops, dials, dialFailures            atomic.Uint64
	linkDrops                                 atomic.Uint64
}

func (c *transportCounters) snapshot() TransportStats {
	return TransportStats{
		Accepted: c.accepted.Load(), Rejected: c.rejected.Load(), ClosedOnError: c.closedOnError.Load(),
		FramesReceived: c.framesReceived.Load(), FramesDropped: c.framesDropped.Load(),
		FramesSent: c.framesSent.Load(), SendDrops: c.sendDrops.Load(),
		Dials: c.dials.Load(), DialFailures: c.dialFailures.Load(),
		LinkDrops: c.linkDrops.Load(),
	}
}

// transport carries messages between peers over TCP. Each peer dials every other peer
// and writes its messages on that connection; it reads the messages of the others on
// the connections they dialed. The Ready loop only ever enqueues: a sender goroutine
// per peer owns the connection, and a full queue drops the frame.
type transport struct {
	n      *Node
	log    *slog.Logger
	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc

	// set is the peers this node talks to, replaced (never modified) when the engine
	// adopts a configuration (§6). The Ready loop replaces it; readers load it.
	set    atomic.Pointer[peerSet]
	frames sync.Pool
	hello  handshake // this node's handshake, To filled in per peer

	ln       net.Listener
	started  bool // start has run: new senders start at once
	mu       sync.Mutex
	inbound  map[net.Conn]struct{} // every open inbound connection
	fromPeer map[uint64]net.Conn   // the accepted inbound connection of each peer
	// declared holds the Raft address each peer's handshake declared, for a node that
	// has no configuration yet: it answers the leader there (see peerSet.open).
	declared map[uint64]string

	links links // the peers whose traffic is dropped both ways
	stats transportCounters
}

// peerSet is the peers of one configuration: a sender for each other member the node
// has an address for.
type peerSet struct {
	senders map[uint64]*sender
	others  []uint64 // the ids of senders, sorted: bit positions of connectedMask
	// open: this node is joining (addrBook.joining). It accepts connections from any
	// peer of its cluster, since the leader that adds it may be no member it knows,
	// and answers a peer at the Raft address its handshake declared.
	open bool
}

func newTransport(n *Node, log *slog.Logger, peers map[uint64]string, joining bool) *transport {
	ctx, cancel := context.WithCancel(context.Background())
	t := &transport{
		n: n, log: log, ctx: ctx, cancel: cancel,
		inbound:  make(map[net.Conn]struct{}),
		fromPeer: make(map[uint64]net.Conn),
		declared: make(map[uint64]string),
		hello:    handshake{From: n.cfg.ID, ClusterID: n.cfg.ClusterID, Token: []byte(n.cfg.Token), Addr: n.cfg.Peers[n.cfg.ID]},
	}
	if t.hello.Addr == "" && n.cfg.RaftListener != nil {
		t.hello.Addr = n.cfg.RaftListener.Addr().String()
	}
	t.frames.New = func() any { b := make([]byte, 0, 512); return &b }
	t.set.Store(&peerSet{senders: map[uint64]*sender{}})
	t.follow(peers, joining)
	return t
}

// peers returns the current peer set.
func (t *transport) peers() *peerSet { return t.set.Load() }

func (t *transport) newSender(id uint64, addr string) *sender {
	h := t.hello
	h.To = id
	ctx, cancel := context.WithCancel(t.ctx)
	return &sender{
		t: t, id: id, addr: addr, ctx: ctx, cancel: cancel,
		queue: make(chan *[]byte, t.n.cfg.SendQueueLen),
		hello: appendHandshake(nil, h),
	}
}

// follow makes the transport talk to peers (id to Raft address; see
// addrBook.talkTo): it starts a sender for each new peer, restarts the one of a peer
// whose address changed, and for a peer that is gone stops its sender and closes its
// inbound connection, so that a removed server gets no more traffic. joining: this
// node is no member yet (peerSet.open). It is called by the Ready loop (and
// by New before the loop runs), never concurrently.
func (t *transport) follow(peers map[uint64]string, joining bool) {
	old := t.peers()
	next := &peerSet{senders: make(map[uint64]*sender), open: joining}
	var started []*sender
	for _, id := range slices.Sorted(maps.Keys(peers)) {
		addr := peers[id]
		if s := old.senders[id]; s != nil && s.addr == addr {
			next.senders[id] = s
		} else {
			s = t.newSender(id, addr)
			next.senders[id] = s
			started = append(started, s)
		}
		next.others = append(next.others, id)
	}
	if next.open {
		// Still joining: keep the senders opened to the peers that contacted us.
		for id, s := range old.senders {
			if next.senders[id] == nil {
				next.senders[id] = s
				next.others = append(next.others, id)
			}
		}
		slices.Sort(next.others)
	}
	t.set.Store(next)
	for id, s := range old.senders {
		if next.senders[id] != s {
			s.stop()
			if next.senders[id] == nil {
				t.dropInbound(id)
				t.log.Info("closed the connections to a peer: it left the configuration, or this node did", "peer", id, "addr", s.addr)
			}
		}
	}
	t.mu.Lock()
	running := t.started
	t.mu.Unlock()
	for _, s := range started {
		if running {
			t.n.wg.Go(s.run)
		}
	}
}

// dropInbound closes the inbound connection of peer, if any.
func (t *transport) dropInbound(peer uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.fromPeer[peer]; c != nil {
		_ = c.Close()
		delete(t.fromPeer, peer)
	}
}

// answerDeclared gives this node a sender to peer id at the address its handshake
// declared, when it has none and may use one: while it is joining (peerSet.open:
// the only way to answer a leader it may not know), or when id is a
// member whose address the configuration does not give (a snapshot's configuration,
// taken before the members' addresses were written into it). It reports the sender,
// or nil.
func (t *transport) answerDeclared(id uint64) *sender {
	set := t.peers()
	if !set.open && !t.n.book().lacksAddr(id, t.n.cfg.ID) {
		return nil
	}
	addr := t.declaredAddr(id)
	if addr == "" {
		return nil
	}
	t.mu.Lock()
	running := t.started
	t.mu.Unlock()
	next := &peerSet{senders: maps.Clone(set.senders), others: append(slices.Clone(set.others), id), open: set.open}
	slices.Sort(next.others)
	s := t.newSender(id, addr)
	next.senders[id] = s
	t.set.Store(next)
	if running {
		t.n.wg.Go(s.run)
	}
	t.log.Info("answering a peer at the Raft address its handshake declared", "peer", id, "addr", addr)
	return s
}

// declaredAddr returns the Raft address peer id declared in its handshake, or "".
func (t *transport) declaredAddr(id uint64) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.declared[id]
}

// start begins accepting on ln and connecting to every peer.
func (t *transport) start(ln net.Listener) {
	t.ln = ln
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
	t.n.wg.Go(t.acceptLoop)
	for _, s := range t.peers().senders {
		t.n.wg.Go(s.run)
	}
}

// stop closes the listener and every connection; the goroutines then return (the node's
// WaitGroup waits for them).
func (t *transport) stop() {
	t.cancel()
	if t.ln != nil {
		_ = t.ln.Close()
	}
	t.mu.Lock()
	for c := range t.inbound {
		_ = c.Close()
	}
	t.mu.Unlock()
	for _, s := range t.peers().senders {
		s.closeConn()
	}
}

func (t *transport) stopped() bool { return t.ctx.Err() != nil }

// sleep waits d, or less if the transport stops; it reports whether it is still running.
func (t *transport) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}

// send encodes m into a frame and queues it for its recipient; it reports false when
// it dropped m at once (a cut link, an unknown peer, an oversized frame). It never
// blocks: it is called by the Ready loop, and the Ready slices are only valid until
// Advance, which is why the message is encoded here rather than by the sender goroutine.
func (t *transport) send(m *engine.Message) bool {
	s := t.peers().senders[m.To]
	if s == nil {
		s = t.answerDeclared(m.To)
	}
	if s == nil {
		// A reply to a server outside the configuration (a removed one asking for
		// votes), or to a member whose address is unknown: dropped, once-a-minute noted.
		t.stats.sendDrops.Add(1)
		if ok, suppressed := t.n.warnLimit.allow(fmt.Sprintf("unknown-peer/%d", m.To), time.Now()); ok {
			t.log.Warn("dropped a message to a server this node has no address for", "to", m.To, "type", m.Type.String(), "similar_dropped_before", suppressed)
		}
		return false
	}
	if t.links.isCut(m.To) {
		t.stats.linkDrops.Add(1)
		return false
	}
	bp := t.frames.Get().(*[]byte)
	*bp = appendFrame((*bp)[:0], m)
	if len(*bp)-frameHeaderLen > MaxFrameSize {
		t.log.Error("dropped a message larger than the frame limit", "to", m.To, "type", m.Type.String(), "bytes", len(*bp), "limit", MaxFrameSize)
		t.stats.sendDrops.Add(1)
		t.release(bp)
		return false
	}
	s.enqueue(bp)
	return true
}

// release returns a frame buffer to the pool unless it grew large.
func (t *transport) release(bp *[]byte) {
	if cap(*bp) <= pooledFrameCap {
		t.frames.Put(bp)
	}
}

// connected reports whether the link to peer id is up: this node's connection to the
// peer is up, the peer's connection to this node is up, and the link is not cut.
//
// Both connections count because each node writes only on the connection it dialed
// and never hears back on it: a cut on the peer's side alone (it drops our frames and
// sends none) leaves our connection to it writable for as long as the peer lets it
// stay open, so our sender's state says nothing of the cut. The cutting node closes
// its own connection to us instead and does not dial again until healed (see
// sender.run), which we see at once as its connection to us ending. So a cut shows as
// not connected on both sides within a read of a closed connection, and a heal as
// connected again when the cutting side has dialed: no timer, no new frame type, and a
// peer of an older version, which never cuts, still shows connected.
func (t *transport) connected(id uint64) bool {
	set := t.peers()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.linkUp(set, id)
}

// linkUp is connected for a peer of set; t.mu is held.
func (t *transport) linkUp(set *peerSet, id uint64) bool {
	s := set.senders[id]
	return s != nil && s.connected.Load() && t.fromPeer[id] != nil && !t.links.isCut(id)
}

// connectedMask has bit i set when the i-th other peer is connected (as connected says):
// a cut or a heal changes it, so the status event that shows it is sent.
func (t *transport) connectedMask() uint64 {
	var mask uint64
	set := t.peers()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, id := range set.others {
		if i < 64 && t.linkUp(set, id) {
			mask |= 1 << i
		}
	}
	return mask
}

// awaitConnected waits until this node's connection to peer id is up, at most within,
// and reports whether it is: a heal answers once the link carries messages again from
// this side (or after within, when the peer does not answer).
func (t *transport) awaitConnected(id uint64, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		s := t.peers().senders[id]
		if s != nil && s.connected.Load() {
			return true
		}
		if time.Now().After(deadline) || !t.sleep(5*time.Millisecond) {
			return false
		}
	}
}

// sender owns the outbound connection to one peer.
type sender struct {
	t      *transport
	id     uint64
	addr   string
	hello  []byte          // the handshake this sender opens each connection with
	ctx    context.Context // cancelled when the peer leaves the configuration, or by stop
	cancel context.CancelFunc

	queue       chan *[]byte
	queuedBytes atomic.Int64
	connected   atomic.Bool

	mu   sync.Mutex
	conn net.Conn // the live connection, closed by stop to unblock a write
}

// enqueue queues a frame, or drops it when the queue is full: Raft resends what matters
// (heartbeats repeat, AppendEntries are retried), and the loop must not wait.
func (s *sender) enqueue(bp *[]byte) {
	size := int64(len(*bp))
	if s.queuedBytes.Add(size) > s.t.n.cfg.SendQueueBytes {
		s.queuedBytes.Add(-size)
		s.drop(bp)
		return
	}
	select {
	case s.queue <- bp:
	default:
		s.queuedBytes.Add(-size)
		s.drop(bp)
	}
}

func (s *sender) drop(bp *[]byte) {
	s.t.stats.sendDrops.Add(1)
	s.t.release(bp)
}

// discardQueue drops what was queued for a peer we cannot reach: by the time we do, it
// is stale, and the engine will have sent newer messages.
func (s *sender) discardQueue() {
	for {
		select {
		case bp := <-s.queue:
			s.queuedBytes.Add(-int64(len(*bp)))
			s.drop(bp)
		default:
			return
		}
	}
}

// run connects to the peer, writes its frames, and reconnects with a capped
// exponential back-off with jitter whenever the connection fails, until stop.
func (s *sender) run() {
	var b backoff
	failures := 0
	for {
		if !s.awaitHealed() {
			return
		}
		conn, err := s.dial()
		if err == nil {
			if failures > 0 {
				s.t.log.Info("connected to peer", "peer", s.id, "addr", s.addr, "after_failures", failures)
			}
			opened := time.Now()
			err = s.pump(conn)
			if s.stopped() {
				s.discardQueue()
				return
			}
			if errors.Is(err, errLinkCut) {
				// Closed on purpose: dial again as soon as the link is healed.
				s.t.log.Debug("closed the connection to a peer whose link is cut", "peer", s.id, "addr", s.addr)
				b.reset()
				failures = 0
				continue
			}
			if time.Since(opened) >= stableConnection {
				b.reset()
				failures = 0
			}
		}
		if s.stopped() {
			s.discardQueue()
			return
		}
		failures++
		if failures == 1 {
			s.t.log.Warn("cannot send to peer; retrying with back-off", "peer", s.id, "addr", s.addr, "err", err)
		} else {
			s.t.log.Debug("still cannot send to peer", "peer", s.id, "addr", s.addr, "failures", failures, "err", err)
		}
		s.discardQueue()
		if !s.sleep(b.next()) {
			return
		}
	}
}

// errLinkCut ends a connection whose link was cut (see transport.connected for why the
// connection is closed rather than left idle).
var errLinkCut = errors.New("the link is cut")

// awaitHealed returns at once while the link to the peer is up; while it is cut it
// waits for the heal, holding no connection. It reports false when the sender stopped.
func (s *sender) awaitHealed() bool {
	for {
		changed := s.t.links.changed()
		if !s.t.links.isCut(s.id) {
			return true
		}
		s.discardQueue()
		select {
		case <-changed:
		case <-s.ctx.Done():
			s.discardQueue()
			return false
		}
	}
}

func (s *sender) dial() (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: 15 * time.Second}
	conn, err := d.DialContext(s.ctx, "tcp", s.addr)
	if err != nil {
		s.t.stats.dialFailures.Add(1)
		return nil, fmt.Errorf("dial peer %d at %s: %w", s.id, s.addr, err)
	}
	s.t.stats.dials.Add(1)
	return conn, nil
}

// pump writes the handshake and then the queued frames until the connection fails
// (returning why), the link is cut (errLinkCut) or the transport stops (returning nil).
func (s *sender) pump(conn net.Conn) error {
	defer conn.Close()
	if !s.setConn(conn) {
		return nil
	}
	defer s.setConn(nil)
	defer s.connected.Store(false)
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := conn.Write(s.hello); err != nil {
		return fmt.Errorf("send handshake to peer %d: %w", s.id, err)
	}
	s.connected.Store(true)
	bw := bufio.NewWriterSize(conn, connBufferSize)
	for {
		changed := s.t.links.changed()
		if s.t.links.isCut(s.id) {
			return errLinkCut
		}
		select {
		case <-s.ctx.Done():
			return nil
		case <-changed:
		case bp := <-s.queue:
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := s.writeBatch(bw, bp); err != nil {
				return fmt.Errorf("send to peer %d: %w", s.id, err)
			}
		}
	}
}

// writeBatch writes first and whatever else is queued (up to maxWriteBatch frames),
// then flushes: many small messages share one write system call.
func (s *sender) writeBatch(bw *bufio.Writer, first *[]byte) error {
	bp := first
	for i := 0; ; i++ {
		_, err := bw.Write(*bp)
		s.queuedBytes.Add(-int64(len(*bp)))
		s.t.release(bp)
		if err != nil {
			return err
		}
		s.t.stats.framesSent.Add(1)
		if i+1 == maxWriteBatch {
			break
		}
		select {
		case bp = <-s.queue:
			continue
		default:
		}
		break
	}
	return bw.Flush()
}

// setConn records the live connection; it refuses once the transport has stopped, so
// that stop never misses a connection to close.
func (s *sender) setConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != nil && s.stopped() {
		return false
	}
	s.conn = c
	return true
}

func (s *sender) stopped() bool { return s.ctx.Err() != nil }

// stop ends the sender: its goroutine returns and its connection closes.
func (s *sender) stop() {
	s.cancel()
	s.closeConn()
}

// sleep waits d, or less if the sender stops; it reports whether it is still running.
func (s *sender) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *sender) closeConn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		_ = s.conn.Close()
	}
}

// backoff is a capped exponential back-off with "equal jitter": each wait is between
// half and all of the current step, so peers that lost each other at the same moment
// do not retry in lockstep.
type backoff struct{ step time.Duration }

func (b *backoff) next() time.Duration {
	if b.step == 0 {
		b.step = minBackoff
	} else {
		b.step = min(2*b.step, maxBackoff)
	}
	half := b.step / 2
	return half + rand.N(half+1)
}

func (b *backoff) reset() { b.step = 0 }
